import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { renderRedisAuthConf, renderRedisConf } from "../../provider/render/redisConf";

// The rendered redis.conf is read by the real redis-server (Debian's), and a real client checks
// that what the config promises holds: password required, maxmemory, policy, AOF every second.

const REDIS_SERVER = "/usr/bin/redis-server";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

describe("redis.conf read by redis-server", () => {
    let dir: string;
    let server: ChildProcess;
    let port: number;
    const password = "0123456789abcdef0123456789abcdef";

    before(async () => {
        assert.ok(fs.existsSync(REDIS_SERVER), "redis-server must be installed (Debian package redis-server); .ci/run installs it");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-redis-"));
        port = await freePort();
        const authConfPath = path.join(dir, "auth.conf");
        fs.writeFileSync(authConfPath, renderRedisAuthConf(password));
        const conf = renderRedisConf({ maxmemoryBytes: 256 * 1024 * 1024, evictionPolicy: "allkeys-lfu", dataDir: dir, authConfPath });
        fs.writeFileSync(path.join(dir, "redis.conf"), conf);
        server = spawn(REDIS_SERVER, [path.join(dir, "redis.conf"), "--port", String(port), "--bind", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
        let log = "";
        server.stdout!.on("data", (d) => (log += d));
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
            server.on("exit", (code) => reject(new Error(`redis-server exited ${code}:\n${log}`)));
            server.stdout!.on("data", () => { if (/Ready to accept connections/.test(log)) { clearTimeout(timer); resolve(); } });
        });
    });

    after(() => {
        server?.kill("SIGKILL");
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
