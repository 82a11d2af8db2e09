// The Docker gateway as the whole load balancer (provider/platform/docker/siteGateway.ts) and the sites
// loaded into it (gatewaySite.ts), on the real Docker engine through the harness: the gateway image is
// built from the nginx image plus cloudengine-ready, sites are copied in, checked and loaded by the
// package's own resource (its serialized provider, as Pulumi runs it). Instances here are plain nginx
// containers on the gateway's network: one whose readiness port is open and one whose is not, under
// the same alias. Proven: only the ready one gets requests; HTTPS with the site's certificate; a site
// nginx refuses fails the up with nginx's message while every other site keeps serving (a changed site
// keeps its previous version); sites applied side by side; a removed site answers 404.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { buildGatewayModel } from "../../provider/config/models";
import { gatewayArgs } from "../../provider/config/args/gateway";
import { INSTANCE_SERVE_PORT } from "../../provider/config/ports";
import { gatewaySite } from "../../provider/platform/docker/gatewaySite";
import { dockerGateway, readyDnsName, siteGatewayModel } from "../../provider/platform/docker/gateway";
import { ProxySite } from "../../provider/render/proxy/model";
import { renderGatewaySite } from "../../provider/render/proxy/siteGatewayConf";
import { DockerHarness, dockerExec, eventually, httpRequest, prepareE2E, repoRoot } from "./harness";

const ALIAS = "pool.app.test";
const APP_PORT = 3000;
const TLS_DIR = path.join(repoRoot(), "test", "fixtures", "tls");

/** An instance: nginx answering `<name> <Host>` on the app port, and accepting on the readiness port if `ready`. */
function instance(name: string, network: pulumi.Output<string>, ready: boolean): docker.Container {
    const conf = [
        "worker_processes 1;", "pid /tmp/nginx.pid;", "error_log stderr warn;", "events {}",
        "http {", "    access_log off;",
        `    server { listen ${APP_PORT}; location / { return 200 "${name} $host\\n"; } }`,
        ...(ready ? [`    server { listen ${INSTANCE_SERVE_PORT}; return 444; }`] : []),
        "}",
    ].join("\n");
    return new docker.Container(name, {
        image: "nginx:1.28-bookworm",
        entrypoints: ["nginx"],
        command: ["-c", "/etc/instance.conf", "-g", "daemon off;"],
        uploads: [{ file: "/etc/instance.conf", content: conf }],
        networksAdvanced: [{ name: network, aliases: [ALIAS] }],
        destroyGraceSeconds: 1,
    });
}

interface SiteSpec {
    site: ProxySite;
    /** Replaces the rendered configuration (a site nginx refuses). */
    conf?: string;
}

