// Smoke test on the local Docker engine: the quick start (gateway, LeanCache, the Go app built from
// source) is deployed by the e2e harness (Pulumi mocks + every @pulumi/docker resource realized through
// the Engine API), answers through the gateway on 127.0.0.1, counts visits in Redis, is left alone by an
// unchanged second up, and has its instance replaced when a variable changes.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/
// (starts dockerd with scripts/docker-up.sh and builds missing base images with scripts/base-images.sh)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import { EngineApp, Gateway, LeanCacheInstance } from "../../provider";
import { DockerHarness, eventually, httpRequest, prepareE2E, repoRoot, UpResult } from "./harness";

const INSTANCE = "hello-production-0";

describe("smoke: the quick start on the local Docker engine", { timeout: 20 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-smoke" });
    const source = path.join(repoRoot(), "examples", "quickstart", "app");
    let httpPort = 0;
    let httpsPort = 0;
    let versionTag = "";
    let lastVisit = 0;
    let idsAfterFirstUp = new Map<string, string>();

    const program = (greeting: string) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
        const cache = new LeanCacheInstance("cache", { name: "CACHE" });
        const app = new EngineApp("hello", { source, caches: [cache], gateway, variables: { GREETING: greeting, VISIT_KEY: "visits" } });
        return { url: app.url, versionTag: app.versionTag };
    };

    /** One request through the gateway; the app's answer, parsed. */
    async function visit(): Promise<{ greeting: string; tag: string; n: number }> {
        const res = await httpRequest(`http://127.0.0.1:${httpPort}/`, { host: "hello.localhost", timeoutMs: 10_000 });
        const m = /^(\S+) from hello \(production, version ([0-9a-f]{12})\): visit (\d+)\n$/.exec(res.body);
        assert.ok(res.status === 200 && m, `unexpected answer ${res.status}: ${JSON.stringify(res.body)}`);
        return { greeting: m[1], tag: m[2], n: Number(m[3]) };
    }

    const containerIds = () => new Map(harness.containers().map((c) => [c.name, c.id]));

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
    });

    after(async () => {
        await harness.destroy();
    });

    it("deploys gateway, cache and app; the app answers through the gateway and counts visits in Redis", { timeout: 12 * 60_000 }, async (t) => {
        const result = await harness.up(program("hello"));
        t.diagnostic(`first up: ${result.seconds.toFixed(1)}s, ${result.changes.length} changes`);
        assert.equal(result.outputs.url, `http://hello.localhost:${httpPort}`);
        assert.match(result.outputs.versionTag, /^[0-9a-f]{12}$/);
        versionTag = result.outputs.versionTag;
        assert.ok(result.steps.every((s) => s.op === "create"), "a first up only creates");

        // The cache is highly available by default: two nodes, three Sentinels and the endpoint.
        const cache = ["cache", "cache-1", "cache-endpoint", "cache-sentinel-0", "cache-sentinel-1", "cache-sentinel-2"];
        assert.deepEqual(harness.containers().map((c) => c.name).sort(), [...cache, "edge", INSTANCE].sort());
        assert.equal(await harness.publishedPort("edge", 80), httpPort);
        assert.equal(await harness.publishedPort("edge", 443), httpsPort);
        const first = await eventually(visit, { timeoutMs: 30_000 });
        assert.equal(first.greeting, "hello");
        assert.equal(first.tag, versionTag);
        // Exactly +1: the app does not count the platform's health probes (GET / every 5 s) as visits.
        const firstVisitAt = Date.now();
        await eventually(async () => {
            const info = await harness.docker.getContainer(harness.container(INSTANCE).id).inspect();
            assert.ok((info.State.Health?.Log ?? []).some((probe) => Date.parse(probe.Start) > firstVisitAt), "a health probe ran since the first visit");
        }, { timeoutMs: 15_000, intervalMs: 500 });
        const second = await visit();
        assert.equal(second.n, first.n + 1, `Redis counts visits, and only visits (${first.n}, then ${second.n})`);
        lastVisit = second.n;
        idsAfterFirstUp = containerIds();
    });

    it("a second up with the same program changes nothing", { timeout: 5 * 60_000 }, async (t) => {
        const result = await harness.up(program("hello"));
        t.diagnostic(`second up: ${result.seconds.toFixed(1)}s`);
        assert.deepEqual(result.changes, [], "no resource changes");
        assert.deepEqual(containerIds(), idsAfterFirstUp, "same containers");
        assert.equal(result.outputs.versionTag, versionTag, "same image");
        const v = await visit();
        assert.ok(v.n > lastVisit, `visits continue (${v.n} after ${lastVisit})`);
        lastVisit = v.n;
    });

    it("after a refresh (the provider reads every container back), an up still changes nothing", { timeout: 5 * 60_000 }, async (t) => {
        const refreshed = await harness.refresh();
        t.diagnostic(`refresh re-read: ${refreshed.join(", ") || "nothing changed"}`);
        const result = await harness.up(program("hello"));
        assert.deepEqual(result.changes.map((s) => `${s.op} ${s.name} ${(s.fields ?? []).join(",")}`), [], "no resource changes after refresh");
        assert.deepEqual(containerIds(), idsAfterFirstUp, "same containers");
    });

    it("a changed variable replaces the instance, and the answer reflects the new value", { timeout: 5 * 60_000 }, async (t) => {
        const result: UpResult = await harness.up(program("hi"));
        const replaced = result.changes.filter((s) => s.op === "replace");
        t.diagnostic(`third up: ${result.seconds.toFixed(1)}s: ${result.changes.map((s) => `${s.op} ${s.name}${s.op === "replace" ? ` (${s.deleteBeforeReplace ? "delete first" : "create first"})` : ""}`).join(", ")}`);
        assert.deepEqual(replaced.map((s) => s.name), [INSTANCE], "only the instance is replaced");
        // The Release waits for the new instance and retires the old one (the engine's delete only
        // forgets it: it is retained for the Release to stop and remove).
        assert.deepEqual(result.changes.filter((s) => s.op === "update").map((s) => `${s.name} ${s.fields}`), ["hello-production-release containers"]);
        assert.deepEqual(result.changes.filter((s) => !["replace", "update"].includes(s.op) && !(s.op === "delete" && s.name === INSTANCE)), [], "nothing else changes");

        const ids = containerIds();
        const oldId = idsAfterFirstUp.get(INSTANCE)!;
        assert.notEqual(ids.get(INSTANCE), oldId, "a new instance container");
        for (const [name, id] of idsAfterFirstUp) if (name !== INSTANCE) assert.equal(ids.get(name), id, `${name} untouched`);
        await assert.rejects(harness.docker.getContainer(oldId).inspect(), (err: any) => err.statusCode === 404, "the old instance is removed");

        // The gateway follows the ready instances by name; the new instance keeps counting in the same Redis.
        const v = await eventually(async () => {
            const answer = await visit();
            assert.equal(answer.greeting, "hi");
            return answer;
        }, { timeoutMs: 30_000 });
        assert.equal(v.tag, versionTag, "the image did not change");
        assert.ok(v.n > lastVisit, `visits continue (${v.n} after ${lastVisit})`);
    });
});
