// Apps on the local Docker engine: the example app built from source answers through the gateway
// by Host header; a second app and its Domain share the entry point and can be removed without
// touching the first; stg- hostnames reach the staging environment; every instance receives the
// spec's environment, and REDIS_URL_<NAME> really reaches the cache.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { DockerHarness, eventually, httpRequest, prepareE2E, repoRoot } from "./harness";

describe("apps, domains and environment on Docker", { timeout: 25 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-apps" });
    let httpPort = 0;
    let httpsPort = 0;

    const program = (withEcho: boolean) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort, outboundIps: ["203.0.113.9"] });
        const cache = new LeanCacheInstance("cache", { name: "CACHE" });
        const shared = new EnvGroup("shared", { variables: { SHARED: "group", FROM_GROUP: "g" }, secrets: { TOKEN: "t0ken" } });
        const hello = new EngineApp("hello", {
            source: path.join(repoRoot(), "examples", "quickstart", "app"),
            stagingInstances: 1, caches: [cache], envGroups: [shared], gateway,
            variables: { GREETING: "hello", VISIT_KEY: "visits" },
        });
        new Domain("www", { hostname: "www.example.test", app: hello });
        new Domain("www-staging", { hostname: "stg-www.example.test", app: hello });
        const outputs: Record<string, unknown> = { helloUrl: hello.url, helloStaging: hello.stagingUrl, helloVersion: hello.versionTag, outboundIps: hello.outboundIps };
        if (withEcho) {
            const echo = new EngineApp("echo", {
                source: path.join(repoRoot(), "test", "fixtures", "echoapp"),
                appId: "echo-app", appKey: "echo-key", masterKey: "echo-master", region: "US", group: "api", port: 8000,
                caches: [cache], envGroups: [shared], gateway, variables: { SHARED: "own", OWN: "x" },
            });
            new Domain("api", { hostname: "api.example.test", app: echo });
            outputs.echoVersion = echo.versionTag;
        }
        return outputs;
    };

    async function get(host: string, pathname = "/") {
        return httpRequest(`http://127.0.0.1:${httpPort}${pathname}`, { host, timeoutMs: 10_000 });
    }
    /** The example app's answer: "<greeting> from <id> (<env>, version <tag>): visit <n>". */
    async function hello(host: string) {
        const res = await get(host);
        const m = /^(\S+) from (\S+) \((production|stage), version ([0-9a-f]{12})\): visit (\d+)\n$/.exec(res.body);
        assert.ok(res.status === 200 && m, `${host}: ${res.status} ${JSON.stringify(res.body)}`);
        return { greeting: m[1], appId: m[2], env: m[3], tag: m[4], visit: Number(m[5]) };
    }

    let outputs: Record<string, any> = {};

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        outputs = (await harness.up(program(true))).outputs;
    });
    after(() => harness.destroy());

    it("the example app, built from source, answers through the gateway by Host header", async () => {
        assert.equal(outputs.helloUrl, `http://hello.localhost:${httpPort}`);
        assert.deepEqual(outputs.outboundIps, ["203.0.113.9"]);
        const answer = await eventually(() => hello("hello.localhost"), { timeoutMs: 30_000 });
        assert.deepEqual([answer.greeting, answer.appId, answer.env, answer.tag], ["hello", "hello", "production", outputs.helloVersion]);
    });

    it("REDIS_URL_CACHE reaches the LeanCache instance: visits are counted across requests and environments", async () => {
        const a = await hello("hello.localhost");
        const b = await hello("www.example.test");
        const c = await hello("stg-hello.localhost");
        // Health probes of GET / count visits too, so counts only grow.
        assert.ok(b.visit > a.visit, `${b.visit} after ${a.visit}`);
        assert.ok(c.visit > b.visit, `staging uses the same cache: ${c.visit} after ${b.visit}`);
    });

    it("stg- hostnames (default and Domain) reach the staging environment; others production", async () => {
        assert.equal(outputs.helloStaging, `http://stg-hello.localhost:${httpPort}`);
        assert.equal((await hello("stg-hello.localhost")).env, "stage");
        assert.equal((await hello("stg-www.example.test")).env, "stage");
        assert.equal((await hello("www.example.test")).env, "production");
        assert.equal((await hello("WWW.Example.Test")).env, "production", "hostnames are case-insensitive");
    });

    it("every instance receives the platform's variables, LC_ aliases, REDIS_URL_<NAME>, EnvGroups then its own", async () => {
        const res = await eventually(async () => {
            const r = await get("api.example.test", "/env");
            assert.equal(r.status, 200, r.body);
            return r;
        }, { timeoutMs: 30_000 });
        const env = JSON.parse(res.body) as Record<string, string>;
        const expected: Record<string, string> = {
            LEANCLOUD_APP_ID: "echo-app", LEANCLOUD_APP_KEY: "echo-key", LEANCLOUD_APP_MASTER_KEY: "echo-master",
            LEANCLOUD_APP_ENV: "production", LEANCLOUD_APP_PORT: "8000", LEANCLOUD_API_SERVER: "https://us-api.leancloud.cn",
            LEANCLOUD_APP_GROUP: "api", LEANCLOUD_REGION: "US", LEANCLOUD_VERSION_TAG: outputs.echoVersion,
            LC_APP_ID: "echo-app", LC_APP_KEY: "echo-key", LC_APP_MASTER_KEY: "echo-master", LC_APP_ENV: "production",
            LC_APP_PORT: "8000", LC_API_SERVER: "https://us-api.leancloud.cn",
            TZ: "Asia/Shanghai", HOME: "/home/leanengine", SHARED: "own", FROM_GROUP: "g", TOKEN: "t0ken", OWN: "x",
        };
        for (const [name, value] of Object.entries(expected)) assert.equal(env[name], value, name);
        const url = new URL(env.REDIS_URL_CACHE);
        assert.equal(url.protocol, "redis:");
        assert.equal(url.username, "default");
        assert.match(url.password, /^[0-9a-f]{48}$/, "a generated password");
        assert.equal(url.host, "cache.cache.cloudengine.internal:6379");
    });

    it("removing one app and its domain leaves the other serving on the same entry point", { timeout: 10 * 60_000 }, async () => {
        const before = await hello("hello.localhost");
        const echoImage = (await harness.docker.getContainer(harness.container("echo-production-0").id).inspect()).Image;
        const result = await harness.up(program(false));
        const deleted = result.changes.filter((s) => s.op === "delete").map((s) => s.name).sort();
        // The echo image, its instance, Release and site, and the api Domain's site; nothing of hello's.
        assert.deepEqual(deleted, ["api", "echo", "echo-production-0", "echo-production-release", "echo-production-site"]);
        assert.deepEqual(result.changes.filter((s) => s.op !== "delete"), [], "nothing else changes");
        assert.equal(harness.containers({ name: /^echo/ }).length, 0);
        // The instance is retained by the engine's delete; the Release's delete removed it from the engine.
        const left = await harness.docker.listContainers({ all: true, filters: { label: [`cloudengine.e2e=${harness.stack}`, "cloudengine.name=echo"] } });
        assert.deepEqual(left.map((c) => c.Names[0]), [], "no echo container is left on the engine");
        await assert.rejects(harness.docker.getImage(echoImage).inspect(), (err: any) => err.statusCode === 404, "nor its image");
        const after = await hello("hello.localhost");
        assert.ok(after.visit > before.visit, `the cache still counts: ${after.visit} after ${before.visit}`);
        const gone = await get("api.example.test");
        assert.ok(gone.status >= 400, `the removed domain no longer answers (${gone.status})`);
    });
});
