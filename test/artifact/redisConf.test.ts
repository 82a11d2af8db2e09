import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import Redis from "ioredis";
import { RedisServer } from "../support/redisServer";

// The rendered redis.conf is read by the real redis-server (Debian's), and a real client checks
// that what the config promises holds: password required, maxmemory, policy, AOF every second.

describe("redis.conf read by redis-server", () => {
    let server: RedisServer;
    let dir: string;
    let port: number;
    const password = "0123456789abcdef0123456789abcdef";

    before(async () => {
        server = await RedisServer.start({ password, maxmemoryBytes: 256 * 1024 * 1024, evictionPolicy: "allkeys-lfu" });
        ({ dir, port } = server);
    });

    after(async () => {
        await server?.destroy();
    });

    it("refuses clients without the password", async () => {
        // A raw RESP exchange: the server must answer a command with NOAUTH.
        const reply = await new Promise<string>((resolve, reject) => {
            const socket = net.connect(port, "127.0.0.1", () => socket.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"));
            socket.setTimeout(5000, () => reject(new Error("no reply")));
            socket.once("data", (d) => { resolve(String(d)); socket.destroy(); });
            socket.on("error", reject);
        });
        assert.match(reply, /^-NOAUTH/);
    });

    it("serves clients with the password, with the configured memory, policy and AOF", async () => {
        const client = new Redis(`redis://default:${password}@127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
        try {
            assert.equal(await client.set("k", "v"), "OK");
            assert.equal(await client.get("k"), "v");
            assert.deepEqual(await client.config("GET", "maxmemory"), ["maxmemory", String(256 * 1024 * 1024)]);
            assert.deepEqual(await client.config("GET", "maxmemory-policy"), ["maxmemory-policy", "allkeys-lfu"]);
            assert.deepEqual(await client.config("GET", "appendonly"), ["appendonly", "yes"]);
            assert.deepEqual(await client.config("GET", "appendfsync"), ["appendfsync", "everysec"]);
            assert.deepEqual(await client.config("GET", "dir"), ["dir", fs.realpathSync(dir)]);
        } finally {
            client.disconnect();
        }
    });

    it("writes the AOF into the data directory", async () => {
        const client = new Redis(`redis://default:${password}@127.0.0.1:${port}`);
        try {
            await client.set("durable", "yes");
            const deadline = Date.now() + 5000;
            // Redis 7 keeps the AOF in an appendonlydir; Redis 6 in appendonly.aof.
            const aofText = () => {
                const files = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes("appendonly") && fs.statSync(path.join(dir, f)).isFile());
                return files.map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("");
            };
            while (!aofText().includes("durable") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
            assert.match(aofText(), /durable/);
        } finally {
            client.disconnect();
        }
    });
});

describe("eviction at maxmemory, per policy (redis-server with the rendered configuration)", () => {
    const password = "0123456789abcdef0123456789abcdef";
    const MAXMEMORY = 8 * 1024 * 1024;
    const VALUE = "x".repeat(1024);

    it("volatile-lru evicts keys with a TTL and keeps the ones without", async () => {
        const server = await RedisServer.start({ password, maxmemoryBytes: MAXMEMORY, evictionPolicy: "volatile-lru" });
        const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
        try {
            const kept = 1000; // ~1 MB without TTL
            const keep = client.pipeline();
            for (let i = 0; i < kept; i++) keep.set(`keep:${i}`, VALUE);
            assert.ok((await keep.exec())!.every(([err]) => !err));
            // three times maxmemory with a TTL
            const volatile = (3 * MAXMEMORY) / VALUE.length;
            for (let i = 0; i < volatile; i += 500) {
                const batch = client.pipeline();
                for (let j = i; j < i + 500; j++) batch.set(`tmp:${j}`, VALUE, "EX", 3600);
                const results = (await batch.exec())!;
                assert.deepEqual(results.filter(([err]) => err).map(([err]) => String(err)), [], "no write refused: there is always a volatile key to evict");
            }
            const info = await client.info("stats");
            assert.ok(Number(/evicted_keys:(\d+)/.exec(info)![1]) > 0, "keys were evicted");
            assert.equal((await client.keys("keep:*")).length, kept, "every key without a TTL is still there");
            assert.ok((await client.keys("tmp:*")).length < volatile, "keys with a TTL were evicted");
        } finally {
            client.disconnect();
            await server.destroy();
        }
    });

    it("noeviction refuses writes past maxmemory with an error to the client, and keeps every key", async () => {
        const server = await RedisServer.start({ password, maxmemoryBytes: MAXMEMORY, evictionPolicy: "noeviction" });
        const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
        try {
            let written = 0;
            let refused: Error | undefined;
            while (!refused && written < (4 * MAXMEMORY) / VALUE.length) {
                try {
                    await client.set(`k:${written}`, VALUE);
                    written++;
                } catch (err) {
                    refused = err as Error;
                }
            }
            assert.ok(refused, `a write was refused (after ${written} writes)`);
            assert.match(refused.message, /^OOM command not allowed when used memory > 'maxmemory'/);
            assert.equal(await client.dbsize(), written, "nothing was evicted");
            assert.equal(await client.get("k:0"), VALUE, "reads still work");
        } finally {
            client.disconnect();
            await server.destroy();
        }
    });
});
