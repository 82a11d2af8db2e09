import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { describeFailures, startLoad, summarize } from "../../bench/rollout/load";
import { previewChanges } from "../engine/support";
import { geoipLookup, requireCountryDatabase } from "../support/countryDatabase";
import { Echo, LoopbackClient } from "../support/httpClient";
import { ClusterEnv, clusterPlatformSettings, deleteLabelled, ensureCluster, Kube, PACKAGE_LABEL, podExec, REPO } from "./support/cluster";
import { answering, loadBalancerPorts } from "./support/echo";
import { PublicAddressClient } from "./support/publicClient";
import { KubeStack } from "./support/stack";

// App Engine parity on the local cluster through the real `pulumi up` (programs/appengine): two versions
// of the echo app, each at <version>.latest.<app>.<domain> through its own load balancer; the app's own
// hostname and its subdomains through the default version's; X-AppEngine-Country from the default gateway's
// country database (Debian's GeoIP.dat, joined from ConfigMaps in the load balancers' pods); automatic
// scaling on CPU (a HorizontalPodAutoscaler reading the cluster's metrics-server) that adds instances under
// a bounded load and removes them once it stops; and a default-version switch that changes only the routing.

const PROJECT = "ce-k8s-appengine";
const NS = "/api/v1/namespaces/default";
const HPA = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/app-gae-v1-production";
const DEPLOYMENT = "/apis/apps/v1/namespaces/default/deployments/app-gae-v1-production";
/** The load that makes v1 busy: 20 requests a second of 40 ms CPU each (0.8 CPU; its instances get 0.2 each). */
const BURN_RATE = 20;
const BURN_MS = 40;
/** The load while the default version switches (requests a second). */
const SWITCH_RATE = 50;
/** A client address Debian's GeoIP.dat places in a country (GB). */
const PUBLIC_ADDRESS = "81.2.69.160";

