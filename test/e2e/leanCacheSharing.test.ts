// LeanCache sharing across stacks on the local Docker engine (the spec's "Manage sharing"): one stack
// owns the instance and exports its name, url and network outputs; an app in another stack attaches it
// through sharedCaches (what a StackReference gives it), receives REDIS_URL_<NAME>, and reaches the
// instance over the owner's network: the visits it counts are in the owner's Redis.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EngineApp, Gateway, LeanCacheInstance } from "../../provider";
import { readyClient } from "../support/redisWriteLoad";
import { DockerHarness, eventually, httpRequest, prepareE2E, repoRoot } from "./harness";

const PASSWORD = "e2e-shared-cache-password-0123";

describe("LeanCache shared with an app of another stack (Docker)", { timeout: 20 * 60_000 }, () => {
    const owner = new DockerHarness({ stack: "e2e-share-owner" });
    const user = new DockerHarness({ stack: "e2e-share-user" });
    const source = path.join(repoRoot(), "examples", "quickstart", "app");
    let httpPort = 0;
    let httpsPort = 0;

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
    });
    after(async () => {
        await user.destroy();
        await owner.destroy();
    });

    it("the other stack's app gets REDIS_URL_CACHE from the owner's outputs and counts its visits in the owner's Redis", async () => {
        const exported = (await owner.up(() => {
            const cache = new LeanCacheInstance("cache", { name: "CACHE", password: PASSWORD, highAvailability: false });
            return { name: cache.name, url: cache.url, network: cache.network };
        })).outputs as { name: string; url: string; network: string };
        assert.match(exported.network, new RegExp(`-${owner.stack}-cloudengine$`), "the owner stack's network");

        await user.up(() => {
            const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
            // As a StackReference's outputs arrive: Outputs, the url a secret.
            new EngineApp("hello", {
                source,
                gateway,
                sharedCaches: [{ name: exported.name, url: pulumi.secret(exported.url), network: pulumi.output(exported.network) }],
                variables: { GREETING: "hi", VISIT_KEY: "shared-visits" },
            });
        });
        const instance = await user.docker.getContainer(user.container("hello-production-0").id).inspect();
        assert.ok(Object.keys(instance.NetworkSettings.Networks ?? {}).includes(exported.network), "the app's instance joined the owner's network");

        const visit = async () => {
            const res = await httpRequest(`http://127.0.0.1:${httpPort}/`, { host: "hello.localhost", timeoutMs: 10_000 });
            const m = /^hi from hello \(production, version [0-9a-f]{12}\): visit (\d+)\n$/.exec(res.body);
            assert.ok(res.status === 200 && m, `unexpected answer ${res.status}: ${JSON.stringify(res.body)}`);
            return Number(m[1]);
        };
        const n = await eventually(visit, { timeoutMs: 30_000 });

        const cache = await owner.docker.getContainer(owner.container("cache").id).inspect();
        const address = Object.values(cache.NetworkSettings.Networks ?? {}).map((net) => net.IPAddress).find(Boolean)!;
        const client = await readyClient({ host: address, port: 6379, password: PASSWORD });
        try {
            assert.ok(Number(await client.get("shared-visits")) >= n, "the visits are counted in the owner's instance");
        } finally {
            client.disconnect();
        }
    });
});
