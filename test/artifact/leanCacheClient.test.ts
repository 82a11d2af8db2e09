import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as net from "net";
import { connectLeanCache, leanCacheUrl, LOCAL_REDIS_URL } from "../../provider/appRuntime/redis";
import { eventually } from "../support/eventually";
import { freePort } from "../support/ports";
import { RedisServer } from "../support/redisServer";

// The app-side client ("pulumi-cloudengine/redis") against real redis-servers with the package's
// configuration: the URL the platform injects, queued commands across a server restart, and a write
// refused by a demoted master resent to the new one behind the same endpoint.

const PASSWORD = "5e1f0c3a9b7d4e2f8a6c0b1d3e5f7a9c";

/** A TCP endpoint on 127.0.0.1 that forwards each new connection to whichever server it is pointed at (as the HA endpoint does). */
class Endpoint {
    target: number;
    private readonly sockets = new Set<net.Socket>();
    private constructor(private readonly server: net.Server, readonly port: number, target: number) {
        this.target = target;
    }
    static async open(target: number): Promise<Endpoint> {
        const port = await freePort();
        let endpoint!: Endpoint;
        const server = net.createServer((client) => {
            const upstream = net.connect(endpoint.target, "127.0.0.1");
            for (const s of [client, upstream]) { endpoint.sockets.add(s); s.on("close", () => endpoint.sockets.delete(s)); s.on("error", () => s.destroy()); }
            client.pipe(upstream).pipe(client);
            client.on("close", () => upstream.destroy());
            upstream.on("close", () => client.destroy());
        });
        endpoint = new Endpoint(server, port, target);
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
        return endpoint;
    }
    close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

describe("pulumi-cloudengine/redis: the app's LeanCache client", () => {
    it("reads REDIS_URL_<NAME>; a local run (no variable) uses the local Redis; a name that cannot be a variable is refused", () => {
        assert.equal(leanCacheUrl("CACHE", { REDIS_URL_CACHE: "redis://default:x@cache:6379" }), "redis://default:x@cache:6379");
        assert.equal(leanCacheUrl("CACHE", {}), LOCAL_REDIS_URL);
        assert.equal(LOCAL_REDIS_URL, "redis://127.0.0.1:6379");
        assert.equal(leanCacheUrl("1ST", { REDIS_URL_1ST: "redis://first" }), "redis://first", "names may start with a digit, as the instance's");
        assert.throws(() => leanCacheUrl("my-cache", {}), /"my-cache": letters, digits and _ \(1 to 64\)/);
    });

    describe("against redis-server", () => {
        let master: RedisServer;
        let replica: RedisServer;
        before(async () => {
            master = await RedisServer.start({ password: PASSWORD });
            replica = await RedisServer.start({ password: PASSWORD });
        });
        after(async () => {
            await master?.destroy();
            await replica?.destroy();
        });

        it("queues commands while the server is down and sends them once it is back; errors are reported without the password", async () => {
            const errors: Error[] = [];
            const client = connectLeanCache("CACHE", { env: { REDIS_URL_CACHE: master.url }, onError: (err) => errors.push(err) });
            try {
                assert.equal(await client.set("before", "1"), "OK");
                await master.kill();
                await eventually(() => assert.notEqual(client.status, "ready", "the client notices the drop"), { timeoutMs: 15_000, intervalMs: 100 });
                const queued = [client.set("during", "2"), client.incr("counter")];
                await new Promise((resolve) => setTimeout(resolve, 1500)); // a few reconnection attempts fail meanwhile
                await master.resume();
                assert.deepEqual(await Promise.all(queued), ["OK", 1]);
                assert.equal(await client.get("during"), "2");
                assert.ok(errors.length >= 1, "connection errors are reported to onError");
                for (const err of errors) assert.ok(!err.message.includes(PASSWORD), `no password in: ${err.message}`);
            } finally {
                client.disconnect();
            }
        });

        it("a write refused by a demoted master (READONLY) is resent, after reconnecting, to the new master behind the same endpoint", async () => {
            const endpoint = await Endpoint.open(master.port);
            const client = connectLeanCache("CACHE", { env: { REDIS_URL_CACHE: `redis://default:${PASSWORD}@127.0.0.1:${endpoint.port}` }, onError: () => undefined });
            const admin = (server: RedisServer) => connectLeanCache("ADMIN", { env: { REDIS_URL_ADMIN: server.url }, onError: () => undefined });
            const [oldMaster, newMaster] = [admin(master), admin(replica)];
            try {
                assert.equal(await client.set("k", "on-old"), "OK");
                // Failover as the observers do it: the replica becomes master, the old master follows it,
                // and the endpoint leads new connections to the new master. The client's connection still
                // reaches the old one, which now refuses writes.
                await oldMaster.replicaof("127.0.0.1", String(replica.port));
                await eventually(async () => assert.equal((await oldMaster.role())[0], "slave", "the old master refuses writes"), { timeoutMs: 15_000, intervalMs: 100 });
                endpoint.target = replica.port;
                assert.equal(await client.set("k", "after-failover"), "OK");
                assert.equal(await newMaster.get("k"), "after-failover", "the write went to the new master");
            } finally {
                client.disconnect();
                oldMaster.disconnect();
                newMaster.disconnect();
                await endpoint.close();
            }
        });
    });
});
