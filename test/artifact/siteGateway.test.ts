// The one-nginx gateway (provider/render/proxy/siteGatewayConf.ts) on the real NGINX 1.28: the main
// configuration with each site in its own included file. Proven here: nginx -t accepts it with no site and
// with every kind of site; live, requests reach each site's app by Host and SNI (TLS ends at this nginx),
// unknown hostnames get 404 / a refused handshake, a site added or removed with a reload disturbs no
// request to another site, and the app accepts a few pooled connections, not one per request.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { ProxySite } from "../../provider/render/proxy/model";
import { gatewaySiteFile, GATEWAY_SITES_DIR, renderGatewaySite, renderSiteGatewayConf, SiteGatewayModel } from "../../provider/render/proxy/siteGatewayConf";
import { UPSTREAM_KEEPALIVE_CONNECTIONS } from "../../provider/render/proxy/limits";
import {
    assertNginxAccepts, freePorts, installCertificates, makeCertificate, makeRoot, NGINX, NGINX_HINT, RunningNginx, site, sleep, startDns, startNginx,
} from "./support/nginxProcess";

/** Writes the gateway's main file and the given sites' files under root; returns the main file's path. */
function writeGateway(root: string, model: SiteGatewayModel, sites: ProxySite[], listenAddress?: string): string {
    fs.mkdirSync(root + GATEWAY_SITES_DIR, { recursive: true });
    for (const s of sites) fs.writeFileSync(root + gatewaySiteFile(s.id), renderGatewaySite(s, model, { fileRoot: root, listenAddress }));
    const conf = path.join(root, "nginx.conf");
    fs.writeFileSync(conf, renderSiteGatewayConf(model, { fileRoot: root, listenAddress }));
    return conf;
}

describe("one-nginx gateway: nginx -t accepts the main file and the sites' files", { timeout: 60_000 }, () => {
    const model: SiteGatewayModel = { resolver: "127.0.0.1:5353", httpPort: 8080, httpsPort: 8443, publicHttpsPort: 443 };
    let pair: { cert: string; key: string };
    before(() => {
        assert.ok(fs.existsSync(NGINX), `nginx ${NGINX} is missing: ${NGINX_HINT}`);
        pair = makeCertificate(makeRoot());
    });

    it("without any site", () => assertNginxAccepts(writeGateway(makeRoot(), model, [])));

    it("with sites of every kind side by side (tls, force-HTTPS, CDN cache)", () => {
        const root = makeRoot();
        const sites = [
            site("plain"),
            site("tls", { tls: true }),
            site("forced", { tls: true, forceHttps: true, hostnames: ["forced.example.com", "www.forced.example.com"] }),
            site("cached", { cdnCache: true, tls: true }),
            site("cached-too", { cdnCache: true }),
        ];
        installCertificates(root, sites, pair);
        assertNginxAccepts(writeGateway(root, model, sites));
    });

    it("a broken site's file fails the check (so a site is only loaded after nginx -t passed)", () => {
        const root = makeRoot();
        const conf = writeGateway(root, model, [site("plain")]);
        fs.writeFileSync(root + gatewaySiteFile("broken"), renderGatewaySite(site("broken"), model, { fileRoot: root }).replace("proxy_pass", "proxy_passs"));
        assert.throws(() => assertNginxAccepts(conf), /unknown directive "proxy_passs"/);
    });

    it("an invalid hostname is refused when the site is rendered, before nginx sees it", () => {
        assert.throws(() => renderGatewaySite(site("x", { hostnames: ["Bad_Host"] }), model), /invalid hostname/);
    });
});

