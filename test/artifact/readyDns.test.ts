// cloudengine-ready (provider/runtime/cloudengine-ready) with the real NGINX 1.28 in front: the mechanism
// by which the proxy reaches only ready instances, straight at the app and over pooled connections. Two
// instances (127.0.0.2 and 127.0.0.3) each have an app port and a readiness port that the test opens and
// closes as /cloudengine/init does; a fake DNS server stands in for Docker's (the instance name resolves
// to both); nginx resolves `inst.ready.cloudengine.internal` through cloudengine-ready in a keep-alive
// upstream (`server ... resolve`). Measured, not assumed: how soon a closed instance stops getting
// requests, how soon an opened one starts, and how many connections the apps accept.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { renderHttpCommon } from "../../provider/render/proxy/nginxBase";
import { freePorts, makeRoot, NGINX, NGINX_HINT, RunningNginx, sleep, startDns, startNginx } from "./support/nginxProcess";

const READY_SOURCE = path.join(__dirname, "..", "..", "..", "provider", "runtime", "cloudengine-ready");
const INSTANCES = ["127.0.0.2", "127.0.0.3"];
/** cloudengine-ready's probe interval here; production uses 200 ms. */
const INTERVAL_MS = 100;

interface Instance {
    address: string;
    app: http.Server;
    /** TCP connections the app accepted. */
    connections: number;
    readiness?: net.Server;
}

