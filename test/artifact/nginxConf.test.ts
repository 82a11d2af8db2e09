import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { Readable } from "node:stream";
import * as tls from "node:tls";
import * as zlib from "node:zlib";
import { COUNTRY_DATABASE_PATH, GEOIP_MODULE_PATH } from "../../provider/render/proxy/country";
import { renderLoadBalancerConf } from "../../provider/render/proxy/loadBalancerConf";
import { APPENGINE_REQUEST_BODY_MAX_BYTES, APPENGINE_RESPONSE_MAX_BYTES, REQUEST_BODY_MAX_BYTES } from "../../provider/render/proxy/limits";
import { LoadBalancerModel, ProxySite } from "../../provider/render/proxy/model";
import {
    assertNginxAccepts, freePorts, installCertificates, makeCertificate, makeRoot, NGINX, NGINX_HINT, NOBODY, RunningNginx, site, sleep, startDns, startNginx,
} from "./support/nginxProcess";
import { requireCountryDatabase } from "../support/countryDatabase";

// The rendered load balancer against the real nginx, the version of the package's default image (1.28):
//  1. `nginx -t` accepts it for a range of models;
//  2. it actually runs (unprivileged, as on Kubernetes) in front of Node apps, with a fake DNS server
//     standing in for the cluster's, and requests prove the spec's load-balancer behaviour end to end.
// The Docker gateway loads the same site blocks from its own files: test/artifact/siteGateway.test.ts.
// Needs: NGINX 1.28 (support/nginxProcess.ts) and openssl (scripts/preflight.sh checks before npm test starts).

/** Requests come from here, so the address the app is told about is not the proxy's own 127.0.0.1. */
const CLIENT_ADDRESS = "127.0.0.9";

interface Seen {
    instance: string;
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
}

const LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT";
const HTML = "<p>Hello from Cloud Engine, compress me please.</p>\n".repeat(200);

/** The app behind the load balancer; every instance records what reached it and says who it is. */
function startApp(address: string, port: number, seen: Seen[], failing = false): Promise<http.Server> {
    const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
        let bytes = 0;
        req.on("data", (c: Buffer) => (bytes += c.length));
        req.on("end", () => {
            seen.push({ instance: address, method: req.method ?? "", url: req.url ?? "", headers: req.headers });
            res.setHeader("X-Instance", address);
            // A stopping instance (or one not ready yet).
            if (failing) return void res.writeHead(503).end("stopping");
            const url = new URL(req.url ?? "/", "http://x");
            const revalidated = req.headers["if-modified-since"] === LAST_MODIFIED;
            switch (url.pathname) {
                case "/echo":
                    return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(req.headers));
                case "/html":
                    return void res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(HTML);
                case "/upload":
                    return void res.writeHead(200, { "Content-Type": "text/plain" }).end(String(bytes));
                case "/slow":
                    return void setTimeout(() => res.writeHead(200).end("late"), 10_000).unref();
                case "/bytes": {
                    // n bytes, declared (Content-Length) unless ?streamed.
                    const n = Number(url.searchParams.get("n"));
                    const headers = url.searchParams.has("streamed") ? {} : { "Content-Length": String(n) };
                    return void res.writeHead(200, { "Content-Type": "application/octet-stream", ...headers }).end(Buffer.alloc(n, 0x62));
                }
                case "/own-504":
                    return void res.writeHead(504, { "Content-Type": "text/plain" }).end("the app's own 504");
                case "/accel":
                    return void res.writeHead(200, { "X-Accel-Redirect": "/echo", "Content-Type": "text/plain" }).end("not redirected");
                case "/cache/lm":
                case "/cache/lm-post":
                case "/cache/lm-auth":
                    return void res.writeHead(200, { "Last-Modified": LAST_MODIFIED, "Content-Type": "text/plain" }).end("cacheable");
                case "/cache/host":
                    return void res.writeHead(200, { "Last-Modified": LAST_MODIFIED, "Content-Type": "text/plain" }).end(`for ${req.headers.host}`);
                case "/cache/maxage1":
                    if (revalidated) return void res.writeHead(304, { "Last-Modified": LAST_MODIFIED, "Cache-Control": "max-age=1" }).end();
                    return void res.writeHead(200, { "Last-Modified": LAST_MODIFIED, "Cache-Control": "max-age=1" }).end("short");
                case "/cache/nolm":
                    return void res.writeHead(200, { "Content-Type": "text/plain" }).end("dynamic");
                case "/cache/nocache":
                    return void res.writeHead(200, { "Last-Modified": LAST_MODIFIED, "Cache-Control": "no-cache" }).end("no-cache");
                case "/cache/404":
                    return void res.writeHead(404, { "Last-Modified": LAST_MODIFIED, "Cache-Control": "max-age=3600" }).end("missing");
                default:
                    return void res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
            }
        });
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, address, () => resolve(server));
    });
}

interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}

interface Req {
    port: number;
    /** Where the load balancer listens and where the request comes from: 127.0.0.1 and CLIENT_ADDRESS unless given. */
    address?: string;
    from?: string;
    host: string;
    path?: string;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    tls?: boolean;
    body?: Buffer | Readable;
    /** Announce this Content-Length, send no body, and return as soon as the response head arrives. */
    announceLength?: number;
    timeoutMs?: number;
}

function request(r: Req): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const options: https.RequestOptions = {
            host: r.address ?? "127.0.0.1",
            port: r.port,
            path: r.path ?? "/",
            method: r.method ?? "GET",
            headers: { host: r.host, ...r.headers },
            agent: false,
            localAddress: r.from ?? CLIENT_ADDRESS,
        };
        const req = r.tls
            ? https.request({ ...options, servername: r.host.split(":")[0], rejectUnauthorized: false })
            : http.request(options);
        const timer = setTimeout(() => req.destroy(new Error(`${r.method ?? "GET"} ${r.host}${r.path ?? "/"} timed out`)), r.timeoutMs ?? 15_000);
        req.on("error", (e) => { clearTimeout(timer); reject(e); });
        req.on("response", (res) => {
            if (r.announceLength !== undefined) {
                clearTimeout(timer);
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
                req.destroy();
                return;
            }
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", (e) => { clearTimeout(timer); reject(e); });
            res.on("end", () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }); });
        });
        if (r.announceLength !== undefined) {
            req.setHeader("Content-Length", String(r.announceLength));
            req.flushHeaders();
        } else if (r.body instanceof Readable) {
            r.body.pipe(req);
        } else {
            req.end(r.body);
        }
    });
}

/** Does a TLS handshake with this SNI complete? */
function handshake(port: number, servername: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
        const tcp = net.connect({ host: "127.0.0.1", port, localAddress: CLIENT_ADDRESS });
        const sock = tls.connect({ socket: tcp, servername, rejectUnauthorized: false });
        const timer = setTimeout(() => { sock.destroy(); reject(new Error(`TLS to ${servername} hung`)); }, 8000);
        sock.once("secureConnect", () => { clearTimeout(timer); sock.destroy(); resolve(true); });
        sock.once("error", () => { clearTimeout(timer); resolve(false); });
        sock.once("close", () => { clearTimeout(timer); resolve(false); });
    });
}

// ---- 1. nginx -t ------------------------------------------------------------------------------------------

describe("nginx -t accepts the rendered load balancer", { timeout: 120_000 }, () => {
    let root = "";
    let pair = { cert: "", key: "" };

    before(() => {
        assert.ok(fs.existsSync(NGINX), `nginx ${NGINX} is missing: ${NGINX_HINT}`);
        root = makeRoot();
        pair = makeCertificate(root);
    });
    after(() => { if (root) fs.rmSync(root, { recursive: true, force: true }); });

    function check(name: string, model: LoadBalancerModel): string {
        installCertificates(root, model.sites, pair);
        const file = path.join(root, `${name}.conf`);
        fs.writeFileSync(file, renderLoadBalancerConf(model, { fileRoot: root }));
        assertNginxAccepts(file);
        return file;
    }

    // Production listen ports throughout: `nginx -t` does not bind them.
    it("with one site", () => {
        check("one", { sites: [site("one")], publicHttpsPort: 443, resolver: "10.96.0.10" });
    });

    it("with tls + forceHttps + cdnCache, and two resolvers", () => {
        check("full", {
            sites: [site("full", { hostnames: ["full.example.com", "www.full.example.com"], tls: true, forceHttps: true, cdnCache: true })],
            publicHttpsPort: 8443,
            resolver: "10.96.0.10 10.96.0.11:53",
        });
    });

    it("without tls", () => {
        check("notls", { sites: [site("a", { cdnCache: true }), site("b", { forceHttps: true })], publicHttpsPort: 443, resolver: "10.96.0.10" });
    });

    it("with many sites, long hostnames and every combination of flags", () => {
        const sites = Array.from({ length: 48 }, (_, i) =>
            site(`s${i}`, {
                hostnames: [`s${i}.example.com`, `www.s${i}.example.com`, `stg-s${i}.example.org`],
                tls: (i & 1) !== 0,
                forceHttps: (i & 2) !== 0,
                cdnCache: (i & 4) !== 0,
                upstreamPort: 3000 + i,
            }),
        );
        // The longest hostname DNS allows, and a 63-character label.
        sites.push(site("long", { hostnames: [("a".repeat(49) + ".").repeat(5) + "abc", "b".repeat(63) + ".example.com"], tls: true, cdnCache: true }));
        check("many", { sites, publicHttpsPort: 443, resolver: "10.96.0.10" });
    });

    it("with no sites", () => {
        check("empty", { sites: [], publicHttpsPort: 443, resolver: "10.96.0.10" });
    });

    it("with a country database: nginx loads the geoip module and reads the real database (and fails without it)", () => {
        const database = requireCountryDatabase();
        // The module as host-nginx.sh builds it (dynamic, in <prefix>/modules), where the image has it.
        const module = path.join(path.dirname(path.dirname(NGINX)), "modules", path.basename(GEOIP_MODULE_PATH));
        fs.mkdirSync(path.dirname(root + GEOIP_MODULE_PATH), { recursive: true });
        fs.copyFileSync(module, root + GEOIP_MODULE_PATH);
        fs.mkdirSync(path.dirname(root + COUNTRY_DATABASE_PATH), { recursive: true });
        fs.copyFileSync(database, root + COUNTRY_DATABASE_PATH);
        const file = check("country", { sites: [site("one", { limits: "appengine" })], publicHttpsPort: 443, resolver: "10.96.0.10", countryLookup: true });
        fs.rmSync(root + COUNTRY_DATABASE_PATH);
        assert.throws(() => assertNginxAccepts(file), /GeoIP_open|geoip/i);
    });

    it("fails the check on a broken configuration (the check itself works)", () => {
        const file = check("broken", { sites: [site("one")], publicHttpsPort: 443, resolver: "10.96.0.10" });
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("keepalive 32;", "keepalive many;"));
        assert.throws(() => assertNginxAccepts(file));
    });
});

