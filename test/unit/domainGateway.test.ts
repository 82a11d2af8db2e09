import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Domain, EngineApp, EnvGroup, Gateway } from "../../provider";
import * as fs from "node:fs";
import { CONTAINER, DYNAMIC_CERTIFICATE, DYNAMIC_SITE, fixture, IMAGE, isSecret, NETWORK, only, reveal, run, tlsFixture, valueOf } from "../mocks";

describe("Gateway on Docker", () => {
    it("one nginx (with cloudengine-ready) publishing HTTP and HTTPS on the chosen address, on its own network; sites are included", async () => {
        let gw!: Gateway;
        const resources = await run(() => { gw = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort: 8080, httpsPort: 8443, domain: "apps.test" }); }, { stack: "gw" });
        const component = only(resources, "cloudengine:index:Gateway", "edge");
        const container = only(resources, CONTAINER, "edge");
        const network = only(resources, NETWORK, "edge-network");
        assert.equal(container.parent, component.urn);
        assert.equal(network.inputs.name, "proj-gw-edge-gateway");
        assert.deepEqual(container.inputs.ports, [
            { internal: 80, external: 8080, ip: "127.0.0.1", protocol: "tcp" },
            { internal: 443, external: 8443, ip: "127.0.0.1", protocol: "tcp" },
        ]);
        const image = only(resources, IMAGE, "edge-image");
        assert.equal(image.inputs.imageName, "cloudengine/proj-gw-edge-gateway:latest");
        assert.match(fs.readFileSync(image.inputs.build.dockerfile, "utf8"), /^FROM nginx:1\.28-bookworm$/m, "built on the configured nginx image");
        assert.equal(container.inputs.image, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "the gateway runs the image just built");
        assert.deepEqual(container.inputs.entrypoints, ["/cloudengine/ready", "--", "nginx"]);
        assert.ok(container.inputs.envs.includes("CLOUDENGINE_READY_LISTEN=127.0.0.1:53"), "the readiness DNS answers only inside the gateway");
        assert.deepEqual(container.inputs.sysctls, { "net.ipv4.tcp_tw_reuse": "1" }, "bursts beyond the pool and reloads must not run out of ports");
        assert.deepEqual([container.inputs.logDriver, container.inputs.logOpts], ["local", { "max-size": "20m", "max-file": "5" }], "an access log line per request: rotated");
        assert.equal(container.inputs.readOnly, undefined, "Docker refuses uploads into a read-only root");
        assert.deepEqual([container.deleteBeforeReplaceDefined, container.deleteBeforeReplace], [true, true], "host ports can be bound by one container at a time");
        assert.match(container.inputs.uploads[0].content, /include \/etc\/cloudengine\/sites\/\*\.conf;/);
        assert.match(container.inputs.uploads[0].content, /resolver 127\.0\.0\.1:53 /);
        assert.equal(await valueOf(gw.url), "http://apps.test:8080");
        assert.deepEqual(await valueOf(gw.inboundIps), ["127.0.0.1"]);
    });

    it("the default gateway takes its arguments from the stack config cloudengine:gateway", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp") }), {
            config: { "cloudengine:gateway": JSON.stringify({ listenAddress: "127.0.0.1", httpPort: 8080, httpsPort: 8443 }) },
        });
        assert.deepEqual(only(resources, CONTAINER, "cloudengine").inputs.ports.map((p: any) => [p.ip, p.external]), [["127.0.0.1", 8080], ["127.0.0.1", 8443]]);
        await assert.rejects(run(() => new EngineApp("web", { source: fixture("goapp") }), { config: { "cloudengine:gateway": JSON.stringify({ httpPort: 0 }) } }), /Gateway "cloudengine": invalid httpPort: got 0/);
    });

    it("apps use the gateway they are given; its domain and ports shape their URLs", async () => {
        let app!: EngineApp;
        await run(() => {
            const gw = new Gateway("edge", { httpPort: 8000, domain: "apps.test", outboundIps: ["203.0.113.7"] });
            app = new EngineApp("api", { source: fixture("goapp"), gateway: gw });
        });
        assert.equal(await valueOf(app.url), "http://api.apps.test:8000");
        assert.deepEqual(await valueOf(app.outboundIps), ["203.0.113.7"]);
        assert.deepEqual(await valueOf(app.inboundIps), []);
    });
});