describe("cloudengine-ready: nginx reaches only ready instances, straight and pooled", { timeout: 120_000 }, () => {
    let root = "";
    let nginx: RunningNginx | undefined;
    let ready: ChildProcess | undefined;
    let dns: { close(): void } | undefined;
    let port = 0;
    let readyPort = 0;
    const instances: Instance[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

    const open = (i: Instance) => new Promise<void>((resolve, reject) => {
        const s = net.createServer((c) => c.destroy());
        s.once("error", reject);
        s.listen(readyPort, i.address, () => { i.readiness = s; resolve(); });
    });
    const close = (i: Instance) => new Promise<void>((resolve) => {
        const s = i.readiness;
        i.readiness = undefined;
        if (s) s.close(() => resolve()); else resolve();
    });
    /** One GET through nginx: which instance answered, or the status / error. */
    const get = () => new Promise<string>((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: "/", agent, timeout: 5_000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e) => resolve(`error ${e.message}`));
    });
    /** Requests one after another (20 ms apart) until `until` says stop or 10 s passed; every answer with its time. */
    async function watch(until: (answer: string, ms: number) => boolean): Promise<{ answers: [number, string][]; ms: number }> {
        const t0 = Date.now();
        const answers: [number, string][] = [];
        for (;;) {
            const a = await get();
            const ms = Date.now() - t0;
            answers.push([ms, a]);
            if (until(a, ms) || ms > 10_000) return { answers, ms };
            await sleep(20);
        }
    }

    before(async () => {
        assert.ok(fs.existsSync(NGINX), `nginx ${NGINX} is missing: ${NGINX_HINT}`);
        root = makeRoot();
        let appPort: number;
        let dnsPort: number;
        [port, appPort, readyPort, dnsPort] = await freePorts(4);
        const bin = path.join(root, "cloudengine-ready");
        const built = spawnSync("go", ["build", "-o", bin, "."], { cwd: READY_SOURCE, encoding: "utf8", timeout: 120_000 });
        assert.equal(built.status, 0, `go build of cloudengine-ready failed: ${built.error ?? ""}${built.stderr}`);

        for (const address of INSTANCES) {
            const i: Instance = { address, app: http.createServer((_req, res) => res.end(address)), connections: 0 };
            i.app.on("connection", () => i.connections++);
            await new Promise<void>((r) => i.app.listen(appPort, address, () => r()));
            instances.push(i);
        }
        const fake = await startDns({ inst: INSTANCES });
        dns = fake.socket;
        ready = spawn(bin, [], {
            stdio: ["ignore", "ignore", "pipe"],
            env: {
                ...process.env,
                CLOUDENGINE_READY_LISTEN: `127.0.0.1:${dnsPort}`,
                CLOUDENGINE_READY_UPSTREAM: `127.0.0.1:${fake.port}`,
                CLOUDENGINE_READY_PORT: String(readyPort),
                CLOUDENGINE_READY_INTERVAL_MS: String(INTERVAL_MS),
            },
        });
        // Started before nginx, as in production (cloudengine-ready -- nginx): a resolver nginx finds refusing
        // makes it wait seconds before asking again.
        let readyLog = "";
        ready.stderr!.on("data", (d: Buffer) => (readyLog += d.toString()));
        for (const deadline = Date.now() + 10_000; !readyLog.includes("cloudengine-ready: answering"); await sleep(20)) {
            assert.ok(Date.now() < deadline && ready.exitCode === null, `cloudengine-ready did not start listening:\n${readyLog}`);
        }
        // What production renders for a site's instances (siteConf.ts), reduced to the upstream.
        const conf = path.join(root, "nginx.conf");
        fs.writeFileSync(conf, `user nobody nogroup;
worker_processes 1;
pid ${root}/tmp/nginx.pid;
error_log stderr warn;
events {}
http {
    access_log off;
${renderHttpCommon(root).map((l) => `    ${l}`).join("\n")}
    resolver 127.0.0.1:${dnsPort} valid=1s ipv6=off;
    upstream instances {
        zone instances 64k;
        server inst.ready.cloudengine.internal:${appPort} resolve;
        keepalive 16;
    }
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://instances;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 500ms;
            proxy_next_upstream error timeout http_502 http_503;
        }
    }
}
`);
        for (const i of instances) await open(i);
        nginx = await startNginx(conf, [port]);
        // nginx resolves in the background: wait for the first answers.
        const first = await watch((a) => a === INSTANCES[0] || a === INSTANCES[1]);
        assert.ok(first.ms < 5_000, `no instance answered within 5 s: ${JSON.stringify(first.answers.slice(-3))}\n${nginx.output()}`);
    });

    after(async () => {
        agent.destroy();
        await nginx?.stop();
        ready?.kill("SIGKILL");
        dns?.close();
        for (const i of instances) { i.app.closeAllConnections(); i.app.close(); i.readiness?.close(); }
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("both ready: requests reach both over a few pooled connections, not one per request", async () => {
        await watch((_a, ms) => ms > 1_500); // both resolved
        const before = instances.map((i) => i.connections);
        const answers: string[] = [];
        for (let k = 0; k < 50; k++) answers.push(...(await Promise.all([get(), get(), get(), get()])));
        const accepted = instances.map((i, n) => i.connections - before[n]);
        assert.deepEqual(answers.filter((a) => !INSTANCES.includes(a)), [], "every request answered by an instance");
        for (const address of INSTANCES) assert.ok(answers.filter((a) => a === address).length > 20, `${address} got its share: ${answers.filter((a) => a === address).length} of 200`);
        assert.ok(accepted[0] + accepted[1] <= 16, `the apps accepted ${accepted.join(" + ")} connections for 200 requests; reusing nginx's pool of 16 it would be at most 16`);
    });

    it("an instance whose readiness port closes stops getting requests within ~2 s, and none fails meanwhile", async (t) => {
        const b = instances[1];
        await close(b);
        const run = await watch((_a, ms) => ms > 4_000);
        const lastB = run.answers.filter(([, a]) => a === b.address).pop()?.[0] ?? 0;
        t.diagnostic(`last request to the closed instance ${lastB} ms after it closed (${run.answers.length} requests)`);
        assert.deepEqual(run.answers.filter(([, a]) => !INSTANCES.includes(a)), [], "no request failed");
        assert.ok(lastB < 3_000, `the closed instance still got requests ${lastB} ms after closing`);
        assert.ok(run.answers.filter(([ms]) => ms > lastB).every(([, a]) => a === instances[0].address));
    });

    it("an instance whose readiness port opens gets requests within about a second", async (t) => {
        const b = instances[1];
        await open(b);
        const run = await watch((a) => a === b.address);
        t.diagnostic(`first request to the opened instance ${run.ms} ms after it opened`);
        assert.deepEqual(run.answers.filter(([, a]) => !INSTANCES.includes(a)), [], "no request failed");
        assert.ok(run.ms <= 2_000, `the opened instance got its first request after ${run.ms} ms`);
    });

    it("no instance ready: nginx answers 502 at once, never hangs", async () => {
        for (const i of instances) await close(i);
        const run = await watch((a, ms) => a === "status 502" && ms > 0);
        assert.ok(run.ms < 5_000, `still answered by instances ${run.ms} ms after both closed: ${JSON.stringify(run.answers.slice(-3))}`);
        const t0 = Date.now();
        assert.equal(await get(), "status 502");
        assert.ok(Date.now() - t0 < 1_000, `the 502 took ${Date.now() - t0} ms`);
    });
});
