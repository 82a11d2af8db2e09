import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LeanCacheInstance } from "../../provider";
import { CONTAINER, DYNAMIC, DYNAMIC_CACHE_SETTINGS, isSecret, only, reveal, run, valueOf, VOLUME } from "../mocks";

describe("LeanCacheInstance on Docker", () => {
    it("runs Redis with maxmemory, the eviction policy, AOF every second on a volume, and a secret password", async () => {
        let cache!: LeanCacheInstance;
        const resources = await run(() => {
            cache = new LeanCacheInstance("sessions", { name: "SESSIONS", capacity: "1G", evictionPolicy: "allkeys-lfu" });
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
        assert.deepEqual([settings.inputs.container, settings.inputs.maxmemoryBytes, settings.inputs.evictionPolicy, settings.inputs.capacity, settings.inputs.what],
            ["sessions-id", 1073741824, "allkeys-lfu", "1G", 'LeanCacheInstance "sessions"']);
        assert.ok(!isSecret(settings.inputs.container));
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

async function pulumiIsSecret(output: import("@pulumi/pulumi").Output<unknown>): Promise<boolean> {
    return (output as any).isSecret as Promise<boolean>;
}