// ---- 2. a live load balancer + apps -----------------------------------------------------------------------

describe("a load balancer (clients connect directly, pooled connections to the ready instances) in front of a live app", { timeout: 300_000 }, () => {
    let root = "";
    let root6 = "";
    const nginxes: RunningNginx[] = [];
    const servers: http.Server[] = [];
    let accepted = 0;
    let dns: { port: number; queries: string[]; socket: dgram.Socket } | undefined;
    const seen: Seen[] = [];
    let httpPort = 0, httpsPort = 0, v6Port = 0;
    const TIMEOUT = 3; // proxy timeout here, so the 504 test is quick (production: 60 s, see the unit test)

    const hits = (url: string) => seen.filter((s) => s.url === url).length;
    const echo = (reply: Reply) => JSON.parse(reply.body.toString()) as Record<string, string>;

    before(async () => {
        assert.ok(fs.existsSync(NGINX), `nginx ${NGINX} is missing: ${NGINX_HINT}`);
        root = makeRoot();
        root6 = makeRoot();
        const pair = makeCertificate(root);
        const [appPort, multiPort, flakyPort, ...nginxPorts] = await freePorts(6);
        [httpPort, httpsPort, v6Port] = nginxPorts;

        const app = await startApp("127.0.0.1", appPort, seen);
        app.on("connection", () => accepted++);
        servers.push(app);
        // Two healthy instances behind one name (round robin).
        servers.push(await startApp("127.0.0.2", multiPort, seen), await startApp("127.0.0.3", multiPort, seen));
        // 127.0.0.4: nothing listens (instance gone); .5 healthy; .6 answers 503 (instance stopping).
        servers.push(await startApp("127.0.0.5", flakyPort, seen), await startApp("127.0.0.6", flakyPort, seen, true));

        // Stands in for cluster DNS: each name is the headless Service of an app environment (its ready pods).
        dns = await startDns({
            "plain.app.test": ["127.0.0.1"],
            "app.test": ["127.0.0.1"],
            "multi.app.test": ["127.0.0.2", "127.0.0.3"],
            "flaky.app.test": ["127.0.0.4", "127.0.0.5", "127.0.0.6"],
        });
        const resolver = `127.0.0.1:${dns.port}`;

        const sites: ProxySite[] = [
            site("plain", { hostnames: ["plain.test"], upstreamHost: "plain.app.test", upstreamPort: appPort, tls: true }),
            site("secure", { hostnames: ["secure.test", "www.secure.test"], upstreamHost: "app.test", upstreamPort: appPort, tls: true, forceHttps: true, cdnCache: true }),
            site("multi", { hostnames: ["multi.test"], upstreamHost: "multi.app.test", upstreamPort: multiPort }),
            // A second cdn site: the load balancer's one cache holds both.
            site("cdn2", { hostnames: ["cdn2.test"], upstreamHost: "app.test", upstreamPort: appPort, tls: true, cdnCache: true }),
            site("flaky", { hostnames: ["flaky.test"], upstreamHost: "flaky.app.test", upstreamPort: flakyPort }),
            // App Engine limits, and App Engine's subdomains (any one label under the name).
            site("gae", { hostnames: ["gae.test", "*.gae.test"], upstreamHost: "app.test", upstreamPort: appPort, tls: true, limits: "appengine" }),
            // No instance ready (the name does not resolve): answered at once, not after a timeout.
            site("ghost", { hostnames: ["ghost.test"], upstreamHost: "ghost.app.test", upstreamPort: appPort }),
        ];
        installCertificates(root, sites, pair);
        const file = path.join(root, "lb.conf");
        fs.writeFileSync(file, renderLoadBalancerConf(
            { sites, publicHttpsPort: httpsPort, resolver },
            { fileRoot: root, listenAddress: "127.0.0.1", httpPort, httpsPort, proxyTimeoutSeconds: TIMEOUT },
        ));
        // The same sites on ::1, for a client with an IPv6 address (HTTP only: separate ports and files).
        const file6 = path.join(root6, "lb6.conf");
        fs.writeFileSync(file6, renderLoadBalancerConf(
            { sites: sites.map((s) => ({ ...s, tls: false, forceHttps: false })), publicHttpsPort: httpsPort, resolver },
            { fileRoot: root6, listenAddress: "[::1]", httpPort: v6Port, httpsPort: v6Port + 1, proxyTimeoutSeconds: TIMEOUT },
        ));
        assertNginxAccepts(file);
        assertNginxAccepts(file6);
        // As on Kubernetes: nginx unprivileged from the start (nobody), writing only under its root.
        for (const r of [root, root6]) for (const f of [r, ...fs.readdirSync(r, { recursive: true }).map((p) => path.join(r, String(p)))]) fs.chownSync(f, NOBODY, NOBODY);
        nginxes.push(await startNginx(file, [httpPort, httpsPort], NOBODY));
        nginxes.push(await startNginx(file6, [], NOBODY));
        // nginx resolves pooled upstreams in the background, right after it starts.
        const answers = (r: Req) => request(r).then((reply) => reply.status === 200, () => false);
        for (const [r, n] of [[{ port: httpPort, host: "plain.test", path: "/echo" }, nginxes[0]], [{ address: "::1", from: "::1", port: v6Port, host: "plain.test", path: "/echo" }, nginxes[1]]] as const) {
            for (let i = 0; !(await answers(r)); i++) {
                assert.ok(i < 100, `no 200 within 5 s:\n${n.output()}`);
                await sleep(50);
            }
        }
    });

    after(async () => {
        for (const n of nginxes) await n.stop();
        for (const s of servers) { s.closeAllConnections(); s.close(); }
        dns?.socket.close();
        for (const r of [root, root6]) if (r) fs.rmSync(r, { recursive: true, force: true });
    });

    it("runs as nobody", () => {
        assert.doesNotMatch(nginxes.map((n) => n.output()).join("\n"), /\[(emerg|alert|crit)\]/);
    });

    it("HTTP: the app gets the connection's address and protocol, Host and X-Forwarded-For; forged X-Real-IP and Forwarded are replaced", { timeout: 30_000 }, async () => {
        const r = await request({
            port: httpPort,
            host: `plain.test:${httpPort}`,
            path: "/echo",
            // Forged by the client: replaced, except X-Forwarded-For which is appended to.
            headers: { "x-real-ip": "6.6.6.6", forwarded: "for=6.6.6.6", "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7", "x-appengine-country": "ZZ" },
        });
        assert.equal(r.status, 200);
        const h = echo(r);
        assert.equal(h["x-appengine-country"], undefined, "no country database here: the header is absent, the forged one dropped");
        assert.equal(h["x-real-ip"], CLIENT_ADDRESS);
        assert.equal(h["x-forwarded-proto"], "http");
        assert.equal(h["x-forwarded-for"], `203.0.113.7, ${CLIENT_ADDRESS}`);
        assert.equal(h.forwarded, `for=${CLIENT_ADDRESS};proto=http;host="plain.test:${httpPort}"`);
        assert.equal(h.host, `plain.test:${httpPort}`);
    });

    it("HTTPS (SNI, TLS terminated here): proto https, client address kept", { timeout: 30_000 }, async () => {
        const r = await request({ port: httpsPort, host: "plain.test", path: "/echo", tls: true });
        assert.equal(r.status, 200);
        const h = echo(r);
        assert.equal(h["x-real-ip"], CLIENT_ADDRESS);
        assert.equal(h["x-forwarded-proto"], "https");
        assert.equal(h["x-forwarded-for"], CLIENT_ADDRESS);
        assert.equal(h.forwarded, `for=${CLIENT_ADDRESS};proto=https;host="plain.test"`);
    });

    it("Forwarded brackets and quotes an IPv6 client address (RFC 7239)", { timeout: 30_000 }, async () => {
        const r = await request({ address: "::1", from: "::1", port: v6Port, host: "plain.test", path: "/echo" });
        assert.equal(r.status, 200);
        const h = echo(r);
        assert.equal(h["x-real-ip"], "::1");
        assert.equal(h["x-forwarded-for"], "::1");
        assert.equal(h.forwarded, 'for="[::1]";proto=http;host="plain.test"');
    });

    it("gzips for clients that accept it, and only for them", { timeout: 30_000 }, async () => {
        const gz = await request({ port: httpPort, host: "plain.test", path: "/html", headers: { "accept-encoding": "gzip" } });
        assert.equal(gz.status, 200);
        assert.equal(gz.headers["content-encoding"], "gzip");
        assert.match(String(gz.headers.vary), /Accept-Encoding/i);
        assert.ok(gz.body.length < HTML.length / 5);
        assert.equal(zlib.gunzipSync(gz.body).toString(), HTML);
        const plain = await request({ port: httpPort, host: "plain.test", path: "/html" });
        assert.equal(plain.headers["content-encoding"], undefined);
        assert.equal(plain.body.toString(), HTML);
        const tlsGz = await request({ port: httpsPort, host: "plain.test", path: "/html", tls: true, headers: { "accept-encoding": "gzip" } });
        assert.equal(tlsGz.headers["content-encoding"], "gzip");
    });

    it("never forwards /.well-known/acme-challenge/ (404), not even redirected on a force-HTTPS site", { timeout: 30_000 }, async () => {
        const paths = ["/.well-known/acme-challenge/token1", "/.well-known/acme-challenge/", "//.well-known/acme-challenge/token2", "/%2Ewell-known/acme-challenge/token3"];
        for (const p of paths) {
            assert.equal((await request({ port: httpPort, host: "plain.test", path: p })).status, 404, p);
            assert.equal((await request({ port: httpPort, host: "secure.test", path: p })).status, 404, `secure ${p}`);
            assert.equal((await request({ port: httpsPort, host: "secure.test", path: p, tls: true })).status, 404, `https ${p}`);
        }
        assert.deepEqual(seen.filter((s) => /well-known/i.test(decodeURIComponent(s.url))), []);
        // Only the exact prefix is reserved.
        assert.equal((await request({ port: httpPort, host: "plain.test", path: "/.well-known/other" })).status, 200);
    });

    it("force-HTTPS redirects with 301 to the public HTTPS port, keeping host, path and query", { timeout: 30_000 }, async () => {
        const before = seen.length;
        const r = await request({ port: httpPort, host: "secure.test", path: "/a/b%20c?x=1&y=%2F" });
        assert.equal(r.status, 301);
        assert.equal(r.headers.location, `https://secure.test:${httpsPort}/a/b%20c?x=1&y=%2F`);
        const www = await request({ port: httpPort, host: `www.secure.test:${httpPort}`, path: "/" });
        assert.equal(www.headers.location, `https://www.secure.test:${httpsPort}/`);
        assert.equal(seen.length, before, "redirects are answered by the load balancer");
        // And over HTTPS the same site is served.
        const s = await request({ port: httpsPort, host: "secure.test", path: "/echo", tls: true });
        assert.equal(s.status, 200);
        assert.equal(echo(s)["x-forwarded-proto"], "https");
        // A site without forceHttps is served over plain HTTP.
        assert.equal((await request({ port: httpPort, host: "plain.test", path: "/" })).status, 200);
    });

    it("rejects a body over 100M with 413, without sending it", { timeout: 30_000 }, async () => {
        const r = await request({ port: httpPort, host: "plain.test", path: "/upload-too-big", method: "POST", announceLength: REQUEST_BODY_MAX_BYTES + 1 });
        assert.equal(r.status, 413);
        assert.equal(hits("/upload-too-big"), 0);
    });

    it("passes a body of exactly 100M to the app", { timeout: 120_000 }, async () => {
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        const body = Readable.from((function* () { for (let i = 0; i < REQUEST_BODY_MAX_BYTES / chunk.length; i++) yield chunk; })());
        const r = await request({
            port: httpPort,
            host: "plain.test",
            path: "/upload",
            method: "POST",
            headers: { "content-length": String(REQUEST_BODY_MAX_BYTES) },
            body,
            timeoutMs: 110_000,
        });
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), String(REQUEST_BODY_MAX_BYTES));
    });

    it("limits a header line to 8K (4xx) and the whole header to exactly 64K (431) on HTTP and HTTPS, and passes what fits", { timeout: 30_000 }, async () => {
        for (const [port, tls] of [[httpPort, false], [httpsPort, true]] as const) {
            const line = await request({ port, tls, host: "plain.test", path: "/hdr-line", headers: { "x-big": "a".repeat(9 * 1024) } });
            assert.ok(line.status >= 400 && line.status < 500, `9K header line on ${port}: ${line.status}`);
            const url = await request({ port, tls, host: "plain.test", path: "/hdr-url?" + "a".repeat(9 * 1024) });
            assert.ok(url.status >= 400 && url.status < 500, `9K request line on ${port}: ${url.status}`);
            const tooLarge = await request({ port, tls, host: "plain.test", path: "/hdr-total", headers: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x-fill-${i}`, "a".repeat(8000)])) });
            assert.equal(tooLarge.status, 431, `72K of headers on ${port}`);
        }
        assert.equal(hits("/hdr-line") + hits("/hdr-total") + seen.filter((s) => s.url.startsWith("/hdr-url")).length, 0);
        const fits: http.OutgoingHttpHeaders = { "x-line": "c".repeat(7 * 1024) };
        for (let i = 0; i < 7; i++) fits[`x-part-${i}`] = "d".repeat(8000);
        for (const [port, tls] of [[httpPort, false], [httpsPort, true]] as const) {
            assert.equal((await request({ port, tls, host: "plain.test", path: "/hdr-fits", headers: fits })).status, 200, `63K of headers on ${port}`);
        }
        assert.equal(hits("/hdr-fits"), 2);
    });

    it("answers 504 when the app does not respond within the timeout", { timeout: 30_000 }, async () => {
        const t0 = Date.now();
        const r = await request({ port: httpPort, host: "plain.test", path: "/slow" });
        const elapsed = Date.now() - t0;
        assert.equal(r.status, 504);
        assert.ok(elapsed >= (TIMEOUT - 0.5) * 1000 && elapsed < (TIMEOUT + 4) * 1000, `took ${elapsed} ms`);
        assert.equal(hits("/slow"), 1, "a timed-out request is not replayed on another instance");
    });

    it("limits appengine: a body of exactly 32 MB reaches the app; one byte more is 413 and never sent", { timeout: 60_000 }, async () => {
        const tooLarge = await request({ port: httpPort, host: "gae.test", path: "/gae-upload-too-big", method: "POST", announceLength: APPENGINE_REQUEST_BODY_MAX_BYTES + 1 });
        assert.equal(tooLarge.status, 413);
        assert.equal(hits("/gae-upload-too-big"), 0);
        const r = await request({
            port: httpPort, host: "gae.test", path: "/upload", method: "POST",
            headers: { "content-length": String(APPENGINE_REQUEST_BODY_MAX_BYTES) }, body: Buffer.alloc(APPENGINE_REQUEST_BODY_MAX_BYTES, 0x61), timeoutMs: 50_000,
        });
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), String(APPENGINE_REQUEST_BODY_MAX_BYTES));
    });

    it("limits appengine: a response declaring exactly 32 MB arrives whole; one byte more is a 500 (HTTP and HTTPS)", { timeout: 60_000 }, async () => {
        for (const [port, tls] of [[httpPort, false], [httpsPort, true]] as const) {
            const fits = await request({ port, tls, host: "gae.test", path: `/bytes?n=${APPENGINE_RESPONSE_MAX_BYTES}`, timeoutMs: 50_000 });
            assert.equal(fits.status, 200, `port ${port}`);
            assert.equal(fits.body.length, APPENGINE_RESPONSE_MAX_BYTES);
            const over = await request({ port, tls, host: "gae.test", path: `/bytes?n=${APPENGINE_RESPONSE_MAX_BYTES + 1}`, timeoutMs: 50_000 });
            assert.equal(over.status, 500, `port ${port}`);
            assert.ok(over.body.length < 1024, "the response is not forwarded");
        }
        // Cloud Engine's limits (the default) set no response size.
        const plain = await request({ port: httpPort, host: "plain.test", path: `/bytes?n=${APPENGINE_RESPONSE_MAX_BYTES + 1}`, timeoutMs: 50_000 });
        assert.equal(plain.status, 200);
        assert.equal(plain.body.length, APPENGINE_RESPONSE_MAX_BYTES + 1);
    });

    it("limits appengine: past the deadline the answer is 500, not 504; the app's own 504 is passed on untouched, its X-Accel-Redirect is followed on no site", { timeout: 30_000 }, async () => {
        const before = hits("/slow");
        const t0 = Date.now();
        const late = await request({ port: httpPort, host: "gae.test", path: "/slow" });
        const elapsed = Date.now() - t0;
        assert.equal(late.status, 500);
        assert.ok(elapsed >= (TIMEOUT - 0.5) * 1000 && elapsed < (TIMEOUT + 4) * 1000, `took ${elapsed} ms`);
        assert.equal(hits("/slow") - before, 1, "sent once: neither the hop nor the site's server replays it");
        const own = await request({ port: httpPort, host: "gae.test", path: "/own-504" });
        assert.equal(own.status, 504);
        assert.equal(own.body.toString(), "the app's own 504");
        for (const host of ["gae.test", "plain.test"]) {
            // Not followed on either kind of site (nginx does not pass X-Accel-* headers to clients).
            const accel = await request({ port: httpPort, host, path: "/accel" });
            assert.equal(accel.status, 200, host);
            assert.equal(accel.body.toString(), "not redirected", host);
            assert.equal(accel.headers["x-accel-redirect"], undefined, host);
        }
    });

    it("subdomains: any one-label subdomain reaches the app with the Host it was called with, through the limits hop with the client's address", { timeout: 30_000 }, async () => {
        for (const [port, tls, proto] of [[httpPort, false, "http"], [httpsPort, true, "https"]] as const) {
            for (const host of ["gae.test", "x.gae.test", "shop-2.gae.test"]) {
                const r = await request({ port, tls, host, path: "/echo", headers: { "x-real-ip": "6.6.6.6" } });
                assert.equal(r.status, 200, `${host} on ${port}`);
                const h = echo(r);
                assert.equal(h.host, host);
                assert.equal(h["x-real-ip"], CLIENT_ADDRESS);
                assert.equal(h["x-forwarded-for"], CLIENT_ADDRESS);
                assert.equal(h["x-forwarded-proto"], proto);
                assert.equal(h.forwarded, `for=${CLIENT_ADDRESS};proto=${proto};host="${host}"`);
            }
        }
        // One label only (App Engine: "any string allowed in one part of a domain name"), and only under the name.
        for (const host of ["a.b.gae.test", "xgae.test", "x.plain.test"]) {
            assert.equal((await request({ port: httpPort, host, path: "/echo" })).status, 404, host);
        }
        const gz = await request({ port: httpPort, host: "x.gae.test", path: "/html", headers: { "accept-encoding": "gzip" } });
        assert.equal(gz.headers["content-encoding"], "gzip", "compressed once, by the site's server");
        assert.equal(zlib.gunzipSync(gz.body).toString(), HTML);
    });

    it("spreads requests over every address the instance name resolves to", { timeout: 30_000 }, async () => {
        const instances = new Set<string>();
        for (let i = 0; i < 30; i++) {
            const r = await request({ port: httpPort, host: "multi.test", path: "/rr" });
            assert.equal(r.status, 200);
            instances.add(String(r.headers["x-instance"]));
        }
        assert.deepEqual([...instances].sort(), ["127.0.0.2", "127.0.0.3"]);
    });

    it("skips an instance that is gone or answers 503, so rollouts cost no failed request", { timeout: 30_000 }, async () => {
        for (let i = 0; i < 20; i++) {
            const r = await request({ port: httpPort, host: "flaky.test", path: "/roll" });
            assert.equal(r.status, 200, `request ${i}`);
            assert.equal(r.headers["x-instance"], "127.0.0.5");
        }
        assert.ok(seen.some((s) => s.url === "/roll" && s.instance === "127.0.0.6"), "the 503 instance was tried and skipped");
        // POST is not idempotent: nginx does not replay it, so it may see the 503.
        const posts = await Promise.all(Array.from({ length: 6 }, () => request({ port: httpPort, host: "flaky.test", path: "/roll-post", method: "POST", body: Buffer.from("x") })));
        assert.ok(posts.every((p) => p.status === 200 || p.status === 503 || p.status === 502));
    });

    it("requests reuse pooled connections to the app: 100 requests over fresh client connections, a few app connections", { timeout: 30_000 }, async () => {
        const before = accepted;
        for (let i = 0; i < 25; i++) {
            const replies = await Promise.all([0, 1, 2, 3].map(() => request({ port: httpPort, host: "plain.test", path: "/echo" })));
            assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200]);
        }
        assert.ok(accepted - before <= 8, `the app accepted ${accepted - before} connections for 100 requests`);
    });

    it("caches like the CDN: 2xx GET/HEAD with Last-Modified, honouring Cache-Control; one cache, kept apart by host", { timeout: 30_000 }, async () => {
        const get = (p: string, headers: http.OutgoingHttpHeaders = {}) => request({ port: httpsPort, host: "secure.test", path: p, tls: true, headers });

        const first = await get("/cache/lm");
        const second = await get("/cache/lm");
        assert.equal(first.headers["x-cache-status"], "MISS");
        assert.equal(second.headers["x-cache-status"], "HIT");
        assert.equal(second.body.toString(), "cacheable");
        assert.equal(hits("/cache/lm"), 1);

        for (const p of ["/cache/nolm", "/cache/nocache", "/cache/404"]) {
            await get(p);
            const again = await get(p);
            assert.notEqual(again.headers["x-cache-status"], "HIT", p);
            assert.equal(hits(p), 2, p);
        }
        for (let i = 0; i < 2; i++) await request({ port: httpsPort, host: "secure.test", path: "/cache/lm-post", tls: true, method: "POST", body: Buffer.from("x") });
        assert.equal(hits("/cache/lm-post"), 2, "POST is never answered from the cache");
        for (let i = 0; i < 2; i++) await get("/cache/lm-auth", { authorization: "Bearer t" });
        assert.equal(hits("/cache/lm-auth"), 2, "authorized requests bypass the shared cache");

        // max-age=1: fresh, then stale and revalidated with If-Modified-Since (the app answers 304).
        assert.equal((await get("/cache/maxage1")).headers["x-cache-status"], "MISS");
        assert.equal((await get("/cache/maxage1")).headers["x-cache-status"], "HIT");
        await sleep(2100);
        const revalidated = await get("/cache/maxage1");
        assert.equal(revalidated.headers["x-cache-status"], "REVALIDATED");
        assert.equal(revalidated.body.toString(), "short");
        assert.equal(seen.filter((s) => s.url === "/cache/maxage1").at(-1)?.headers["if-modified-since"], LAST_MODIFIED);
        // The revalidated entry is fresh again.
        assert.equal((await get("/cache/maxage1")).headers["x-cache-status"], "HIT");
        assert.equal(hits("/cache/maxage1"), 2);

        // Two cdn sites share the cache, never each other's entries: the key holds the host (same scheme, same path).
        const hostBody = async (host: string) => {
            const r = await request({ port: httpsPort, host, path: "/cache/host", tls: true });
            return `${r.headers["x-cache-status"]} ${r.body.toString()}`;
        };
        assert.equal(await hostBody("secure.test"), "MISS for secure.test");
        assert.equal(await hostBody("cdn2.test"), "MISS for cdn2.test");
        assert.equal(await hostBody("secure.test"), "HIT for secure.test");
        assert.equal(await hostBody("cdn2.test"), "HIT for cdn2.test");

        // Sites without cdnCache are not cached and carry no X-Cache-Status.
        const plain = await request({ port: httpPort, host: "plain.test", path: "/cache/lm" });
        assert.equal(plain.headers["x-cache-status"], undefined);
    });

    it("unknown hostnames get 404 and invalid ones 400 at once; a site with no ready instance 502 at once; TLS only for names with a certificate", { timeout: 30_000 }, async () => {
        assert.equal((await request({ port: httpPort, host: "nowhere.test", path: "/" })).status, 404);
        for (const bad of ["bad_name.test", "-x.test", "a..test"]) {
            assert.equal((await request({ port: httpPort, host: bad, path: "/" })).status, 400, bad);
        }
        const t0 = Date.now();
        assert.equal((await request({ port: httpPort, host: "ghost.test", path: "/" })).status, 502);
        assert.ok(Date.now() - t0 < 2000, `a site whose name lists no instance answered after ${Date.now() - t0} ms`);
        assert.ok(dns!.queries.includes("ghost.app.test"), "the load balancer asked for the ghost site's instances");
        assert.equal(await handshake(httpsPort, "nowhere.test"), false);
        assert.equal(await handshake(httpsPort, "bad_name.test"), false);
        assert.equal(await handshake(httpsPort, "multi.test"), false, "no certificate for a site without TLS");
        assert.equal(await handshake(httpsPort, "PLAIN.test"), true, "SNI is case-insensitive");
    });

    it("keeps the app's requests free of anything it must not forward, and logs each request", { timeout: 30_000 }, async () => {
        assert.ok(seen.length > 0);
        for (const s of seen) {
            assert.equal(s.headers["x-real-ip"] !== undefined, true, s.url);
            assert.doesNotMatch(s.url, /acme-challenge/);
        }
        // The access log is buffered (flush=1s); nothing alarming in the error log.
        await eventuallyTrue(() => /"plain\.test" "GET \/echo HTTP\/1\.1" 200/.test(nginxes[0].output()), 5_000);
        assert.doesNotMatch(nginxes.map((n) => n.output()).join("\n"), /\[(emerg|alert|crit)\]/);
    });
});

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs`. */
async function eventuallyTrue(check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        assert.ok(Date.now() < deadline, `not true within ${timeoutMs} ms`);
        await sleep(100);
    }
}
