// Zero-downtime rollout on the local Docker engine: an app with 2 instances behind the gateway on
// 127.0.0.1 gets a new version (a changed variable and version tag) while a bounded load generator
// sends ~50 requests a second, half over keep-alive connections and half on a new connection each.
// Every request must be answered 200 by the old or the new version, the answers must switch from the
// old to the new version, and the old instance containers must be gone afterwards.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/rollout.test.js
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import { describeFailures, LoadSample, summarize } from "../../bench/rollout/load";
import { EngineApp, Gateway } from "../../provider";
import { DockerHarness, eventually, httpRequest, prepareE2E, repoRoot, upUnderLoad } from "./harness";

const HOST = "echo.localhost";
const INSTANCES = ["echo-production-0", "echo-production-1"];
const RATE = 50;
/** Load before the new version is deployed and after the up returned (the gateway follows the ready instances within about a second). */
const LEAD_MS = 3_000;
const TAIL_MS = 5_000;

describe("rollout: a new version replaces 2 instances without a failed request", { timeout: 20 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-rollout" });
    const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
    let httpPort = 0;
    let httpsPort = 0;

    const program = (release: string) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
        const app = new EngineApp("echo", { source, gateway, instances: 2, startupTimeout: 15, versionTag: release, variables: { RELEASE: release } });
        return { url: app.url, versionTag: app.versionTag };
    };

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
    });

    after(async () => {
        await harness.destroy();
    });

    it("every request during the rollout is answered 200, first by v1, then by v2; the old containers are gone", { timeout: 10 * 60_000 }, async (t) => {
        const first = await harness.up(program("v1"));
        assert.equal(first.outputs.versionTag, "v1");
        // Both instances answer before the load starts.
        const seen = new Set<string>();
        await eventually(async () => {
            const res = await httpRequest(`http://127.0.0.1:${httpPort}/whoami`, { host: HOST });
            assert.equal(res.status, 200);
            const me = JSON.parse(res.body);
            assert.equal(me.version, "v1");
            seen.add(me.hostname);
            assert.equal(seen.size, 2, `answered by ${[...seen].join(", ")}`);
        }, { timeoutMs: 30_000, intervalMs: 100 });
        const oldIds = new Map(INSTANCES.map((n) => [n, harness.container(n).id]));

        const { result, samples, t0, upStart, upEnd } = await upUnderLoad(harness, program("v2"),
            { url: `http://127.0.0.1:${httpPort}/`, host: HOST, ratePerSecond: RATE, keepAliveShare: 0.5, timeoutMs: 30_000, maxDurationMs: 120_000 },
            { leadMs: LEAD_MS, tailMs: TAIL_MS });

        const s = summarize(samples, ok);
        t.diagnostic(`up (rollout) took ${((upEnd - upStart) / 1000).toFixed(1)}s: ${result.changes.map((c) => `${c.op} ${c.name}${c.op === "replace" ? (c.deleteBeforeReplace ? " (delete first)" : " (create first)") : ""}`).join(", ")}`);
        t.diagnostic(`load: ${s.requests} requests in ${s.seconds.toFixed(1)}s (${s.rate.toFixed(1)}/s; keep-alive ${s.keepAlive.requests}, new connection ${s.fresh.requests}); failed ${s.failed}; latency p50 ${s.p50.toFixed(1)} p90 ${s.p90.toFixed(1)} p99 ${s.p99.toFixed(1)} max ${s.max.toFixed(1)} ms`);
        t.diagnostic(`timeline (per second, v1/v2/failed): ${timeline(samples, t0)}`);

        // Bounded and really at ~50/s for the whole rollout.
        assert.ok(s.rate >= RATE * 0.9 && s.rate <= RATE * 1.1, `load rate ${s.rate.toFixed(1)}/s`);
        assert.ok(samples[0].at <= upStart && samples[samples.length - 1].at >= upEnd, "the load covered the whole rollout");
        assert.ok(s.keepAlive.requests > 0 && s.fresh.requests > 0, "both connection modes were used");

        // No request failed, with or without keep-alive.
        assert.equal(s.failed, 0, `failed requests during the rollout: ${describeFailures(samples, t0, ok)}`);

        // The answers switch from v1 to v2: v1 until the new instances existed, v2 at the end, and once the up
        // returned (old instances deleted) and the gateway noticed, only v2.
        const version = (x: LoadSample) => /^echoapp production (v[12])\n$/.exec(x.body)![1];
        assert.ok(samples.filter((x) => x.at < upStart).every((x) => version(x) === "v1"), "before the rollout every answer is v1");
        assert.ok(samples.some((x) => version(x) === "v1") && samples.some((x) => version(x) === "v2"), "both versions answered");
        const late = samples.filter((x) => x.at >= upEnd + 2_500);
        assert.ok(late.length > 0 && late.every((x) => version(x) === "v2"), `after the rollout only v2 answers (${late.filter((x) => version(x) !== "v2").length} of ${late.length} were not)`);
        const lastV1 = Math.max(...samples.filter((x) => version(x) === "v1").map((x) => x.at));
        const firstV2 = Math.min(...samples.filter((x) => version(x) === "v2").map((x) => x.at));
        t.diagnostic(`first v2 answer +${((firstV2 - upStart) / 1000).toFixed(1)}s, last v1 answer +${((lastV1 - upStart) / 1000).toFixed(1)}s after the up started; up returned +${((upEnd - upStart) / 1000).toFixed(1)}s`);
        assert.ok(firstV2 >= upStart, "v2 answered only after its deployment started");

        // Each instance was replaced, new one first; the old containers are gone from the engine.
        const replaced = result.changes.filter((c) => c.op === "replace");
        assert.deepEqual(replaced.map((c) => c.name).sort(), INSTANCES, "both instances replaced");
        for (const c of replaced) assert.equal(c.deleteBeforeReplace, false, `${c.name} replaced create-before-delete`);
        for (const [name, oldId] of oldIds) {
            assert.notEqual(harness.container(name).id, oldId, `${name} is a new container`);
            await assert.rejects(harness.docker.getContainer(oldId).inspect(), (err: any) => err.statusCode === 404, `the old ${name} (${oldId.slice(0, 12)}) is removed`);
        }
        const running = await harness.docker.listContainers({ filters: { label: [`cloudengine.e2e=${harness.stack}`, "cloudengine.name=echo", "cloudengine.env=production"] } });
        assert.deepEqual(running.map((c) => c.Id).sort(), INSTANCES.map((n) => harness.container(n).id).sort(), "exactly the two new instances run");
    });
});

function ok(s: LoadSample): boolean {
    return s.status === 200 && /^echoapp production v[12]\n$/.test(s.body);
}

/** "v1/v2/failed" counts per second since t0, compressed: 0-2s 100/0/0, ... */
function timeline(samples: LoadSample[], t0: number): string {
    const buckets = new Map<number, [number, number, number]>();
    for (const s of samples) {
        const sec = Math.floor((s.at - t0) / 1000);
        const b = buckets.get(sec) ?? [0, 0, 0];
        if (!ok(s)) b[2]++;
        else if (s.body.includes("v1")) b[0]++;
        else b[1]++;
        buckets.set(sec, b);
    }
    return [...buckets].sort((a, b) => a[0] - b[0]).map(([sec, [a, b, c]]) => `${sec}s ${a}/${b}/${c}`).join(", ");
}