describe("Docker gateway with sites loaded into it", { timeout: 20 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-site-gateway" });
    let httpPort = 0;
    let httpsPort = 0;
    let gatewayName = "";

    const site = (id: string, over: Partial<ProxySite> = {}): ProxySite =>
        ({ id, hostnames: [`${id}.example.test`], upstreamHost: readyDnsName(ALIAS), upstreamPort: APP_PORT, forceHttps: false, tls: false, cdnCache: false, limits: "cloudengine", ...over });
    const program = (sites: SiteSpec[]) => () => {
        const parent = new pulumi.ComponentResource("cloudengine:test:SiteGateway", "under-test");
        const model = buildGatewayModel("gw", gatewayArgs.parse({ httpPort, httpsPort, listenAddress: "127.0.0.1" }), `Gateway "gw"`);
        const { routing } = dockerGateway(parent, model);
        const network = routing.network;
        instance("ready", network, true);
        instance("unready", network, false);
        for (const s of sites) {
            const tls = s.site.tls
                ? { certificate: fs.readFileSync(path.join(TLS_DIR, "example.com.crt"), "utf8"), privateKey: pulumi.secret(fs.readFileSync(path.join(TLS_DIR, "example.com.key"), "utf8")) }
                : {};
            gatewaySite(`site-${s.site.id}`, {
                host: routing.apply((r) => r.sites!.host),
                what: `Site "${s.site.id}"`,
                container: routing.apply((r) => r.sites!.container),
                siteId: s.site.id,
                conf: s.conf ?? renderGatewaySite(s.site, siteGatewayModel(model.httpsPort)),
                ...tls,
            }, { parent });
        }
    };
    const get = (host: string) => httpRequest(`http://127.0.0.1:${httpPort}/`, { host });
    const gatewayContainer = () => harness.docker.getContainer(gatewayName);

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
    });
    after(() => harness.destroy());

    it("builds the gateway (nginx + cloudengine-ready) and serves a site from the ready instance only", { timeout: 10 * 60_000 }, async (t) => {
        await harness.up(program([{ site: site("one") }]));
        gatewayName = harness.containers({ name: "gw" })[0].dockerName;
        const answers = new Map<string, number>();
        const first = await eventually(async () => {
            const r = await get("one.example.test");
            assert.equal(r.status, 200, r.body);
            return r.body;
        });
        assert.equal(first, "ready one.example.test\n");
        for (let i = 0; i < 50; i++) {
            const r = await get("one.example.test");
            answers.set(`${r.status} ${r.body.trim()}`, (answers.get(`${r.status} ${r.body.trim()}`) ?? 0) + 1);
        }
        t.diagnostic(`50 requests: ${[...answers].map(([a, n]) => `${n}× ${a}`).join(", ")}`);
        assert.deepEqual([...answers.keys()], ["200 ready one.example.test"], "the instance whose readiness port is closed gets nothing");
        assert.equal((await get("nobody.example.test")).status, 404);
        const ps = await dockerExec(gatewayContainer(), ["sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"]);
        assert.match(ps.output, /^\/cloudengine\/ready -- nginx -c \/etc\/cloudengine\/nginx.conf -g daemon off;/, "cloudengine-ready is the first process, nginx its child");
    });

    it("HTTPS with the site's own certificate; the key is readable by root only", { timeout: 5 * 60_000 }, async () => {
        await harness.up(program([{ site: site("one") }, { site: site("secure", { hostnames: ["example.com"], tls: true }) }]));
        const cert = await new Promise<X509Certificate>((resolve, reject) => {
            const req = https.get({ host: "127.0.0.1", port: httpsPort, servername: "example.com", headers: { Host: "example.com" }, rejectUnauthorized: false }, (res) => {
                const peer = (res.socket as import("tls").TLSSocket).getPeerX509Certificate();
                res.resume();
                res.on("end", () => (peer ? resolve(peer) : reject(new Error("no certificate"))));
            });
            req.on("error", reject);
        });
        assert.equal(cert.fingerprint256, new X509Certificate(fs.readFileSync(path.join(TLS_DIR, "example.com.crt"))).fingerprint256);
        const mode = await dockerExec(gatewayContainer(), ["stat", "-c", "%a %U", "/etc/cloudengine/tls/secure.key"]);
        assert.equal(mode.output.trim(), "600 root");
    });

    it("a site nginx refuses fails the up with nginx's message; the others keep serving, a changed one its previous version", { timeout: 5 * 60_000 }, async () => {
        const good = [{ site: site("one") }, { site: site("secure", { hostnames: ["example.com"], tls: true }) }];
        const broken = renderGatewaySite(site("broken"), siteGatewayModel(httpsPort)).replace("proxy_pass", "proxy_passs");
        await assert.rejects(harness.up(program([...good, { site: site("broken"), conf: broken }])),
            /Site "broken": the gateway's nginx refused the site's configuration, so it was not loaded \(the other sites keep serving\):\n.*unknown directive "proxy_passs"/);
        assert.equal((await get("one.example.test")).status, 200);
        assert.equal((await get("broken.example.test")).status, 404, "the refused site is not loaded");
        const files = await dockerExec(gatewayContainer(), ["ls", "/etc/cloudengine/sites"]);
        assert.deepEqual(files.output.trim().split(/\s+/).sort(), ["one.conf", "secure.conf"]);

        const changed = renderGatewaySite(site("one"), siteGatewayModel(httpsPort)).replace("proxy_pass", "proxy_passs");
        await assert.rejects(harness.up(program([{ site: site("one"), conf: changed }, good[1]])), /Site "one": the gateway's nginx refused/);
        const r = await get("one.example.test");
        assert.deepEqual([r.status, r.body], [200, "ready one.example.test\n"], "the previous version of the site still serves");
    });

    it("sites applied side by side are all loaded; a removed site answers 404 and the others go on", { timeout: 5 * 60_000 }, async () => {
        const many = ["a", "b", "c", "d"].map((id) => ({ site: site(id) }));
        await harness.up(program([{ site: site("one") }, ...many]));
        for (const id of ["one", "a", "b", "c", "d"]) assert.equal((await get(`${id}.example.test`)).body, `ready ${id}.example.test\n`);
        await harness.up(program([{ site: site("one") }, ...many.slice(0, 2)]));
        for (const id of ["c", "d"]) assert.equal((await get(`${id}.example.test`)).status, 404, `${id} was removed`);
        for (const id of ["one", "a", "b"]) assert.equal((await get(`${id}.example.test`)).status, 200, `${id} stays`);
        const files = await dockerExec(gatewayContainer(), ["ls", "/etc/cloudengine/sites", "/etc/cloudengine/tls"]);
        assert.doesNotMatch(files.output, /secure|c\.conf|d\.conf/, "removed sites leave no file behind");
    });
});