describe("one-nginx gateway in front of live apps", { timeout: 120_000 }, () => {
    let root = "";
    let nginx: RunningNginx | undefined;
    let dns: { socket: { close(): void } } | undefined;
    let model: SiteGatewayModel;
    const apps: http.Server[] = [];
    /** TCP connections each app accepted. */
    const accepted = [0, 0];
    const sites: Record<string, ProxySite> = {};

    /** One GET; `reused`: it went out on a kept-alive connection (which the server may close at any time). */
    const request = (host: string, scheme: "http" | "https" = "http", agent?: http.Agent) =>
        new Promise<{ status: number; body: string; error?: string; reused?: boolean }>((resolve) => {
            const port = scheme === "https" ? model.httpsPort : model.httpPort;
            const options = { host: "127.0.0.1", port, path: "/", headers: { Host: host }, timeout: 5_000, agent };
            const req = scheme === "https"
                ? https.get({ ...options, servername: host, rejectUnauthorized: false })
                : http.get(options);
            req.on("response", (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            });
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", (e) => resolve({ status: 0, body: "", error: e.message, reused: req.reusedSocket }));
        });
    /** nginx -t, then a reload; waits until the new workers serve (the old ones finish their requests). */
    async function reload(conf: string, expect: { host: string; status: number }): Promise<void> {
        assertNginxAccepts(conf);
        process.kill(Number(fs.readFileSync(path.join(root, "tmp", "nginx.pid"), "utf8")), "SIGHUP");
        const deadline = Date.now() + 10_000;
        while ((await request(expect.host)).status !== expect.status) {
            assert.ok(Date.now() < deadline, `after the reload ${expect.host} answers ${expect.status}`);
            await sleep(50);
        }
    }

    before(async () => {
        assert.ok(fs.existsSync(NGINX), `nginx ${NGINX} is missing: ${NGINX_HINT}`);
        root = makeRoot();
        const [httpPort, httpsPort, appPort] = await freePorts(3);
        // Two apps on the same port at their own addresses, as instances are on their network.
        for (const [i, address] of ["127.0.0.2", "127.0.0.3"].entries()) {
            const app = http.createServer((req, res) => res.end(`app${i} ${req.headers.host} ${req.headers["x-forwarded-proto"]}`));
            app.keepAliveTimeout = 30_000;
            app.on("connection", () => accepted[i]++);
            await new Promise<void>((r) => app.listen(appPort, address, () => r()));
            apps.push(app);
        }
        const table = { "one.ready.cloudengine.internal": ["127.0.0.2"], "two.ready.cloudengine.internal": ["127.0.0.3"] };
        const started = await startDns(table);
        dns = started;
        model = { resolver: `127.0.0.1:${started.port}`, httpPort, httpsPort, publicHttpsPort: httpsPort };
        const up = (id: string, over: Partial<ProxySite>) => (sites[id] = site(id, { upstreamPort: appPort, ...over }));
        up("one", { hostnames: ["one.example.com"], upstreamHost: "one.ready.cloudengine.internal" });
        up("two", { hostnames: ["two.example.com", "www.two.example.com"], upstreamHost: "two.ready.cloudengine.internal", tls: true });
        installCertificates(root, Object.values(sites), makeCertificate(root));
        const conf = writeGateway(root, model, Object.values(sites), "127.0.0.1");
        assertNginxAccepts(conf);
        nginx = await startNginx(conf, [httpPort, httpsPort]);
    });
    after(async () => {
        await nginx?.stop();
        dns?.socket.close();
        for (const a of apps) a.closeAllConnections();
        await Promise.all(apps.map((a) => new Promise((r) => a.close(r))));
    });

    it("routes by Host and by SNI; TLS ends here; unknown hostnames get 404 (400 if no hostname) and a refused handshake", async () => {
        assert.deepEqual(await request("one.example.com"), { status: 200, body: "app0 one.example.com http" });
        assert.deepEqual(await request("www.two.example.com"), { status: 200, body: "app1 www.two.example.com http" });
        assert.deepEqual(await request("two.example.com", "https"), { status: 200, body: "app1 two.example.com https" });
        assert.equal((await request("nobody.example.com")).status, 404);
        assert.equal((await request("bad_host!")).status, 400, "a Host that is no hostname");
        const refused = await request("nobody.example.com", "https");
        assert.equal(refused.status, 0);
        assert.match(refused.error ?? "", /alert|handshake|socket hang up|reset/i);
    });

    it("a site added and then removed with a reload: no request to another site fails meanwhile", async (t) => {
        const failures: string[] = [];
        let sent = 0;
        let retried = 0;
        let running = true;
        const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
        const load = (async () => {
            while (running) {
                let r = await request("one.example.com", "http", agent);
                sent++;
                // A reload closes idle kept-alive client connections; a GET that went out on one just as it
                // closed got no answer and is sent again, as HTTP clients do (RFC 9110 section 9.2.2).
                if (r.status === 0 && r.reused) {
                    retried++;
                    r = await request("one.example.com", "http", agent);
                }
                if (r.status !== 200) failures.push(`${r.status} ${r.error ?? r.body.slice(0, 100)}`);
            }
        })();
        try {
            const conf = path.join(root, "nginx.conf");
            const three = site("three", { hostnames: ["three.example.com"], upstreamHost: "two.ready.cloudengine.internal", upstreamPort: sites.two.upstreamPort });
            fs.writeFileSync(root + gatewaySiteFile(three.id), renderGatewaySite(three, model, { fileRoot: root, listenAddress: "127.0.0.1" }));
            await reload(conf, { host: "three.example.com", status: 200 });
            fs.rmSync(root + gatewaySiteFile(three.id));
            await reload(conf, { host: "three.example.com", status: 404 });
        } finally {
            running = false;
            await load;
            agent.destroy();
        }
        t.diagnostic(`${sent} requests during two reloads; ${retried} sent again after their kept-alive connection closed`);
        assert.ok(sent > 20, `requests during the reloads: ${sent}`);
        assert.deepEqual(failures, [], `${failures.length} of ${sent} requests to the other site failed`);
    });

    it("the app accepts a few pooled connections, not one per request (200 requests over fresh client connections)", async () => {
        // After the reloads the new workers have their own pools; count from here.
        const before = accepted[0];
        for (let i = 0; i < 200; i++) assert.equal((await request("one.example.com")).status, 200);
        const opened = accepted[0] - before;
        // One connection per nginx worker and concurrent request at most; the client's 200 connections are not passed on.
        assert.ok(opened <= UPSTREAM_KEEPALIVE_CONNECTIONS, `the app accepted ${opened} connections for 200 requests`);
        assert.ok(opened >= 1);
    });
});
