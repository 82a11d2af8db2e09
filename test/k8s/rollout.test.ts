import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LoadSample, startLoad, summarize } from "../../bench/rollout/load";
import { ensureCluster, Kube } from "./support/cluster";
import { deployEcho, EchoDeployment, loadBalancerTrouble, removeEcho } from "./support/echo";

// Zero downtime on the local cluster: a rolling update of the echo app (2 instances, a new release, so
// a new LEANCLOUD_VERSION_TAG) through the real `pulumi up`, under a bounded steady load through the
// app's load balancer (its NodePort on 127.0.0.1): not one failed request of at least 5,000, answered
// first by the old version, then by the new one; p99 latency during the rollout against steady state.

const RATE = 150;
const MIN_REQUESTS = 5_000;
/** Bounds of the load (the network rule: bounded in count and time). */
const MAX_LOAD_MS = 4 * 60_000;
const STEADY_MS = 20_000;

function versionOf(s: LoadSample): string {
    return /^echoapp production (\S+)\n$/.exec(s.body)?.[1] ?? `(${s.status} ${s.error ?? s.body.slice(0, 80)})`;
}

describe("rolling update on the local cluster under load", { timeout: 30 * 60_000 }, () => {
    let d: EchoDeployment;

    before(async () => {
        const cluster = ensureCluster();
        d = await deployEcho("ce-k8s-rollout", cluster, new Kube(cluster.KUBECONFIG), { "ce-k8s-rollout:release": "1" });
    });
    after(() => removeEcho(d));

    it(`a new release replaces both instances with 0 failed requests of at least ${MIN_REQUESTS}; p99 reported against steady state`, async (t) => {
        const url = `http://127.0.0.1:${d.app.ports.http}/`;
        const steadyRun = startLoad({ url, host: d.appHost, ratePerSecond: RATE, maxDurationMs: STEADY_MS });
        await new Promise((r) => setTimeout(r, STEADY_MS));
        const steady = summarize(await steadyRun.stop());

        d.stack.set("release", "2");
        const t0 = Date.now();
        const load = startLoad({ url, host: d.appHost, ratePerSecond: RATE, maxDurationMs: MAX_LOAD_MS });
        const up = await d.stack.runAsync("up", "--yes", "--skip-preview");
        const upSeconds = (Date.now() - t0) / 1000;
        // Keep the load on until the new version has answered for a while and the count is reached.
        while (load.samples.length < MIN_REQUESTS && Date.now() - t0 < MAX_LOAD_MS - 5_000) await new Promise((r) => setTimeout(r, 500));
        await new Promise((r) => setTimeout(r, 3_000));
        const samples = await load.stop();
        assert.equal(up.status, 0, `pulumi up failed:\n${up.all.slice(-5000)}`);
        const during = summarize(samples);
        const versions = samples.map(versionOf);
        const changes = versions.filter((v, i) => i === 0 || v !== versions[i - 1]);
        t.diagnostic(`pulumi up took ${upSeconds.toFixed(1)} s; ${during.requests} requests at ${during.rate.toFixed(0)}/s, ${during.failed} failed; answered by ${[...new Set(versions)].join(" then ")} (${changes.length - 1} switches)`);
        t.diagnostic(`p99 ${during.p99.toFixed(1)} ms during the rollout vs ${steady.p99.toFixed(1)} ms steady (p50 ${during.p50.toFixed(1)} vs ${steady.p50.toFixed(1)}; max ${during.max.toFixed(0)} ms)`);
        assert.ok(steady.requests > 0 && steady.failed === 0, `steady state: ${steady.failed} of ${steady.requests} failed`);
        if (during.failed > 0) {
            const failed = samples.filter((s) => s.status !== 200);
            const seconds = (at: number) => ((at - t0) / 1000).toFixed(1);
            t.diagnostic(`failed from ${seconds(failed[0].at)} s to ${seconds(failed[failed.length - 1].at)} s after the update started`);
            t.diagnostic(`the load balancer's log:\n${await loadBalancerTrouble(new Kube(ensureCluster().KUBECONFIG), d.stackLabel, "EngineApp")}`);
        }
        assert.equal(during.failed, 0, `failed during the rollout: ${samples.filter((s) => s.status !== 200).slice(0, 5).map(versionOf).join("; ")}`);
        assert.ok(during.requests >= MIN_REQUESTS, `${during.requests} requests`);
        assert.equal(versions[0], "r1", "the old version answers first");
        assert.equal(versions[versions.length - 1], "r2", "the new version answers last");
        assert.deepEqual([...new Set(versions)].sort(), ["r1", "r2"], "only the two versions answer");
    });
});
