// LeanCache on the local Docker engine: at its capacity the instance evicts per its policy; a capacity or
// policy change is applied to the running Redis (same
// container, same run id and uptime; the new maxmemory in effect and kept across a restart), and a capacity
// below the data in use is refused by the preview's diff before anything changes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Redis from "ioredis";
import { LeanCacheInstance } from "../../provider";
import { DockerHarness, eventually, prepareE2E } from "./harness";

const MiB = 1024 * 1024;
const PASSWORD = "e2e-leancache-password-0123";

describe("LeanCache on Docker: online resize and policy change", { timeout: 10 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-leancache" });
    const program = (capacity: "128M" | "256M" | "512M", evictionPolicy: "volatile-lru" | "allkeys-lru" | "noeviction") => () => {
        // One node: its own container is resized (leanCacheFailover.test.ts resizes a highly available one).
        new LeanCacheInstance("cache", { name: "CACHE", capacity, evictionPolicy, password: PASSWORD, highAvailability: false });
    };
    let client: Redis;

    /** The Redis container's address on its network (the host reaches bridge networks directly). */
    async function redisAddress(): Promise<string> {
        const info = await harness.docker.getContainer(harness.container("cache").id).inspect();
        const address = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
        assert.ok(address, "the Redis container has an address");
        return address;
    }
    async function server(): Promise<{ runId: string; uptime: number; maxmemory: number; policy: string }> {
        const info = await client.info("server");
        const [, maxmemory] = (await client.config("GET", "maxmemory")) as string[];
        const [, policy] = (await client.config("GET", "maxmemory-policy")) as string[];
        return { runId: /run_id:(\w+)/.exec(info)![1], uptime: Number(/uptime_in_seconds:(\d+)/.exec(info)![1]), maxmemory: Number(maxmemory), policy };
    }

    before(async () => {
        await prepareE2E();
        await harness.up(program("128M", "volatile-lru"));
        client = new Redis({ host: await redisAddress(), port: 6379, password: PASSWORD, maxRetriesPerRequest: 2 });
    });
    after(async () => {
        client?.disconnect();
        await harness.destroy();
    });

    it("at its capacity the deployed instance evicts per policy: volatile-lru keeps keys without a TTL; noeviction refuses writes", async () => {
        const value = "e".repeat(64 * 1024);
        const write = async (count: number, prefix: string, ttl: boolean) => {
            const refused: string[] = [];
            for (let i = 0; i < count; i += 64) {
                const batch = client.pipeline();
                for (let j = i; j < Math.min(count, i + 64); j++) ttl ? batch.set(`${prefix}:${j}`, value, "EX", 3600) : batch.set(`${prefix}:${j}`, value);
                for (const [err] of (await batch.exec())!) if (err) refused.push(err.message);
            }
            return refused;
        };
        // 16 MB without a TTL, then three times the capacity (384 MB) with one
        assert.deepEqual(await write(256, "keep", false), []);
        assert.deepEqual(await write(6144, "tmp", true), [], "no write refused: there is always a key with a TTL to evict");
        assert.ok(Number(/evicted_keys:(\d+)/.exec(await client.info("stats"))![1]) > 0, "keys were evicted");
        assert.equal((await client.keys("keep:*")).length, 256, "every key without a TTL is still there");
        assert.ok((await client.keys("tmp:*")).length < 6144);
        assert.equal(await client.flushall(), "OK");

        // The policy changed on the running server: writes past the capacity are refused, nothing is evicted.
        await harness.up(program("128M", "noeviction"));
        const refused = await write(3072, "full", false);
        assert.ok(refused.length > 0, "writes past 128M were refused");
        assert.match(refused[0], /^OOM command not allowed when used memory > 'maxmemory'/);
        assert.equal(await client.dbsize(), 3072 - refused.length, "nothing was evicted");
        assert.equal(await client.flushall(), "OK");
        await harness.up(program("128M", "volatile-lru"));
    });

    it("a larger capacity and another policy apply to the running server: same container, run id and uptime", async () => {
        const before = await server();
        assert.deepEqual([before.maxmemory, before.policy], [128 * MiB, "volatile-lru"]);
        await client.set("kept", "yes");
        const containerId = harness.container("cache").id;
        await new Promise((resolve) => setTimeout(resolve, 1100)); // so a restart would show as a lower uptime

        const up = await harness.up(program("256M", "allkeys-lru"));
        assert.deepEqual(up.changes.map((s) => `${s.op} ${s.name}`), ["update cache-memory"], "only the settings change: no container is replaced or updated");
        assert.equal(harness.container("cache").id, containerId);
        const after = await server();
        assert.equal(after.runId, before.runId, "the same Redis process");
        assert.ok(after.uptime >= before.uptime + 1, `uptime went on (${before.uptime} s → ${after.uptime} s)`);
        assert.deepEqual([after.maxmemory, after.policy], [256 * MiB, "allkeys-lru"]);
        assert.equal(await client.get("kept"), "yes");

        // A restart keeps the new settings (the container's memory.conf holds them).
        await harness.docker.getContainer(containerId).restart({ t: 10 });
        await eventually(async () => assert.equal(await client.ping(), "PONG", "Redis answers after the restart"), { timeoutMs: 60_000 });
        const restarted = await server();
        assert.notEqual(restarted.runId, before.runId, "it did restart");
        assert.deepEqual([restarted.maxmemory, restarted.policy], [256 * MiB, "allkeys-lru"]);

        const again = await harness.up(program("256M", "allkeys-lru"));
        assert.deepEqual(again.changes, [], "a second up with the same arguments changes nothing");
    });

    it("a capacity below the data in use is refused before anything changes", async () => {
        // ~150 MB of data, more than 128M, within the current 256M
        const value = "v".repeat(MiB);
        for (let i = 0; i < 150; i += 10) {
            const batch = client.pipeline();
            for (let j = i; j < i + 10; j++) batch.set(`big:${j}`, value);
            await batch.exec();
        }
        const before = await server();
        await assert.rejects(harness.up(program("128M", "allkeys-lru")), (err: Error) => {
            assert.match(err.message, /LeanCacheInstance "cache": invalid capacity: got 128M \(134217728 bytes\); the data uses \d+ bytes now, so the capacity must be at least that\. Nothing was changed/);
            assert.ok(!err.message.includes(PASSWORD));
            return true;
        });
        const after = await server();
        assert.deepEqual([after.runId, after.maxmemory], [before.runId, 256 * MiB], "the server and its settings are as they were");
        assert.equal(await client.dbsize(), 151, "no key was evicted");

        // Growing is never refused: 512M applies.
        await harness.up(program("512M", "allkeys-lru"));
        assert.equal((await server()).maxmemory, 512 * MiB);
    });
});
