// Health checks on the local Docker engine (spec "Health Check", "Customizing startup timeout"): the e2e
// harness realizes the package's containers like `pulumi up` with the Docker provider would, and every
// claim is checked with real clients — HTTP through the gateway on 127.0.0.1, the Engine API, docker exec.
//
//   * an app that never becomes healthy fails the deployment within startupTimeout (plus a bounded
//     margin) with the health checks' diagnosis in the error, is stopped, and the old instance stays;
//   * meanwhile, after the failure, across a retry of the same broken version and through the fixed
//     deployment, the previous version answers every request on the app's hostname and its Domain;
//   * an app listening on 127.0.0.1 only fails with a message that says so (and that it must listen on
//     0.0.0.0);
//   * a running instance that turns unhealthy is restarted by the platform and serves again;
//   * an instance whose app process is killed (kill -9 inside the container, or the whole instance
//     SIGKILLed from the host as the OOM killer would) comes back and serves within a bounded time.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/health.test.js
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import Docker from "dockerode";
import { Domain, EngineApp, Gateway } from "../../provider";
import { dockerExec as exec, DockerHarness, E2E_LABEL, eventually, httpRequest, OWNER_LABEL, prepareE2E, repoRoot } from "./harness";

const APP = "echo";
const HOST = "echo.localhost";
const DOMAIN = "www.echo-health.test";
const INSTANCE = "echo-production-0";
/** The app's startupTimeout in these tests (the spec's minimum). */
const STARTUP_TIMEOUT = 15;
/** The probe's own timeout (HEALTH_TIMEOUT_SECONDS): the platform's waitTimeout is startupTimeout + this. */
const PROBE_TIMEOUT = 3;
/** What the failing up may take beyond startupTimeout + probe timeout: the Release's 1 s poll, stopping the instance, slack on a busy host. */
const FAIL_MARGIN_SECONDS = 10;
/** Spec: checked every 5 s after start-up, restarted after 3 failures. */
const HEALTH_INTERVAL = 5;
const HEALTH_FAILURES = 3;