describe("Domain on Docker", () => {
    it("a site loaded into the gateway for the hostname, pointing at the ready instances of the app's production environment", async () => {
        let domain!: Domain;
        const resources = await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp") });
            domain = new Domain("www", { hostname: "www.example.com", app, cdn: true });
        });
        const site = only(resources, DYNAMIC_SITE, "www");
        assert.equal(site.parent, only(resources, "cloudengine:index:Domain", "www").urn);
        assert.equal(site.inputs.siteId, "domain-www");
        assert.equal(site.inputs.what, 'Domain "www"');
        const conf = site.inputs.conf as string;
        assert.match(conf, /server_name www\.example\.com;/);
        assert.match(conf, /server production\.web\.app\.cloudengine\.internal\.ready\.cloudengine\.internal:3000 resolve max_fails=0;/);
        assert.match(conf, /keepalive 32;/);
        assert.match(conf, /proxy_cache /);
        assert.equal(site.inputs.certificate, undefined);
        assert.equal(await valueOf(domain.url), "http://www.example.com");
        assert.equal(await valueOf(domain.environment), "production");
    });

    it("limits: a Domain applies its app's (App Engine's here: the limits hop, 32m), and an app's own hostnames too", async () => {
        const resources = await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp"), limits: "appengine" });
            new Domain("www", { hostname: "www.example.com", app });
            new EngineApp("plain", { source: fixture("goapp") });
        });
        for (const name of ["www", "web-production-site"]) {
            const conf = only(resources, DYNAMIC_SITE, name).inputs.conf as string;
            assert.match(conf, /client_max_body_size 32m;/, name);
            assert.match(conf, /listen unix:\/tmp\/cloudengine-limits-[a-z0-9-]+\.sock;/, name);
        }
        assert.doesNotMatch(only(resources, DYNAMIC_SITE, "plain-production-site").inputs.conf, /client_max_body_size|cloudengine-limits/, "Cloud Engine's limits by default");
    });

    it("stg- hostnames go to the staging environment; certificate and key go with the site, the key as a secret; force HTTPS redirects", async () => {
        let domain!: Domain;
        const resources = await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp"), stagingInstances: 1 });
            domain = new Domain("stg", { hostname: "stg-www.example.com", app, forceHttps: true, tls: tlsFixture() });
        });
        const site = only(resources, DYNAMIC_SITE, "stg");
        assert.match(site.inputs.conf, /stage\.web\.app\.cloudengine\.internal\.ready\.cloudengine\.internal/);
        assert.match(site.inputs.conf, /return 301 https:\/\/\$host\$request_uri/);
        assert.match(site.inputs.conf, /ssl_certificate \/etc\/cloudengine\/tls\/domain-stg\.crt;/);
        assert.equal(site.inputs.certificate, tlsFixture().certificate);
        assert.ok(isSecret(site.inputs.privateKey), "the key is a secret input");
        assert.equal(reveal(site.inputs.privateKey), tlsFixture().privateKey);
        assert.deepEqual(site.additionalSecretOutputs, ["privateKey"]);
        assert.equal(await valueOf(domain.url), "https://stg-www.example.com");
        assert.equal(await valueOf(domain.environment), "stage");
    });
});

describe("Domain with a generated certificate", () => {
    it("tls: {} makes a self-signed certificate for the hostname once, its key a secret output", async () => {
        let domain!: Domain;
        const resources = await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp") });
            domain = new Domain("www", { hostname: "www.example.com", app, tls: {}, forceHttps: true });
        });
        const certificate = only(resources, DYNAMIC_CERTIFICATE, "www-certificate");
        assert.equal(certificate.parent, only(resources, "cloudengine:index:Domain", "www").urn);
        assert.equal(certificate.inputs.hostname, "www.example.com");
        assert.deepEqual(certificate.additionalSecretOutputs, ["privateKey"]);
        const site = only(resources, DYNAMIC_SITE, "www");
        assert.deepEqual([site.inputs.certificate, reveal(site.inputs.privateKey)], ["CERT(www.example.com)", "KEY(www.example.com)"]);
        assert.equal(await valueOf(domain.url), "https://www.example.com");
    });
});

describe("EnvGroup", () => {
    it("publishes variables plainly and secrets as a secret; creates no infrastructure", async () => {
        let group!: EnvGroup;
        const resources = await run(() => { group = new EnvGroup("g", { variables: { A: "1" }, secrets: { B: "2" } }); });
        assert.deepEqual(resources.map((r) => r.type), ["cloudengine:index:EnvGroup"]);
        assert.deepEqual(await valueOf(group.variables), { A: "1" });
        assert.deepEqual(await valueOf(group.secrets), { B: "2" });
        assert.equal(await (group.secrets as any).isSecret, true);
        assert.equal(await (group.variables as any).isSecret, false);
        assert.deepEqual(await valueOf(group.names), ["A", "B"]);
    });
});
