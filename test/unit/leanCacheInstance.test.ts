import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LeanCacheInstance } from "../../provider";
import { CONTAINER, DYNAMIC, DYNAMIC_CACHE_SETTINGS, isSecret, only, reveal, run, valueOf, VOLUME } from "../mocks";

describe("LeanCacheInstance on Docker", () => {
    it("runs Redis with maxmemory, the eviction policy, AOF every second on a volume, and a secret password", async () => {
        let cache!: LeanCacheInstance;
        const resources = await run(() => {
            cache = new LeanCacheInstance("sessions", { name: "SESSIONS", capacity: "1G", evictionPolicy: "allkeys-lfu", highAvailability: false });
        });
        const component = only(resources, "cloudengine:index:LeanCacheInstance", "sessions");
        const redis = only(resources, CONTAINER, "sessions");
        const volume = only(resources, VOLUME, "sessions-data");
        const password = only(resources, DYNAMIC, "sessions-password");
        for (const child of [redis, volume, password]) assert.equal(child.parent, component.urn);
        assert.equal(redis.inputs.image, "redis:6.2-bookworm");
        assert.deepEqual(redis.inputs.command, ["redis-server", "/usr/local/etc/redis/redis.conf"]);
        // Docker's uploads is one property: holding the password, all of it is secret.
        assert.ok(isSecret(redis.inputs.uploads));
        const [conf, memory, auth] = reveal(redis.inputs.uploads);
        assert.equal(memory.file, "/usr/local/etc/redis/memory.conf");
        assert.equal(memory.content, "maxmemory 1073741824\nmaxmemory-policy allkeys-lfu\n");
        assert.match(conf.content, /^include \/usr\/local\/etc\/redis\/memory\.conf$/m);
        assert.doesNotMatch(conf.content, /^maxmemory/m, "memory settings only in memory.conf");
        assert.deepEqual(redis.ignoreChanges, ["uploads[1].content"], "a resize is applied to the running server, not by a new container");
        const settings = only(resources, DYNAMIC_CACHE_SETTINGS, "sessions-memory");
        assert.equal(settings.parent, component.urn);
        assert.deepEqual([settings.inputs.containers, settings.inputs.maxmemoryBytes, settings.inputs.evictionPolicy, settings.inputs.capacity, settings.inputs.what],
            [["sessions-id"], 1073741824, "allkeys-lfu", "1G", 'LeanCacheInstance "sessions"']);
        assert.ok(!isSecret(settings.inputs.containers));
        assert.equal(resources.filter((r) => r.type === CONTAINER).length, 1, "one node: no Sentinel, no endpoint");
        assert.match(conf.content, /^appendonly yes$/m);
        assert.match(conf.content, /^appendfsync everysec$/m);
        assert.doesNotMatch(conf.content, /generated-sessions-password/, "the plain config never holds the password");
        assert.equal(auth.content, "requirepass generated-sessions-password\nmasterauth generated-sessions-password\n");
        assert.ok(isSecret(redis.inputs.envs), "REDISCLI_AUTH holds the password");
        // readOnly given as the provider reads it back, so a refreshed stack previews no change.
        assert.deepEqual(redis.inputs.mounts, [{ type: "volume", source: "sessions-data-generated", target: "/data", readOnly: false }]);
        assert.deepEqual(redis.inputs.networksAdvanced[0].aliases, ["sessions.cache.cloudengine.internal"]);
        assert.equal(redis.inputs.wait, true);
        assert.deepEqual([redis.deleteBeforeReplaceDefined, redis.deleteBeforeReplace], [true, true], "two Redis servers must never share one AOF");
        assert.equal(await valueOf(cache.envName), "REDIS_URL_SESSIONS");
        assert.equal(await valueOf(cache.url), "redis://default:generated-sessions-password@sessions.cache.cloudengine.internal:6379");
        assert.ok(await pulumiIsSecret(cache.url));
        assert.ok(await pulumiIsSecret(cache.password));
    });

    it("defaults: 128M, volatile-lru, the resource name as NAME", async () => {
        let cache!: LeanCacheInstance;
        const resources = await run(() => { cache = new LeanCacheInstance("CACHE1"); });
        const memory = reveal(only(resources, CONTAINER, "CACHE1").inputs.uploads)[1].content;
        assert.equal(memory, "maxmemory 134217728\nmaxmemory-policy volatile-lru\n");
        assert.equal(await valueOf(cache.envName), "REDIS_URL_CACHE1");
    });

    it("a user-given password is used and stays secret", async () => {
        const resources = await run(() => new LeanCacheInstance("c", { password: "correct-horse-battery" }));
        assert.equal(resources.filter((r) => r.type === DYNAMIC).length, 0, "no generated password");
        assert.equal(reveal(only(resources, CONTAINER, "c").inputs.uploads)[2].content, "requirepass correct-horse-battery\nmasterauth correct-horse-battery\n");
    });
});

