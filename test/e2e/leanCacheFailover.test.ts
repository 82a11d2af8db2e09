// A highly available LeanCache instance on the local Docker engine under a steady write load through its
// endpoint (the host REDIS_URL_<NAME> names): the master's container killed, its Redis process killed, it
// cut off its network, both nodes killed. Each time clients reach a master again within the detection
// time + 2 s, no write acknowledged more than 1 s before the fault is lost, the killed or cut-off node
// comes back as the replica (master + replica again), and no client ever sees two masters.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { LeanCacheInstance } from "../../provider";
import { SENTINEL_DOWN_AFTER_SECONDS } from "../../provider/config/spec";
import { infoFields } from "../support/leanCacheHa";
import { lostWrites, NewConnectionWrites, readyClient, WriteSample } from "../support/redisWriteLoad";
import { DockerHarness, eventually, prepareE2E, PROJECT, repoRoot } from "./harness";
import { HaCache } from "./leanCacheHa";

const PASSWORD = "e2e-leancache-ha-password-0123";
/** The bound the issue sets: unavailable ≤ detection + 2 s. */
const BOUND_MS = (SENTINEL_DOWN_AFTER_SECONDS + 2) * 1000;

const STACK = "e2e-leancache-ha";

describe("LeanCache high availability on Docker", { timeout: 15 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: STACK });
    const cache = new HaCache(harness, "cache", PASSWORD);
    let endpoint: { host: string; port: number; password: string };

    const program = (highAvailability: boolean, capacity: "128M" | "256M" = "128M", evictionPolicy: "volatile-lru" | "allkeys-lru" = "volatile-lru") => () => {
        const c = new LeanCacheInstance("cache", { name: "CACHE", highAvailability, capacity, evictionPolicy, password: PASSWORD });
        return { url: c.url };
    };

    before(async () => {
        await prepareE2E();
        // First a one-node instance with data: turning high availability on keeps it.
        const single = await harness.up(program(false));
        const node = harness.container("cache");
        const address = Object.values((await harness.docker.getContainer(node.id).inspect()).NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean)!;
        const client = await readyClient({ host: address, port: 6379, password: PASSWORD });
        try {
            assert.equal(await client.set("from-one-node", "kept"), "OK");
        } finally {
            client.disconnect();
        }
        const up = await harness.up(program(true));
        assert.equal(up.outputs.url, single.outputs.url, "the URL apps have stays the same");
        assert.equal(up.outputs.url, `redis://default:${PASSWORD}@cache.cache.cloudengine.internal:6379`);
        endpoint = await cache.endpoint();
        await cache.settled();
    });

    it("turning highAvailability on keeps the one-node instance's data (node 0 restarts on its AOF as the master)", async () => {
        const client = await readyClient(endpoint);
        try {
            assert.equal(await client.get("from-one-node"), "kept");
        } finally {
            client.disconnect();
        }
    });
    after(() => harness.destroy());

    /** The fault under load; no write acknowledged more than 1 s before it may be lost. */
    async function underLoad(prefix: string, fault: () => Promise<void>, recovered?: () => Promise<void>): Promise<{ unavailable: number; lost: WriteSample[] }> {
        const outcome = await cache.faultUnderLoad(prefix, fault, recovered);
        console.log(`${prefix}: unavailable ${outcome.unavailableMs} ms, ${outcome.acknowledged} writes acknowledged, ${outcome.lost.length} lost`);
        assert.ok(outcome.acknowledged > 50, `the load ran (${outcome.acknowledged} writes acknowledged)`);
        assert.deepEqual(outcome.lostBeforeGrace.map((s) => s.key), [], "no write acknowledged more than 1 s before the fault is lost");
        return { unavailable: outcome.unavailableMs, lost: outcome.lost };
    }

    it("a new capacity and policy apply to both running nodes: only the settings update, no node restarts (same run ids)", async () => {
        const server = async () => Promise.all(cache.nodes.map(async (n) => ({
            runId: infoFields(await n.cli("INFO", "server")).run_id,
            memory: (await n.cli("CONFIG", "GET", "maxmemory")).trim().split(/\r?\n/)[1],
            policy: (await n.cli("CONFIG", "GET", "maxmemory-policy")).trim().split(/\r?\n/)[1],
        })));
        const before = await server();
        assert.deepEqual(before.map((n) => [n.memory, n.policy]), [["134217728", "volatile-lru"], ["134217728", "volatile-lru"]]);
        const up = await harness.up(program(true, "256M", "allkeys-lru"));
        assert.deepEqual(up.changes.map((s) => `${s.op} ${s.name}`), ["update cache-memory"]);
        const after = await server();
        assert.deepEqual(after.map((n) => [n.runId, n.memory, n.policy]), before.map((n) => [n.runId, "268435456", "allkeys-lru"]));
        await cache.settled();
    });

    it("cloudengine cache proxy publishes the instance on 127.0.0.1 and prints its URL; cache shell runs redis-cli on the master; Ctrl-C removes the relay", async () => {
        const cli = path.join(repoRoot(), "bin", "provider", "cli", "main.js");
        const where = ["--project", PROJECT, "--stack", STACK];
        const relays = async () => (await harness.docker.listContainers({ all: true, filters: { label: [`cloudengine.cache-relay=true`, `cloudengine.stack=${STACK}`] } })).length;
        const proxy = spawn(process.execPath, [cli, "cache", "proxy", "CACHE", ...where], { stdio: ["ignore", "pipe", "pipe"] });
        const exited = once(proxy, "exit");
        try {
            const [line] = (await once(createInterface({ input: proxy.stdout! }), "line")) as [string];
            const url = new URL(line);
            assert.deepEqual([url.protocol, url.username, decodeURIComponent(url.password), url.hostname], ["redis:", "default", PASSWORD, "127.0.0.1"]);
            const client = await readyClient({ host: "127.0.0.1", port: Number(url.port), password: PASSWORD });
            try {
                assert.equal(await client.get("from-one-node"), "kept");
                assert.match(await client.info("replication"), /^role:master\r?$/m, "through the endpoint: the master");
            } finally {
                client.disconnect();
            }
            const shell = spawnSync(process.execPath, [cli, "cache", "shell", "CACHE", ...where, "--", "GET", "from-one-node"], { encoding: "utf8" });
            assert.equal(shell.status, 0, shell.stderr);
            assert.equal(shell.stdout.trim(), "kept");
            const unknown = spawnSync(process.execPath, [cli, "cache", "proxy", "NOPE"], { encoding: "utf8" });
            assert.equal(unknown.status, 1);
            assert.match(unknown.stderr, new RegExp(`^cloudengine: no running LeanCache instance NOPE on this Docker host; running: .*CACHE \\(${PROJECT}/${STACK}\\)`));
            assert.doesNotMatch(unknown.stderr, new RegExp(PASSWORD));
        } finally {
            proxy.kill("SIGINT");
            await exited;
        }
        await eventually(async () => assert.equal(await relays(), 0, "the relay container is gone"));
    });

    it("the master's container killed: the Sentinels promote the replica, clients reach it through the same endpoint; the node rejoins as the replica", async () => {
        const { master, replica } = await cache.settled();
        const { unavailable } = await underLoad("kill", () => cache.killContainer(master), async () => {
            const now = await replica.replication();
            assert.equal(now.role, "master", "the replica was promoted");
        });
        assert.ok(unavailable <= BOUND_MS, `unavailable ${unavailable} ms ≤ ${BOUND_MS} ms`);
        assert.ok(unavailable >= SENTINEL_DOWN_AFTER_SECONDS * 1000 - 500, `the failover waited for the detection time (${unavailable} ms)`);

        // The node starts again (as `docker start` or the next `pulumi up` would): it follows the new master.
        await master.container.start();
        const again = await cache.settled();
        assert.equal(again.master.index, replica.index, "the promoted node stays the master");
    });

    it("the master's Redis process killed: Docker restarts it; no acknowledged write older than 1 s is lost, master + replica again", async () => {
        const { master } = await cache.settled();
        const { unavailable } = await underLoad("crash", () => cache.killProcess(master));
        assert.ok(unavailable <= BOUND_MS, `unavailable ${unavailable} ms ≤ ${BOUND_MS} ms`);
        await cache.settled();
    });

    it("the master cut off its network: it stops taking writes through the endpoint, the replica is promoted, and after healing the old master follows it; no acknowledged write is lost", async () => {
        const { master, replica } = await cache.settled();
        let fresh: WriteSample[] = [];
        const { unavailable, lost } = await underLoad("partition", () => cache.partition(master), async () => {
            assert.equal((await replica.replication()).role, "master");
            // New connections from the moment it is back: the old master says "master" until the Sentinels
            // demote it, and the endpoint must not lead them there.
            const connecting = new NewConnectionWrites({ ...endpoint, prefix: "reconnect" });
            try {
                await cache.heal(master);
                await eventually(async () => assert.equal((await master.replication()).role, "slave", "the old master is demoted"), { timeoutMs: 60_000 });
                await new Promise((r) => setTimeout(r, 2000));
            } finally {
                fresh = await connecting.stop();
            }
        });
        assert.ok(unavailable <= BOUND_MS + 1000, `unavailable ${unavailable} ms`); // + the endpoint's check timeouts
        assert.deepEqual(lost.map((s) => s.key), [], "no write acknowledged by a cut-off or demoted master");
        const client = await readyClient(endpoint);
        try {
            const acked = fresh.filter((s) => s.ackedAt !== undefined);
            assert.ok(acked.length > 10, `writes through new connections were acknowledged after healing (${acked.length} of ${fresh.length})`);
            assert.deepEqual((await lostWrites(client, acked)).map((s) => s.key), [], "no write through a new connection went to the old master");
        } finally {
            client.disconnect();
        }
        const again = await cache.settled();
        assert.equal(again.master.index, replica.index);
    });

    it("both nodes killed at once: each restarts from its AOF; data written more than 1 s before is back, then master + replica again", async () => {
        await cache.settled();
        const client = await readyClient(endpoint);
        try {
            const keys = Array.from({ length: 200 }, (_, i) => `both:${i}`);
            for (const key of keys) assert.equal(await client.set(key, "v"), "OK");
            await new Promise((r) => setTimeout(r, 1500)); // past the AOF's fsync every second
            await Promise.all(cache.nodes.map((n) => cache.killProcess(n)));
            await cache.settled();
            await eventually(async () => assert.deepEqual((await client.mget(...keys)).filter((v) => v !== "v").length, 0), { timeoutMs: 30_000 });
        } finally {
            client.disconnect();
        }
    });
});
