import assert from "node:assert/strict";
import * as http from "node:http";
import { after, before, describe, it } from "node:test";
import { startLoad, summarize } from "../../bench/rollout/load";
import { ensureCluster, Kube } from "./support/cluster";
import { deployEcho, EchoDeployment, removeEcho } from "./support/echo";

// Health checks on the local cluster through the real `pulumi up`: a version that never becomes healthy
// fails the update within a bounded time, saying why, while the old pods keep serving (also when the
// same broken version is tried again); a pod whose health check starts failing is restarted by its
// liveness probe and serves again.

const PROJECT = "ce-k8s-health";
const NS = "/api/v1/namespaces/default";
/** The program's startupTimeout (programs/echo/index.ts). */
const STARTUP_TIMEOUT_S = 15;
/** The package's bound on a rollout: startupTimeout + 90 s (scheduling, image pull); the CLI's own start and finish on top. */
const FAIL_WITHIN_S = STARTUP_TIMEOUT_S + 90 + 45;

describe("health checks on the local cluster", { timeout: 30 * 60_000 }, () => {
    let d: EchoDeployment;
    let kube: Kube;

    before(async () => {
        const cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        d = await deployEcho(PROJECT, cluster, kube, { [`${PROJECT}:release`]: "1" });
    });
    after(() => removeEcho(d));

    const appPods = async () =>
        (await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(`${d.stackLabel},app.kubernetes.io/name=engine-app,cloudengine.io/env=production`)}`))
            .filter((p) => !p.metadata.deletionTimestamp);

    it("a version that never becomes healthy fails pulumi up in bounded time, saying why; the old pods keep serving, also on a retry", { timeout: 15 * 60_000 }, async (t) => {
        const url = `http://127.0.0.1:${d.app.ports.http}/`;
        const load = startLoad({ url, host: d.appHost, ratePerSecond: 20, maxDurationMs: 10 * 60_000 });
        d.stack.set(`${PROJECT}:neverHealthy`, "true");
        d.stack.set(`${PROJECT}:release`, "2");
        const attempts: { seconds: number; output: string; status: number | null }[] = [];
        for (let i = 0; i < 2; i++) {
            const t0 = Date.now();
            const up = await d.stack.runAsync("up", "--yes", "--skip-preview");
            attempts.push({ seconds: (Date.now() - t0) / 1000, output: up.all, status: up.status });
        }
        const samples = await load.stop();
        const summary = summarize(samples);
        for (const [i, a] of attempts.entries()) {
            const diagnostics = a.output.slice(a.output.indexOf("Diagnostics:"));
            t.diagnostic(`attempt ${i + 1}: pulumi up exited ${a.status} after ${a.seconds.toFixed(0)} s; its diagnostics:\n${diagnostics.slice(0, 3000)}`);
            assert.notEqual(a.status, 0, `attempt ${i + 1} fails`);
            assert.ok(a.seconds < FAIL_WITHIN_S, `attempt ${i + 1} fails within ${FAIL_WITHIN_S} s (${a.seconds.toFixed(0)} s)`);
            // /cloudengine/init's own words, through the pod's termination message: the timeout and the probe's diagnosis
            // (or, when something else stopped a pod first, as the kubelet may while the rollout is stuck, the diagnosis so far).
            assert.match(diagnostics, new RegExp(`(app did not become healthy within the ${STARTUP_TIMEOUT_S}s startup timeout \\(CLOUDENGINE_STARTUP_TIMEOUT\\)|stopped by SIGTERM [0-9hms]+ after start, before the app became healthy): .*503`), `attempt ${i + 1}: the error says why the pods are not healthy`);
        }
        t.diagnostic(`during both attempts: ${summary.requests} requests, ${summary.failed} failed; answered by ${[...new Set(samples.map((s) => s.body.trim()))].join(", ")}`);
        assert.ok(summary.requests > 100);
        assert.equal(summary.failed, 0, "the old version kept serving every request");
        assert.deepEqual([...new Set(samples.map((s) => s.body.trim()))], ["echoapp production r1"]);

        // Back to a healthy version: the update goes through.
        d.stack.set(`${PROJECT}:neverHealthy`, "false");
        d.stack.ok("up", "--yes", "--skip-preview");
        // The old pods drain for a few seconds after the update: then only the new version answers.
        const deadline = Date.now() + 30_000;
        let answers: string[] = [];
        do {
            await new Promise((r) => setTimeout(r, 1000));
            answers = await Promise.all(Array.from({ length: 10 }, async () => (await d.app.request({ hostname: d.appHost })).text));
        } while (answers.some((a) => a !== "echoapp production r2\n") && Date.now() < deadline);
        assert.deepEqual([...new Set(answers)], ["echoapp production r2\n"]);
    });

    it("a pod whose health check starts failing leaves the load balancer, is restarted and serves again; the other serves meanwhile", { timeout: 5 * 60_000 }, async (t) => {
        const ready = (p: any) => (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
        const [pod] = (await appPods()).filter(ready);
        const restarts = pod.status.containerStatuses[0].restartCount;
        const port = pod.spec.containers[0].ports[0].containerPort;
        // Straight to the pod (an address of the cluster's own pod network): only it turns unhealthy.
        const answer = await new Promise<string>((resolve, reject) => {
            http.get({ host: pod.status.podIP, port, path: "/turn-unhealthy", timeout: 10_000 }, (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve(body));
            }).on("error", reject);
        });
        assert.match(answer, /unhealthy from now on/);
        const t0 = Date.now();
        // Its readiness probe takes it out of the Service within a check interval or two...
        while (ready(await kube.get(`${NS}/pods/${pod.metadata.name}`))) {
            assert.ok(Date.now() - t0 < 20_000, "not Ready within 20 s of turning unhealthy");
            await new Promise((r) => setTimeout(r, 500));
        }
        // ...and leaves the headless Service's ready endpoints, the DNS answer the load balancer follows.
        const readyEndpoints = async () => (await kube.list(`${NS.replace("/api/v1/", "/apis/discovery.k8s.io/v1/")}/endpointslices`))
            .flatMap((slice: any) => (slice.endpoints ?? []).filter((e: any) => e.conditions?.ready).flatMap((e: any) => e.addresses as string[]));
        while ((await readyEndpoints()).includes(pod.status.podIP)) {
            assert.ok(Date.now() - t0 < 30_000, "still a ready endpoint of its Service 30 s after it turned unhealthy");
            await new Promise((r) => setTimeout(r, 200));
        }
        const outAfter = (Date.now() - t0) / 1000;
        // ...then every request is served by the other instance until this one is back.
        let served = 0;
        for (;;) {
            const now = await kube.get(`${NS}/pods/${pod.metadata.name}`);
            const status = now.status.containerStatuses[0];
            if (status.restartCount > restarts && ready(now)) {
                const lastStop = status.lastState?.terminated?.message ?? "";
                const events = await kube.list(`${NS}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${pod.metadata.name}`)}`);
                const killedByKubelet = events.some((e) => e.reason === "Killing" && /liveness probe/i.test(e.message));
                t.diagnostic(`out of the load balancer after ${outAfter.toFixed(1)} s; restarted and Ready again after ${((Date.now() - t0) / 1000).toFixed(0)} s (${killedByKubelet ? "the kubelet's liveness probe" : `/cloudengine/init: ${lastStop.trim()}`}); ${served} requests served meanwhile`);
                assert.ok(killedByKubelet || /instance unhealthy \(3 consecutive failed health checks; last: .*503/.test(lastStop), `restarted for its failed health checks: ${lastStop} | ${events.map((e) => `${e.reason}: ${e.message}`).join(" | ")}`);
                break;
            }
            assert.ok(Date.now() - t0 < 180_000, `restarted and Ready again within 180 s (restarts ${status.restartCount})`);
            const r = await d.app.request({ hostname: d.appHost });
            assert.equal(r.status, 200, "the other instance serves meanwhile");
            served++;
            await new Promise((r) => setTimeout(r, 500));
        }
    });
});