describe("health checks on the local Docker engine", { timeout: 30 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-health" });
    const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
    let httpPort = 0;
    let httpsPort = 0;

    const program = (variables: Record<string, string>) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
        const app = new EngineApp(APP, { source, gateway, startupTimeout: STARTUP_TIMEOUT, variables });
        new Domain("www", { hostname: DOMAIN, app });
        return { url: app.url, versionTag: app.versionTag };
    };
    /** The healthy baseline every test starts from: RELEASE=v1. */
    const baseline = program({ RELEASE: "v1" });
    const neverHealthy = program({ RELEASE: "v2-never-healthy", NEVER_HEALTHY: "1" });

    const get = (p: string, timeoutMs = 10_000, host = HOST) => httpRequest(`http://127.0.0.1:${httpPort}${p}`, { host, timeoutMs });

    async function env(): Promise<Record<string, string>> {
        const res = await get("/env");
        assert.equal(res.status, 200, `GET /env: ${res.status} ${res.body}`);
        return JSON.parse(res.body);
    }

    async function whoami(): Promise<{ uid: number; gid: number; pid: number; hostname: string; version: string }> {
        const res = await get("/whoami");
        assert.equal(res.status, 200, `GET /whoami: ${res.status} ${res.body}`);
        return JSON.parse(res.body);
    }

    /** Serves again: GET / answers 200 "echoapp production <tag>". */
    async function serves(): Promise<void> {
        const res = await get("/");
        assert.equal(res.status, 200, `GET /: ${res.status} ${res.body}`);
        assert.match(res.body, /^echoapp production \S+\n$/);
    }

    async function inspectInstance() {
        return harness.docker.getContainer(harness.container(INSTANCE).id).inspect();
    }

    /** Every container of the app's production environment on the engine, in the state or not. */
    async function productionContainers(): Promise<Docker.ContainerInfo[]> {
        return harness.docker.listContainers({ all: true, filters: { label: [`${E2E_LABEL}=${harness.stack}`, `${OWNER_LABEL}=${process.pid}`, "cloudengine.name=echo", "cloudengine.env=production"] } });
    }

    /** Polls the gateway every 200 ms until stopped: what clients saw while something else happened. */
    function poll(): { stop: () => Promise<Sample[]> } {
        const samples: Sample[] = [];
        let running = true;
        const loop = (async () => {
            while (running) {
                const t = Date.now();
                const [home, e, domain] = await Promise.all([
                    get("/", 5_000).then((r) => `${r.status} ${r.body.trim()}`, (err) => `error ${err.message}`),
                    get("/env", 5_000).then((r) => {
                        try {
                            const e = JSON.parse(r.body);
                            if (r.status === 200) return `release=${e.RELEASE} never=${e.NEVER_HEALTHY ?? ""}`;
                        } catch {
                            // not JSON: reported below
                        }
                        return `${r.status} ${r.body.trim()}`;
                    }, (err) => `error ${err.message}`),
                    get("/", 5_000, DOMAIN).then((r) => `${r.status} ${r.body.trim()}`, (err) => `error ${err.message}`),
                ]);
                samples.push({ at: t, home, env: e, domain });
                await new Promise((r) => setTimeout(r, Math.max(0, 200 - (Date.now() - t))));
            }
        })();
        return { stop: async () => { running = false; await loop; return samples; } };
    }

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        const first = await harness.up(baseline);
        assert.equal(first.outputs.url, `http://${HOST}:${httpPort}`);
        await eventually(serves, { timeoutMs: 30_000 });
    });

    after(async () => {
        await harness.destroy();
    });

    interface Attempt { failure: Error | undefined; t0: number; rejectedAt: number }

    /**
     * Deployments of a never-healthy version (RELEASE=v2-never-healthy), `attempts` times in a row (a user
     * retrying), while the gateway is polled; polling goes on 3 s after the last up failed.
     */
    async function failingUps(attempts: number): Promise<{ tries: Attempt[]; samples: Sample[]; before: string }> {
        await harness.up(baseline);
        await eventually(async () => assert.equal((await env()).RELEASE, "v1"), { timeoutMs: 30_000 });
        const before = harness.container(INSTANCE).id;
        const polling = poll();
        const tries: Attempt[] = [];
        for (let i = 0; i < attempts; i++) {
            const t0 = Date.now();
            let failure: Error | undefined;
            try {
                await harness.up(neverHealthy);
            } catch (err) {
                failure = err as Error;
            }
            tries.push({ failure, t0, rejectedAt: Date.now() });
        }
        await new Promise((r) => setTimeout(r, 3_000));
        return { tries, samples: await polling.stop(), before };
    }

    /** Every poll answered by the previous version, on the app's hostname and on its Domain. */
    function assertPreviousVersionServed(t: { diagnostic: (m: string) => void }, samples: Sample[], t0: number, what: string): void {
        t.diagnostic(`${what}: ${samples.length} polls of /, /env and the Domain over ${((samples.at(-1)!.at - samples[0].at) / 1000).toFixed(1)}s`);
        const show = (list: Sample[], key: "home" | "env" | "domain") => list.slice(0, 5).map((s) => `+${((s.at - t0) / 1000).toFixed(1)}s ${s[key]}`).join("; ");
        // The health path: always 200 from the old version (a 503 of the new one would be retried by the gateway).
        const badHome = samples.filter((s) => !/^200 echoapp production \S+$/.test(s.home));
        assert.equal(badHome.length, 0, `${what}: GET / did not get the previous version's 200 (${badHome.length} of ${samples.length}): ${show(badHome, "home")}`);
        // Any other path: answered by the previous version, never by the instance that is not healthy.
        const badEnv = samples.filter((s) => s.env !== "release=v1 never=");
        assert.equal(badEnv.length, 0, `${what}: GET /env was not answered by the previous version (${badEnv.length} of ${samples.length}): ${show(badEnv, "env")}`);
        const badDomain = samples.filter((s) => !/^200 echoapp production \S+$/.test(s.domain));
        assert.equal(badDomain.length, 0, `${what}: the Domain did not get the previous version's 200 (${badDomain.length} of ${samples.length}): ${show(badDomain, "domain")}`);
    }

    it(`an app that never becomes healthy fails the deployment within startupTimeout (${STARTUP_TIMEOUT}s) plus a bounded margin, saying why`, { timeout: 5 * 60_000 }, async (t) => {
        const { tries: [{ failure, t0, rejectedAt }], before } = await failingUps(1);
        const upSeconds = (rejectedAt - t0) / 1000;
        assert.ok(failure, "the up with a never-healthy app must fail");
        t.diagnostic(`failing up rejected after ${upSeconds.toFixed(1)}s; error: ${failure.message.split("\n").slice(0, 8).join(" | ")}`);
        // What `pulumi up` prints: the Release's error, with the diagnosis (not just "failed to be healthy").
        assert.match(failure.message, /EngineApp "echo" \(production\): 1 of 1 new instance\(s\) did not become healthy within 18 s/);
        assert.match(failure.message, /the previous version keeps serving/);
        assert.match(failure.message, /last health check: .*returned 503 Service Unavailable; the health check needs a 2xx status/, "the health check's output says why");
        assert.match(failure.message, /cloudengine: app did not become healthy within the 15s startup timeout \(CLOUDENGINE_STARTUP_TIMEOUT\): GET \/ on [0-9.]+:3000 returned 503/, "init's own account");

        // Timing: from the new instance's creation to the rejection, at most startupTimeout + the probe
        // timeout + a small margin; and not before startupTimeout (the app gets its full time).
        const failed = await harness.docker.getContainer(harness.container(INSTANCE).id).inspect();
        assert.notEqual(failed.Id, before, "the new instance is the one in the state");
        const createdToReject = (rejectedAt - Date.parse(failed.Created)) / 1000;
        t.diagnostic(`new instance created → up rejected: ${createdToReject.toFixed(1)}s (startupTimeout ${STARTUP_TIMEOUT}s)`);
        assert.ok(createdToReject >= STARTUP_TIMEOUT, `the deployment was given its startupTimeout (${createdToReject.toFixed(1)}s)`);
        assert.ok(createdToReject <= STARTUP_TIMEOUT + PROBE_TIMEOUT + FAIL_MARGIN_SECONDS,
            `the deployment failed within startupTimeout + ${PROBE_TIMEOUT + FAIL_MARGIN_SECONDS}s (took ${createdToReject.toFixed(1)}s)`);
        assert.ok(upSeconds <= 90, `the whole failing up is bounded (${upSeconds.toFixed(1)}s including the cached image build)`);
        // The failed instance is stopped (out of DNS, no restart loop); the previous one still runs.
        assert.equal(failed.State.Running, false, "the never-healthy instance is stopped");
        assert.ok((await harness.docker.getContainer(before).inspect()).State.Running, "the previous instance is still running");
    });

    it("a never-healthy version deployed and retried, then fixed: the previous version answers every request on the app's hostname and its Domain", { timeout: 8 * 60_000 }, async (t) => {
        const { tries, samples, before } = await failingUps(2);
        for (const [i, attempt] of tries.entries()) {
            assert.ok(attempt.failure, `attempt ${i + 1} with a never-healthy app must fail`);
            assert.match(attempt.failure.message, /did not become healthy within 18 s/, `attempt ${i + 1} fails for the right reason`);
        }
        assertPreviousVersionServed(t, samples, tries[0].t0, "two failed ups");
        const running = (await productionContainers()).filter((c) => c.State === "running").map((c) => c.Id);
        assert.deepEqual(running, [before], "only the previous instance runs: the failed ones are stopped, none piled up");

        // Fixed: the next up deploys, retires the previous instance and the failed one, and nobody notices.
        const polling = poll();
        const t0 = Date.now();
        await harness.up(program({ RELEASE: "v1", FIXED: "yes" }));
        await new Promise((r) => setTimeout(r, 3_000));
        const during = await polling.stop();
        assertPreviousVersionServed(t, during, t0, "the fixed up");
        const left = await productionContainers();
        assert.deepEqual(left.map((c) => c.Id), [harness.container(INSTANCE).id], "only the fixed instance is left on the engine");
        assert.equal((await env()).FIXED, "yes");
    });

    it("an app that listens on 127.0.0.1 only fails with a message saying it must listen on 0.0.0.0", { timeout: 5 * 60_000 }, async (t) => {
        await harness.up(baseline);
        let failure: Error | undefined;
        const t0 = Date.now();
        try {
            await harness.up(program({ RELEASE: "v2-loopback", LISTEN_LOOPBACK: "1" }));
        } catch (err) {
            failure = err as Error;
        }
        assert.ok(failure, "the up with a loopback-only app must fail");
        t.diagnostic(`failed after ${((Date.now() - t0) / 1000).toFixed(1)}s: ${failure.message.split("\n").slice(0, 6).join(" | ")}`);
        assert.match(failure.message, /did not become healthy within 18 s/);
        assert.match(failure.message, /last health check: .*the app listens on 127\.0\.0\.1 only; it must listen on 0\.0\.0\.0 \(all interfaces\) port 3000 \(LEANCLOUD_APP_PORT\)/,
            "the probe explains the loopback mistake");
        assert.match(failure.message, /cloudengine: app did not become healthy within the 15s startup timeout \(CLOUDENGINE_STARTUP_TIMEOUT\): the app listens on 127\.0\.0\.1 only/);
        // And the previous version is still answering.
        assert.equal((await env()).RELEASE, "v1");
    });

    it("a running instance that turns unhealthy is restarted by the platform and serves again", { timeout: 5 * 60_000 }, async (t) => {
        await harness.up(baseline);
        await eventually(serves, { timeoutMs: 30_000 });
        const id = harness.container(INSTANCE).id;
        const before = await inspectInstance();
        const me = await whoami();
        assert.equal(me.hostname, id.slice(0, 12), "the gateway reaches this instance");

        const turned = await get("/turn-unhealthy");
        assert.equal(turned.status, 200);
        const t0 = Date.now();
        assert.equal((await get("/")).status, 503, "the instance now fails its health check");

        // 3 failed checks 5 s apart (the first within 5 s), SIGTERM, init exits, Docker restarts the container.
        const bound = (HEALTH_FAILURES + 1) * HEALTH_INTERVAL + PROBE_TIMEOUT + 10;
        const after = await eventually(async () => {
            const info = await inspectInstance();
            assert.ok(info.RestartCount > before.RestartCount, `restart count still ${info.RestartCount}`);
            return info;
        }, { timeoutMs: bound * 1000, intervalMs: 250 });
        const restartedAfter = (Date.now() - t0) / 1000;
        await eventually(serves, { timeoutMs: 20_000, intervalMs: 250 });
        const servingAfter = (Date.now() - t0) / 1000;
        t.diagnostic(`restart count ${before.RestartCount} → ${after.RestartCount} after ${restartedAfter.toFixed(1)}s; serving again after ${servingAfter.toFixed(1)}s`);
        assert.ok(restartedAfter >= (HEALTH_FAILURES - 1) * HEALTH_INTERVAL, `not restarted before ${HEALTH_FAILURES} checks could fail (${restartedAfter.toFixed(1)}s)`);
        assert.ok(servingAfter <= bound + 20, `serving again within ${bound + 20}s (${servingAfter.toFixed(1)}s)`);

        assert.equal(harness.container(INSTANCE).id, id, "the same container, restarted (not replaced)");
        const now = await inspectInstance();
        assert.ok(now.State.Running);
        assert.notEqual(now.State.StartedAt, before.State.StartedAt, "the container was started again");
        const again = await whoami();
        assert.equal(again.hostname, me.hostname);
        const log = await harness.logs(INSTANCE, 200);
        assert.match(log, /health check failed \(3\/3\): GET \/ on [0-9.]+:3000 returned 503 Service Unavailable/);
        assert.match(log, /instance unhealthy \(3 consecutive failed health checks; last: .*\) — restarting/);
        assert.equal((await get("/")).status, 200, "healthy again: the restarted app answers / with 200");
    });

    it("killing the app process (kill -9 inside the instance, as its user) is survived: the instance comes back and serves", { timeout: 5 * 60_000 }, async (t) => {
        await harness.up(baseline);
        await eventually(serves, { timeoutMs: 30_000 });
        const container = harness.docker.getContainer(harness.container(INSTANCE).id);
        const before = await container.inspect();
        const me = await whoami();
        // The app runs under /cloudengine/init (PID 1): its child, or the child of the `sh -c` running it.
        const ps = await exec(container, ["sh", "-c", `p=${me.pid}; while [ "$p" != 1 ]; do printf '%s ' "$p:$(cat /proc/$p/comm)"; p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status); done; printf '1:'; tr '\\0' ' ' </proc/1/cmdline`]);
        t.diagnostic(`process chain from the app to PID 1: ${ps.output}`);
        assert.match(ps.output, new RegExp(`^${me.pid}:main (\\d+:sh )?1:/cloudengine/init run -- `), "the app is supervised by init");
        const t0 = Date.now();
        const killed = await exec(container, ["sh", "-c", `kill -9 ${me.pid}`]);
        // 137: the exec'd shell was itself killed, because the container stopped (init exits with the
        // app) before the exec reported; the restart below is what shows the kill happened.
        assert.ok(killed.exitCode === 0 || killed.exitCode === 137, `kill -9 as the container user: exit ${killed.exitCode} ${killed.output}`);
        const info = await eventually(async () => {
            const i = await container.inspect();
            assert.ok(i.RestartCount > before.RestartCount, `restart count still ${i.RestartCount}`);
            return i;
        }, { timeoutMs: 15_000, intervalMs: 200 });
        await eventually(serves, { timeoutMs: 20_000, intervalMs: 200 });
        const back = (Date.now() - t0) / 1000;
        t.diagnostic(`restart count ${before.RestartCount} → ${info.RestartCount}; serving again ${back.toFixed(1)}s after the kill`);
        assert.ok(back <= 20, `back within 20s (${back.toFixed(1)}s)`);
        assert.equal((await whoami()).hostname, me.hostname, "the same instance came back");
        // init exits with the app's status (128 + 9): Docker saw a crash, not a clean exit.
        const log = await harness.logs(INSTANCE, 200);
        assert.match(log, /echoapp listening on :3000[\s\S]*echoapp listening on :3000/, "the app started twice");
    });

    it("an instance SIGKILLed as a whole (init and app, as the OOM killer would) is restarted and serves again", { timeout: 5 * 60_000 }, async (t) => {
        await harness.up(baseline);
        await eventually(serves, { timeoutMs: 30_000 });
        const container = harness.docker.getContainer(harness.container(INSTANCE).id);
        const before = await container.inspect();
        // The host PID of the instance's init (a process this test's deployment created).
        const hostPid = before.State.Pid;
        assert.ok(hostPid > 0);
        const t0 = Date.now();
        try {
            process.kill(hostPid, "SIGKILL");
        } catch (err) {
            t.skip(`cannot signal the container's init from here: ${(err as Error).message}`);
            return;
        }
        const info = await eventually(async () => {
            const i = await container.inspect();
            assert.ok(i.RestartCount > before.RestartCount && i.State.Running, `restart count ${i.RestartCount}, running ${i.State.Running}`);
            return i;
        }, { timeoutMs: 15_000, intervalMs: 200 });
        await eventually(serves, { timeoutMs: 20_000, intervalMs: 200 });
        const back = (Date.now() - t0) / 1000;
        t.diagnostic(`restart count ${before.RestartCount} → ${info.RestartCount}; serving again ${back.toFixed(1)}s after the SIGKILL`);
        assert.ok(back <= 20, `back within 20s (${back.toFixed(1)}s)`);
    });
});

interface Sample {
    at: number;
    home: string;
    env: string;
    domain: string;
}

