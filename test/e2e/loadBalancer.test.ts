// The spec's load balancer on the local Docker engine ("Load Balancer and CDN", "Getting the Client IP
// Address", "HTTPS Redirect", "CDN Caching"): the echo app (test/fixtures/echoapp) behind the gateway with
// four Domains (plain HTTP, generated certificate + force-HTTPS, user certificate, CDN), deployed once by
// the e2e harness; then real HTTP/HTTPS clients (node:http, node:https) talk to the gateway on 127.0.0.1
// with real hostnames (DNS lookups are pinned to 127.0.0.1, so Host and SNI are what a browser sends).
//
// What the gateway saw is read from its access log ($remote_addr), so the client-address assertions hold
// whether Docker's userland proxy is on (the gateway sees the bridge's gateway address) or off.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/loadBalancer.test.js
// (about 70 s when the echo app image is cached, 60 s of it the timeout test; its first build adds 1-2 min)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { execFileSync } from "child_process";
import { randomUUID, X509Certificate } from "crypto";
import forwardedParse from "forwarded-parse";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Domain, EngineApp, Gateway } from "../../provider";
import { DockerHarness, eventually, prepareE2E, repoRoot } from "./harness";
import { Echo, fillHead, headSize, keepAliveGets, LoopbackClient, one, Reply, Req } from "../support/httpClient";

const PLAIN = "plain.example.test";
const SECURE = "secure.example.test";
const OWN = "own.example.test";
const CDN = "cdn.example.test";

/** The spec's limits (restated, not imported: the test checks the deployed behaviour against the spec's numbers). */
const BODY_LIMIT = 100 * 1024 * 1024;
const TIMEOUT_SECONDS = 60;

interface AccessLine { remoteAddr: string; host: string; request: string; status: number; upstream: string; cache: string; connection: number; line: string }

/** One line of the gateway's access log (siteConf.ts's log_format), or undefined for other lines. */
function parseAccessLine(line: string): AccessLine | undefined {
    const m = /^(\S+) "([^"]*)" "([^"]*)" (\d{3}) \d+ [\d.]+ "([^"]*)" (\S+) (\S+) (\d+)$/.exec(line);
    return m ? { remoteAddr: m[1], host: m[2], request: m[3], status: Number(m[4]), upstream: m[5], cache: m[7], connection: Number(m[8]), line } : undefined;
}