describe("LeanCacheInstance on Docker with highAvailability (the default)", () => {
    const program = () => new LeanCacheInstance("sessions", { name: "SESSIONS", downAfterSeconds: 3, password: "correct-horse-battery" });

    it("runs node 0 (the one-node instance's container and volume) and node 1, three Sentinels and the endpoint holding the instance's name", async () => {
        const resources = await run(program);
        const component = only(resources, "cloudengine:index:LeanCacheInstance", "sessions");
        const node0 = only(resources, CONTAINER, "sessions");
        const node1 = only(resources, CONTAINER, "sessions-1");
        const endpoint = only(resources, CONTAINER, "sessions-endpoint");
        const sentinels = [0, 1, 2].map((i) => only(resources, CONTAINER, `sessions-sentinel-${i}`));
        for (const child of [node0, node1, endpoint, ...sentinels]) assert.equal(child.parent, component.urn);
        assert.equal(resources.filter((r) => r.type === CONTAINER).length, 6);
        assert.deepEqual([only(resources, VOLUME, "sessions-data").name, only(resources, VOLUME, "sessions-1-data").name], ["sessions-data", "sessions-1-data"]);

        // The URL's host is the endpoint's; nodes and Sentinels have names below it.
        assert.deepEqual(endpoint.inputs.networksAdvanced[0].aliases, ["sessions.cache.cloudengine.internal"]);
        assert.deepEqual(node0.inputs.networksAdvanced[0].aliases, ["node0.sessions.cache.cloudengine.internal"]);
        assert.deepEqual(node1.inputs.networksAdvanced[0].aliases, ["node1.sessions.cache.cloudengine.internal"]);
        assert.deepEqual(sentinels.map((s) => s.inputs.networksAdvanced[0].aliases[0]), [0, 1, 2].map((i) => `sentinel${i}.sessions.cache.cloudengine.internal`));

        for (const [i, node] of [node0, node1].entries()) {
            assert.deepEqual(node.inputs.command, ["sh", "/usr/local/etc/redis/start-node.sh"]);
            const [conf, , , script] = reveal(node.inputs.uploads);
            assert.match(conf.content, new RegExp(`^replica-announce-ip node${i}\.sessions\.cache\.cloudengine\.internal$`, "m"));
            assert.equal(script.file, "/usr/local/etc/redis/start-node.sh");
            assert.match(script.content, new RegExp(`^SELF=node${i}\.sessions`, "m"));
            assert.doesNotMatch(script.content, /correct-horse-battery/, "the password comes from REDISCLI_AUTH");
            assert.deepEqual(node.ignoreChanges, ["uploads[1].content"]);
        }
        const ids = sentinels.map((s) => {
            const [script] = reveal(s.inputs.uploads);
            assert.match(script.content, /^sentinel down-after-milliseconds leancache 3000$/m);
            assert.match(script.content, /^sentinel monitor leancache \$M 6379 2$/m);
            assert.ok(isSecret(s.inputs.envs));
            assert.deepEqual(s.inputs.mounts.map((m: { type: string; target: string }) => [m.type, m.target]), [["tmpfs", "/data"]], "no anonymous volume for /data");
            return /^sentinel myid ([0-9a-f]{40})$/m.exec(script.content)![1];
        });
        assert.equal(new Set(ids).size, 3, "each Sentinel has its own fixed ID");

        assert.equal(endpoint.inputs.image, "haproxy:2.6-bookworm");
        assert.ok(isSecret(endpoint.inputs.uploads), "the endpoint's checks hold the password");
        const [haproxy] = reveal(endpoint.inputs.uploads);
        assert.match(haproxy.content, /^ {4}server node0 node0\.sessions\.cache\.cloudengine\.internal:6379$/m);
        assert.match(haproxy.content, /^ {4}server node1 node1\.sessions\.cache\.cloudengine\.internal:6379$/m);
        assert.ok(haproxy.content.includes(Buffer.from("correct-horse-battery").toString("hex")), "AUTH in the checks");

        const settings = only(resources, DYNAMIC_CACHE_SETTINGS, "sessions-memory");
        assert.deepEqual(settings.inputs.containers, ["sessions-id", "sessions-1-id"], "both nodes get resizes");
    });

    it("downAfterSeconds and endpointImage without highAvailability are refused before anything registers", async () => {
        for (const args of [{ highAvailability: false, downAfterSeconds: 3 }, { highAvailability: false, endpointImage: "haproxy:2.8" }]) {
            await assert.rejects(run(() => new LeanCacheInstance("c", args)), (e: Error) => {
                assert.match(e.message, /LeanCacheInstance "c": invalid (downAfterSeconds|endpointImage).*applies only with highAvailability: true/);
                return true;
            });
        }
        await assert.rejects(run(() => new LeanCacheInstance("c", { highAvailability: true, downAfterSeconds: 0 })), /invalid downAfterSeconds/);
    });
});

async function pulumiIsSecret(output: import("@pulumi/pulumi").Output<unknown>): Promise<boolean> {
    return (output as any).isSecret as Promise<boolean>;
}