describe("App Engine parity on the local cluster: versions, subdomains and automatic scaling (real pulumi up)", { timeout: 30 * 60_000 }, () => {
    let kube: Kube;
    let cluster: ClusterEnv;
    let stack: KubeStack;
    let domain = "";
    const lb: Record<string, LoopbackClient> = {};

    before(async () => {
        cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        await deleteLabelled(kube, PACKAGE_LABEL);
        stack = new KubeStack(PROJECT, cluster, {
            "index.ts": path.join(REPO, "test", "k8s", "programs", "appengine", "index.ts"),
            "echoapp": path.join(REPO, "test", "fixtures", "echoapp"),
        });
        fs.writeFileSync(path.join(stack.work, "Pulumi.yaml"), JSON.stringify({ name: PROJECT, runtime: "nodejs", main: "index.ts" }));
        stack.init("dev", { "cloudengine:platform": "kubernetes", "cloudengine:gateway": { countryDatabase: requireCountryDatabase() }, ...clusterPlatformSettings(cluster) });
        stack.ok("up", "--yes", "--skip-preview");
        const outputs = stack.outputs();
        domain = new URL(outputs.url).hostname.replace(/^gae\./, "");
        const stackLabel = `cloudengine.io/stack=${PROJECT}.dev`;
        for (const name of ["gae-v1", "gae-v2", "gae-default"]) lb[name] = new LoopbackClient(await loadBalancerPorts(kube, stackLabel, "EngineApp", name));
        await answering(lb["gae-default"], `gae.${domain}`);
    });

    after(() => {
        if (!stack || process.env.KEEP_KUBE_STACK === "1") return;
        stack.run("destroy", "--yes", "--skip-preview");
        stack.remove();
    });

    it("each version answers at <version>.latest.<app>.<domain> as itself; the app's hostname and its subdomains are the default version, Host kept", async () => {
        for (const version of ["v1", "v2"]) {
            const hostname = `${version}.latest.gae.${domain}`;
            await answering(lb[`gae-${version}`], hostname);
            assert.equal((await lb[`gae-${version}`].request({ hostname })).text, `echoapp production ${version}\n`);
            const sub = await lb[`gae-${version}`].request({ hostname: `x.${hostname}`, path: "/request" });
            assert.equal(JSON.parse(sub.text).host, `x.${hostname}:${lb[`gae-${version}`].ports.http}`);
        }
        for (const hostname of [`gae.${domain}`, `shop.gae.${domain}`]) {
            assert.equal((await lb["gae-default"].request({ hostname })).text, "echoapp production v1\n", hostname);
        }
        assert.equal((await lb["gae-default"].request({ hostname: `a.b.gae.${domain}` })).status, 404, "one label only");
    });

    it("X-AppEngine-Country: load balancers join the database from its ConfigMaps; a client from a country gets it, others and forged ones none", { timeout: 120_000 }, async (t) => {
        const database = requireCountryDatabase();
        const pods = (await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent("app.kubernetes.io/instance=app-gae-default-lb")}`))
            .filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp);
        assert.ok(pods.length > 0, "the default load balancer runs");
        const pod = pods[0];
        assert.deepEqual(pod.status.initContainerStatuses.map((c: any) => [c.name, c.state.terminated?.exitCode]), [["country-database", 0]]);
        const inPod = podExec(cluster, pod, ["sha256sum", "/etc/cloudengine/geoip/country.dat"]);
        assert.equal(inPod.status, 0, inPod.stderr);
        assert.equal(inPod.stdout.split(" ")[0], createHash("sha256").update(fs.readFileSync(database)).digest("hex"), "the file nginx reads is the database, byte for byte");

        // Through the NodePort from 127.0.0.1: a local address, no country; the client's own header is dropped.
        const local = await lb["gae-default"].request({ hostname: `gae.${domain}`, path: "/request", headers: { "X-AppEngine-Country": "ZZ" } });
        assert.equal((JSON.parse(local.text) as Echo).headers["X-Appengine-Country"], undefined);

        const expected = geoipLookup(PUBLIC_ADDRESS);
        assert.ok(expected && /^[A-Z]{2}$/.test(expected), `the database places ${PUBLIC_ADDRESS} in a country (${expected})`);
        const client = new PublicAddressClient(PUBLIC_ADDRESS);
        try {
            const body = JSON.parse(client.get(`${pod.status.podIP}:8080`, "/request", { Host: `gae.${domain}`, "X-AppEngine-Country": "ZZ" })) as Echo;
            t.diagnostic(`${PUBLIC_ADDRESS}: geoiplookup says ${expected}; the app got ${JSON.stringify(body.headers["X-Appengine-Country"])}`);
            assert.deepEqual(body.headers["X-Real-Ip"], [PUBLIC_ADDRESS], "the load balancer saw the public address");
            assert.deepEqual(body.headers["X-Appengine-Country"], [expected]);
        } finally {
            client.close();
        }
    });

    it("the autoscaler adds instances under CPU load and removes them once the load stops", { timeout: 12 * 60_000 }, async (t) => {
        // What the autoscaler asks of the Deployment (its replica count is the autoscaler's alone).
        const replicas = async () => (await kube.get(DEPLOYMENT)).spec.replicas as number;
        assert.equal(await replicas(), 1, "scaling.min while idle");
        const hostname = `v1.latest.gae.${domain}`;
        const load = startLoad({ url: `http://127.0.0.1:${lb["gae-v1"].ports.http}/burn?ms=${BURN_MS}`, host: hostname, ratePerSecond: BURN_RATE, timeoutMs: 30_000, maxDurationMs: 6 * 60_000 });
        const t0 = Date.now();
        let most = 1;
        try {
            while (most < 2) {
                assert.ok(Date.now() - t0 < 5 * 60_000, `no instance added within 5 minutes of load: ${JSON.stringify((await kube.get(HPA)).status)}`);
                await new Promise((r) => setTimeout(r, 2_000));
                most = Math.max(most, await replicas());
            }
        } finally {
            const s = summarize(await load.stop());
            t.diagnostic(`load: ${s.requests} requests to /burn at ${s.rate.toFixed(1)}/s, ${s.failed} failed, p50 ${s.p50.toFixed(0)} ms`);
        }
        const scaledOut = (Date.now() - t0) / 1000;
        const status = (await kube.get(HPA)).status;
        t.diagnostic(`scaled out to ${most} after ${scaledOut.toFixed(0)} s of load; HPA: ${JSON.stringify(status.currentMetrics)}`);
        const pods = await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent("cloudengine.io/env=production")}`);
        assert.ok(pods.filter((p) => p.metadata.name.startsWith("app-gae-v1-production")).length >= 2, "the Deployment runs the added instances");

        const t1 = Date.now();
        while (await replicas() > 1) {
            assert.ok(Date.now() - t1 < 5 * 60_000, `not back to 1 instance within 5 minutes without load: ${JSON.stringify((await kube.get(HPA)).status)}`);
            await new Promise((r) => setTimeout(r, 2_000));
        }
        t.diagnostic(`back to 1 instance ${((Date.now() - t1) / 1000).toFixed(0)} s after the load stopped (scaleDownDelaySeconds 15)`);
        // The Deployment's count is the autoscaler's: a preview against the live cluster changes nothing.
        stack.ok("refresh", "--yes", "--skip-preview");
        assert.deepEqual(previewChanges(stack.ok("preview", "--json")), []);
    });

    it("switching the default version under load changes only the routing of the app's hostname: 0 failed requests, no version's instance restarts", { timeout: 10 * 60_000 }, async (t) => {
        const podsOf = async () => (await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent("cloudengine.io/env=production")}`))
            .filter((p) => /^app-gae-v[12]-production-/.test(p.metadata.name) && !p.metadata.deletionTimestamp)
            .map((p) => p.metadata.uid).sort();
        const before = await podsOf();
        stack.set("defaultVersion", "v2");
        const changes = previewChanges(stack.ok("preview", "--json"));
        // The component's own outputs (versionTag) change with it.
        const routing = changes.filter((c) => c !== "update cloudengine:index:EngineApp gae");
        assert.ok(routing.length > 0 && routing.every((c) => / gae-default-lb(-config)?$/.test(c)), `only the default version's load balancer changes: ${changes.join("; ")}`);
        // The default load balancer's pods are replaced one by one (its configuration changed) under load.
        const load = startLoad({ url: `http://127.0.0.1:${lb["gae-default"].ports.http}/`, host: `gae.${domain}`, ratePerSecond: SWITCH_RATE, maxDurationMs: 5 * 60_000 });
        const t0 = Date.now();
        const up = await stack.runAsync("up", "--yes", "--skip-preview");
        const upSeconds = (Date.now() - t0) / 1000;
        const deadline = Date.now() + 120_000;
        const answers = () => load.samples.slice(-SWITCH_RATE).map((x) => x.body);
        while (!(answers().length === SWITCH_RATE && answers().every((b) => b === "echoapp production v2\n"))) {
            assert.ok(Date.now() < deadline, "the app's hostname is served by v2 alone within 2 minutes");
            await new Promise((r) => setTimeout(r, 500));
        }
        const samples = await load.stop();
        assert.equal(up.status, 0, `pulumi up failed:\n${up.all.slice(-5000)}`);
        const s = summarize(samples);
        const versions = samples.map((x) => x.body.trim().split(" ").pop());
        t.diagnostic(`pulumi up took ${upSeconds.toFixed(1)} s; ${s.requests} requests at ${s.rate.toFixed(0)}/s (keep-alive ${s.keepAlive.requests}, new connection ${s.fresh.requests}), ${s.failed} failed; p99 ${s.p99.toFixed(1)} ms`);
        assert.equal(s.failed, 0, `failed during the switch: ${describeFailures(samples, t0)}`);
        assert.equal(versions[0], "v1", "v1 answers first");
        assert.deepEqual([...new Set(versions)].sort(), ["v1", "v2"], "only the two versions answer");
        assert.deepEqual(await podsOf(), before, "every version's instances are the pods they were");
    });
});