describe("load balancer: the spec's load balancer behaviour on the local Docker engine", { timeout: 20 * 60_000 }, () => {
    const h = new DockerHarness({ stack: "e2e-lb" });
    const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
    let httpPort = 0;
    let httpsPort = 0;
    let tmp = "";
    let ownCert = "";
    let ownKey = "";
    let deployed = false;

    let web: LoopbackClient;
    const request = (r: Req) => web.request(r);
    const echo = (r: Omit<Req, "path"> & { marker: string }) => web.echo(r);
    const streamBody = (p: string, declared: number, maxSend: number) => web.streamBody(PLAIN, p, declared, maxSend);

    /** The gateway's access log line for the request whose URI contains `marker`: what it saw, and what the app answered. */
    async function accessLine(marker: string): Promise<AccessLine> {
        return eventually(async () => {
            const lines = (await h.logs("edge", 1000)).split("\n");
            for (const line of lines) {
                const seen = parseAccessLine(line);
                if (seen?.request.includes(marker)) return seen;
            }
            throw new Error(`no gateway access log line for ${marker}; last lines:\n${lines.slice(-10).join("\n")}`);
        }, { timeoutMs: 10_000, intervalMs: 200 });
    }

    /** The PEM the package loaded into the gateway with a Domain's site (harness state of its GatewaySite). */
    function deployedCertificate(domain: string): string {
        const certificate = h.outputs("pulumi-nodejs:dynamic/cloudengine:GatewaySite", domain).certificate;
        assert.equal(typeof certificate, "string", `Domain ${domain}'s site carries a certificate`);
        return certificate;
    }

    function containerAddresses(resourceName: string): Promise<string[]> {
        return h.docker.getContainer(h.container(resourceName).id).inspect().then((info) =>
            Object.values(info.NetworkSettings.Networks ?? {}).map((n: any) => n.IPAddress as string).filter(Boolean));
    }

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        web = new LoopbackClient({ http: httpPort, https: httpsPort });

        // A user-supplied certificate, made here with the openssl CLI.
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-e2e-lb-"));
        execFileSync("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-keyout", path.join(tmp, "own.key"), "-out", path.join(tmp, "own.crt"),
            "-subj", `/CN=${OWN}/O=cloudengine e2e user certificate`, "-addext", `subjectAltName=DNS:${OWN}`,
        ], { stdio: "pipe", timeout: 30_000 });
        ownCert = fs.readFileSync(path.join(tmp, "own.crt"), "utf8");
        ownKey = fs.readFileSync(path.join(tmp, "own.key"), "utf8");

        const result = await h.up(() => {
            const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
            const app = new EngineApp("echo", { source, gateway });
            const plain = new Domain("plain", { hostname: PLAIN, app });
            const secure = new Domain("secure", { hostname: SECURE, app, tls: {}, forceHttps: true });
            const own = new Domain("own", { hostname: OWN, app, tls: { certificate: ownCert, privateKey: ownKey } });
            const cdn = new Domain("cdn", { hostname: CDN, app, cdn: true });
            return { app: app.url, plain: plain.url, secure: secure.url, own: own.url, cdn: cdn.url };
        });
        assert.deepEqual(result.outputs, {
            app: `http://echo.localhost:${httpPort}`,
            plain: `http://${PLAIN}:${httpPort}`,
            secure: `https://${SECURE}:${httpsPort}`,
            own: `https://${OWN}:${httpsPort}`,
            cdn: `http://${CDN}:${httpPort}`,
        });
        // Routers find the instance by DNS: wait until every hostname answers through the gateway.
        for (const hostname of [PLAIN, CDN, "echo.localhost"]) {
            await eventually(async () => assert.equal((await request({ hostname, timeoutMs: 5_000 })).status, 200), { timeoutMs: 60_000 });
        }
        for (const hostname of [SECURE, OWN]) {
            await eventually(async () => assert.equal((await request({ scheme: "https", hostname, timeoutMs: 5_000 })).status, 200), { timeoutMs: 60_000 });
        }
        deployed = true;
        process.stderr.write(`[e2e-lb] deployed in ${result.seconds.toFixed(1)}s; gateway http ${httpPort}, https ${httpsPort}\n`);
    });

    after(async () => {
        await h.destroy();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    // ---- Getting the Client IP Address --------------------------------------------------------------

    it("HTTP: X-Real-IP, X-Forwarded-For, Forwarded for= carry exactly the address the gateway saw; proto is http", async (t) => {
        assert.ok(deployed);
        const marker = randomUUID();
        const { echo: e } = await echo({ hostname: PLAIN, marker });
        const seen = await accessLine(marker);
        t.diagnostic(`the gateway saw the client as ${seen.remoteAddr}; the app got X-Real-IP ${JSON.stringify(e.headers["X-Real-Ip"])}`);
        assert.equal(seen.host, PLAIN);
        assert.match(seen.remoteAddr, /^[0-9.]+$|:/, "an IP address");

        assert.equal(one(e, "X-Real-Ip"), seen.remoteAddr, "X-Real-IP is the client address the gateway saw");
        assert.equal(one(e, "X-Forwarded-Proto"), "http");
        assert.equal(one(e, "X-Forwarded-For"), seen.remoteAddr, "X-Forwarded-For: the client address, and nothing the proxies added for themselves");
        const fwd = forwardedParse(one(e, "Forwarded"));
        assert.equal(fwd.length, 1, `one Forwarded element: ${one(e, "Forwarded")}`);
        assert.equal(fwd[0].for, seen.remoteAddr.includes(":") ? `[${seen.remoteAddr}]` : seen.remoteAddr, "Forwarded for=");
        assert.equal(fwd[0].proto, "http", "Forwarded proto=");
        assert.equal(fwd[0].host, `${PLAIN}:${httpPort}`, "Forwarded host= is the Host the client sent");
        assert.equal(e.host, `${PLAIN}:${httpPort}`, "the app sees the client's Host header");

        // The address is the client's, not one of the platform's containers (gateway, instance), while
        // the app's TCP peer is one of those: the client address reaches the app only through these headers.
        const platform = (await Promise.all(h.containers().map((c) => containerAddresses(c.name)))).flat();
        assert.ok(!platform.includes(seen.remoteAddr), `${seen.remoteAddr} is not a platform container's address (${platform.join(", ")})`);
        const peer = e.remoteAddr.replace(/:\d+$/, "");
        assert.ok(platform.includes(peer), `the app's TCP peer ${e.remoteAddr} is a platform container (${platform.join(", ")})`);
        assert.notEqual(peer, seen.remoteAddr);
    });

    it("a client's X-Forwarded-For is kept in front of the client address; X-Real-IP and Forwarded cannot be forged", async () => {
        const marker = randomUUID();
        const { echo: e } = await echo({
            hostname: PLAIN,
            marker,
            headers: { "X-Forwarded-For": "203.0.113.7, 198.51.100.8", "X-Real-IP": "192.0.2.66", Forwarded: "for=192.0.2.66;proto=https" },
        });
        const seen = await accessLine(marker);
        const xff = one(e, "X-Forwarded-For").split(",").map((s) => s.trim());
        assert.deepEqual(xff, ["203.0.113.7", "198.51.100.8", seen.remoteAddr], "client entries first, then the address the gateway saw");
        assert.equal(one(e, "X-Real-Ip"), seen.remoteAddr, "a client's X-Real-IP is overwritten");
        const fwd = forwardedParse(one(e, "Forwarded"));
        assert.deepEqual(fwd.map((f) => [f.for, f.proto]), [[seen.remoteAddr, "http"]], "a client's Forwarded is replaced");
    });

    it("HTTPS (TLS ends at the gateway, chosen by SNI): the app sees proto https and the address the gateway saw", async () => {
        for (const hostname of [SECURE, OWN]) {
            const marker = randomUUID();
            const { echo: e } = await echo({ scheme: "https", hostname, marker });
            const seen = await accessLine(marker);
            assert.equal(seen.host, hostname);
            assert.equal(one(e, "X-Forwarded-Proto"), "https", `${hostname}: X-Forwarded-Proto`);
            assert.equal(one(e, "X-Real-Ip"), seen.remoteAddr, `${hostname}: X-Real-IP is the address the gateway saw`);
            assert.equal(one(e, "X-Forwarded-For"), seen.remoteAddr, `${hostname}: X-Forwarded-For`);
            const fwd = forwardedParse(one(e, "Forwarded"));
            assert.deepEqual(fwd.map((f) => [f.for, f.proto, f.host]), [[seen.remoteAddr, "https", `${hostname}:${httpsPort}`]], `${hostname}: Forwarded`);
        }
    });

    // ---- Compression ----------------------------------------------------------------------------------

    it("gzip: /text is compressed for a client that accepts gzip (and decompresses to the original), not otherwise", async () => {
        const identity = await request({ hostname: PLAIN, path: "/text" });
        assert.equal(identity.status, 200);
        assert.equal(identity.headers["content-encoding"], undefined, "no Content-Encoding without Accept-Encoding");
        assert.match(String(identity.headers["content-type"]), /^text\/plain/);
        assert.ok(identity.body.length > 10_000, `the original is large (${identity.body.length} bytes)`);

        const gz = await request({ hostname: PLAIN, path: "/text", headers: { "Accept-Encoding": "gzip" } });
        assert.equal(gz.status, 200);
        assert.equal(gz.headers["content-encoding"], "gzip");
        assert.match(String(gz.headers.vary), /Accept-Encoding/i);
        assert.ok(gz.body.length < identity.body.length / 5, `compressed: ${gz.body.length} of ${identity.body.length} bytes`);
        assert.equal(zlib.gunzipSync(gz.body).toString(), identity.text, "decompresses to the original");

        const https = await request({ scheme: "https", hostname: SECURE, path: "/text", headers: { "Accept-Encoding": "gzip" } });
        assert.equal(https.headers["content-encoding"], "gzip", "also over HTTPS");
        assert.equal(zlib.gunzipSync(https.body).toString(), identity.text);
    });

    // ---- HTTPS Redirect -------------------------------------------------------------------------------

    it("force-HTTPS: plain HTTP is redirected 301 to https on the gateway's HTTPS port, path and query kept", async () => {
        const r = await request({ hostname: SECURE, path: "/a/b?c=d" });
        assert.equal(r.status, 301, r.text.slice(0, 200));
        assert.equal(r.headers.location, `https://${SECURE}:${httpsPort}/a/b?c=d`);
        // A domain without forceHttps is served over HTTP.
        const own = await request({ hostname: OWN, path: "/" });
        assert.equal(own.status, 200, "own.example.test (tls, no forceHttps) answers HTTP");
        // The redirect target answers (from the app).
        const target = await request({ scheme: "https", hostname: SECURE, path: "/request?c=d" });
        assert.equal(target.status, 200);
    });

    // ---- TLS termination ------------------------------------------------------------------------------

    it("TLS with a generated certificate: SNI secure.example.test gets the self-signed certificate the package made for it", async () => {
        const pem = deployedCertificate("secure");
        // The certificate the package's GeneratedCertificate made (harness state) is the one the gateway got.
        const state = h.outputs("pulumi-nodejs:dynamic/cloudengine:GeneratedCertificate", "secure-certificate");
        assert.equal(state.hostname, SECURE);
        assert.equal(pem, state.certificate, "the gateway's certificate for the site is the generated one in the state");
        const generated = new X509Certificate(pem);
        assert.match(generated.subject, new RegExp(`CN=${SECURE.replace(/\./g, "\\.")}`));
        assert.equal(generated.subjectAltName, `DNS:${SECURE}`);
        assert.equal(generated.issuer, generated.subject, "self-signed: issuer = subject");
        assert.ok(generated.verify(generated.publicKey), "self-signed: signed by its own key");
        assert.ok(generated.checkHost(SECURE), "valid for the hostname");

        // Verified handshake: trusting only that certificate, with hostname checking.
        const r = await request({ scheme: "https", hostname: SECURE, path: "/", ca: pem });
        assert.equal(r.status, 200);
        assert.ok(r.cert, "a peer certificate");
        assert.equal(r.cert.fingerprint256, generated.fingerprint256, "the presented certificate is the generated one");
        assert.equal(r.cert.subject.CN, SECURE);
        assert.equal(r.cert.subjectaltname, `DNS:${SECURE}`);
        assert.equal(r.cert.issuerCertificate.fingerprint256, r.cert.fingerprint256, "self-signed chain of one");
        // A client that trusts something else refuses it.
        await assert.rejects(request({ scheme: "https", hostname: SECURE, ca: ownCert }), /self[- ]signed|unable to verify|certificate/i);
    });

    it("TLS with a user certificate: SNI own.example.test gets exactly the certificate given", async () => {
        const given = new X509Certificate(ownCert);
        assert.equal(new X509Certificate(deployedCertificate("own")).fingerprint256, given.fingerprint256, "uploaded unchanged");
        const r = await request({ scheme: "https", hostname: OWN, path: "/", ca: ownCert });
        assert.equal(r.status, 200);
        assert.equal(r.cert?.fingerprint256, given.fingerprint256, "the presented certificate is the user's");
        assert.equal(r.cert?.subject.O, "cloudengine e2e user certificate");
        // Each SNI name gets its own certificate: the generated one is not shown for own.example.test and vice versa.
        const other = await request({ scheme: "https", hostname: SECURE, path: "/" });
        assert.notEqual(other.cert?.fingerprint256, given.fingerprint256);
    });

    it("TLS: an SNI name without a certificate (HTTP-only domain, unknown name) is refused quickly, not hung", async () => {
        for (const hostname of [PLAIN, "nobody.example.test"]) {
            const t0 = Date.now();
            await assert.rejects(request({ scheme: "https", hostname, timeoutMs: 15_000 }), (err: Error) => {
                assert.doesNotMatch(err.message, /no complete answer|idle for/, `${hostname}: refused, not timed out`);
                return true;
            });
            assert.ok(Date.now() - t0 < 10_000, `${hostname}: refused within 10 s (${Date.now() - t0} ms)`);
        }
    });

    // ---- Reserved path --------------------------------------------------------------------------------

    it("/.well-known/acme-challenge/ is answered 404 by the proxy and never forwarded to the app", async () => {
        const marker = randomUUID();
        // What the app itself answers for an unknown path (Go's http.NotFound), for comparison.
        const appNotFound = await request({ hostname: PLAIN, path: `/not-a-route-${marker}` });
        assert.equal(appNotFound.status, 404);
        assert.equal(appNotFound.text, "404 page not found\n");
        const appLine = await accessLine(`/not-a-route-${marker}`);
        assert.notEqual(appLine.upstream, "-", "the app's 404 came through an upstream");

        for (const [scheme, hostname, router] of [["http", PLAIN, "plain"], ["https", OWN, "own"], ["http", SECURE, "secure"]] as const) {
            const p = `/.well-known/acme-challenge/${marker}-${router}`;
            const r = await request({ scheme, hostname, path: p });
            assert.equal(r.status, 404, `${scheme}://${hostname}${p}: ${r.status} (not forwarded, and not redirected to https either)`);
            assert.notEqual(r.text, appNotFound.text, "not the app's 404 body");
            assert.match(r.text, /<center>nginx<\/center>/, "the proxy's own 404 page");
            const line = await accessLine(p);
            assert.equal(line.status, 404);
            assert.equal(line.upstream, "-", `the gateway contacted no upstream for ${router}: ${line.line}`);
        }
    });

    // ---- Limits -------------------------------------------------------------------------------------

    it("a request body over 100 MB is refused 413 (from the Content-Length, without sending the body); exactly 100 MB is not", { timeout: 120_000 }, async (t) => {
        const overMarker = randomUUID();
        const over = await streamBody(`/request?probe=${overMarker}`, BODY_LIMIT + 1, 8 * 1024 * 1024);
        t.diagnostic(`100 MB + 1: ${over.status} after ${over.sent} bytes sent, ${over.ms} ms`);
        assert.equal(over.status, 413);
        assert.ok(over.ms < 10_000, "refused at once, from the Content-Length");
        const overLine = await accessLine(overMarker);
        assert.equal(overLine.status, 413);
        assert.equal(overLine.upstream, "-", "refused by the gateway: nothing was forwarded");

        // Exactly the limit passes the gateway and reaches the app whole (/upload reads and counts it).
        const atMarker = randomUUID();
        const at = await streamBody(`/upload?probe=${atMarker}`, BODY_LIMIT, BODY_LIMIT);
        t.diagnostic(`exactly 100 MB: ${at.status} after ${at.sent} bytes sent, ${at.ms} ms`);
        assert.equal(at.status, 200, `exactly the limit is accepted: ${at.text}`);
        assert.equal(JSON.parse(at.text).bytes, BODY_LIMIT, "the app received every byte");
        const atGateway = await accessLine(atMarker);
        assert.notEqual(atGateway.upstream, "-", `the gateway forwarded it to the app: ${atGateway.line}`);
    });

    it("request headers: a line over 8 KB and a head over 64 KB are refused 4xx; up to exactly those limits they reach the app", async (t) => {
        // Sizes are exact: Node writes precisely the request line and the headers given (Host and Connection
        // included), so `head` is the request line + header lines + the blank line, as nginx's $request_length.
        const normal = await request({ hostname: PLAIN, path: "/request", headers: { "X-Normal": "ok", Cookie: "a=b" } });
        assert.equal(normal.status, 200, "normal headers");

        for (const [scheme, hostname] of [["http", PLAIN], ["https", OWN]] as const) {
            const port = scheme === "https" ? httpsPort : httpPort;
            const send = async (what: string, headers: Record<string, string>, p = "/request") => {
                const r = await request({ scheme, hostname, path: p, headers: { Host: `${hostname}:${port}`, Connection: "close", ...headers } });
                t.diagnostic(`${scheme} ${what} (${headSize(p, { Host: `${hostname}:${port}`, Connection: "close", ...headers })} B head): ${r.status}`);
                return r;
            };
            const refused = (r: Reply, what: string) => {
                assert.ok(r.status >= 400 && r.status < 500, `${scheme} ${what}: 4xx, got ${r.status}`);
                assert.doesNotMatch(r.text, /^\{/, `${scheme} ${what}: refused by the proxy, not answered by the app`);
            };

            // One line: 8 KiB including its CRLF passes, one byte more does not.
            const atLine = await send("one 8192-byte line", { "X-Long": "a".repeat(8192 - "X-Long: \r\n".length) });
            assert.equal(atLine.status, 200, `${scheme}: a header line of exactly 8 KiB reaches the app`);
            assert.equal((JSON.parse(atLine.text) as Echo).headers["X-Long"][0].length, 8192 - "X-Long: \r\n".length);
            refused(await send("one 8193-byte line", { "X-Long": "a".repeat(8193 - "X-Long: \r\n".length) }), "a 8193-byte header line");
            refused(await send("a 9 KiB URL", {}, `/request?q=${"u".repeat(9 * 1024)}`), "a 9 KiB request line");

            // The whole head: 64 KiB passes, in any line length up to 8 KiB (4097-byte lines are nginx's worst
            // packing: one per 8k buffer); more does not.
            for (const lineBytes of [4097, 3000, 8192]) {
                const at = fillHead(`${hostname}:${port}`, "/request", 64 * 1024, lineBytes);
                const r = await send(`64 KiB head in ${lineBytes}-byte lines`, at);
                assert.equal(r.status, 200, `${scheme}: a 64 KiB head in ${lineBytes}-byte lines is within the spec's limits and reaches the app, got ${r.status}`);
                const got = (JSON.parse(r.text) as Echo).headers;
                for (const [k, v] of Object.entries(at)) if (k.startsWith("X-Fill")) assert.equal(got[k]?.[0], v, `${k} arrived intact`);
            }
            refused(await send("64 KiB + 1 B head", fillHead(`${hostname}:${port}`, "/request", 64 * 1024 + 1, 4097)), "a head of 64 KiB + 1 byte");
            const many: Record<string, string> = {};
            for (let i = 0; i < 20; i++) many[`X-Fill-${i}`] = "b".repeat(4 * 1024);
            refused(await send("20 lines of 4 KiB", many), "20 header lines of 4 KiB (80 KiB)");
        }
    });

    it("a response slower than 60 s is answered 504 by the proxy after about 60 s", { timeout: 100_000 }, async (t) => {
        const marker = randomUUID();
        const r = await request({ hostname: PLAIN, path: `/slow?seconds=65&probe=${marker}`, timeoutMs: 90_000 });
        t.diagnostic(`/slow?seconds=65: ${r.status} after ${(r.ms / 1000).toFixed(1)} s`);
        assert.equal(r.status, 504, r.text.slice(0, 200));
        assert.ok(r.ms >= (TIMEOUT_SECONDS - 1) * 1000 && r.ms < (TIMEOUT_SECONDS + 5) * 1000, `after ${r.ms} ms (spec: ${TIMEOUT_SECONDS} s)`);
        const line = await accessLine(marker);
        assert.equal(line.status, 504, "the gateway timed out waiting for the app");
        assert.notEqual(line.upstream, "-");
    });

    // ---- CDN Caching ----------------------------------------------------------------------------------

    it("CDN: responses with Last-Modified are cached (HIT, same body); without it, with no-cache, or for POST they are not", async () => {
        const k = randomUUID();
        const get = (p: string, method = "GET") => request({ hostname: CDN, path: p, method });

        const first = await get(`/cached?k=${k}`);
        const second = await get(`/cached?k=${k}`);
        assert.equal(first.status, 200);
        assert.ok(first.headers["last-modified"], "the app sets Last-Modified");
        assert.equal(first.headers["x-cache-status"], "MISS");
        assert.equal(second.headers["x-cache-status"], "HIT", "second request served from the cache");
        assert.equal(second.text, first.text, "same body");

        const u1 = await get(`/uncached?k=${k}`);
        const u2 = await get(`/uncached?k=${k}`);
        assert.equal(u1.status, 200);
        assert.notEqual(u2.text, u1.text, "no Last-Modified: not cached");
        assert.notEqual(u2.headers["x-cache-status"], "HIT");

        const nc = `/cached?cache-control=no-cache&k=${k}`;
        const n1 = await get(nc);
        const n2 = await get(nc);
        assert.equal(n1.headers["cache-control"], "no-cache");
        assert.notEqual(n2.text, n1.text, "Cache-Control: no-cache: not served from the cache");
        assert.notEqual(n2.headers["x-cache-status"], "HIT");

        const ma = `/cached?cache-control=max-age%3D3600&k=${k}`;
        const m1 = await get(ma);
        const m2 = await get(ma);
        assert.equal(m2.headers["x-cache-status"], "HIT", "Cache-Control: max-age=3600 is cached");
        assert.equal(m2.text, m1.text);

        const pk = `/cached?post=${k}`;
        const p1 = await get(pk, "POST");
        const p2 = await get(pk, "POST");
        assert.equal(p1.status, 200);
        assert.notEqual(p2.text, p1.text, "POST is not served from the cache");
        assert.notEqual(p2.headers["x-cache-status"], "HIT");
        const afterPost = await get(pk);
        assert.notEqual(afterPost.headers["x-cache-status"], "HIT", "a POST response was not stored for GET");
        assert.notEqual(afterPost.text, p2.text);

        // A domain without cdn never caches.
        const d1 = await request({ hostname: PLAIN, path: `/cached?k=${k}` });
        const d2 = await request({ hostname: PLAIN, path: `/cached?k=${k}` });
        assert.notEqual(d2.text, d1.text, "plain.example.test (no cdn) does not cache");
        assert.equal(d2.headers["x-cache-status"], undefined);
    });

    // ---- Unknown hosts --------------------------------------------------------------------------------

    it("an unknown Host is answered with an error quickly, not a hang; an invalid Host gets 400", async (t) => {
        const unknown = await request({ hostname: "nobody.example.test", path: "/", timeoutMs: 20_000 });
        t.diagnostic(`unknown host: ${unknown.status} in ${unknown.ms} ms`);
        assert.ok(unknown.status >= 400, `an error status: ${unknown.status}`);
        assert.ok(unknown.ms < 10_000, `within 10 s: ${unknown.ms} ms`);

        const invalid = await request({ hostname: PLAIN, path: "/", headers: { Host: "bad_host!" }, timeoutMs: 20_000 });
        assert.equal(invalid.status, 400);
        // The known ones still answer.
        assert.equal((await request({ hostname: PLAIN })).status, 200);
    });
    // ---- Connections on the data path (issue 12) --------------------------------------------------------

    it("no hop connects per request: 2,000 GETs over 8 kept-alive client connections reach the app over a few pooled connections; readiness probes never reach it", { timeout: 120_000 }, async (t) => {
        const CLIENTS = 8;
        const REQUESTS = 2_000;
        const accepted = async () => {
            const reply = await request({ hostname: PLAIN, path: "/connections" });
            assert.equal(reply.status, 200, reply.text);
            return JSON.parse(reply.text).accepted as number;
        };
        // Idle: the gateway's cloudengine-ready connects to the instance's readiness port every 200 ms (15 times in
        // 3 s); none of that may reach the app. What may: init's and Docker's health checks (every 5 s: 2 at most)
        // and the asking request on a gateway worker without a pooled connection yet (2 workers: 2 at most).
        const idleFrom = await accepted();
        await new Promise((r) => setTimeout(r, 3_000));
        const idleGrowth = (await accepted()) - idleFrom;
        assert.ok(idleGrowth <= 4, `the app accepted ${idleGrowth} connections in 3 idle seconds (readiness probes reaching it?)`);

        const marker = randomUUID();
        const from = await accepted();
        const { statuses, clientConnections } = await keepAliveGets(httpPort, PLAIN, marker, CLIENTS, REQUESTS);
        const appConnections = (await accepted()) - from;
        assert.deepEqual([...new Set(statuses)], [200], "every request answered 200");
        assert.ok(clientConnections <= CLIENTS, `${clientConnections} client connections`);

        // The gateway: its access log names the client connection of each request.
        const lines = await eventually(async () => {
            const mine = (await h.logs("edge", 3 * REQUESTS)).split("\n").map(parseAccessLine).filter((l) => l?.request.includes(marker));
            assert.equal(mine.length, REQUESTS, "every request in the gateway's access log");
            return mine as AccessLine[];
        }, { timeoutMs: 15_000, intervalMs: 500 });
        const gatewayConnections = new Set(lines.map((l) => l.connection)).size;
        t.diagnostic(`${REQUESTS} requests: ${clientConnections} client connections, ${gatewayConnections} at the gateway, ${appConnections} to the app; idle: ${idleGrowth} in 3 s`);
        assert.ok(gatewayConnections <= CLIENTS, `the gateway took the requests on ${gatewayConnections} connections (clients used ${clientConnections})`);
        // Pooled: at most one connection per request in flight (CLIENTS), with room for a replaced one each.
        assert.ok(appConnections <= 2 * CLIENTS, `the app accepted ${appConnections} connections for ${REQUESTS} requests`);
    });
});
