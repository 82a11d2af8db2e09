import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Domain, EngineApp } from "../../provider";
import { CONTAINER, DYNAMIC_RELEASE, DYNAMIC_SITE, fixture, only, ofType, Registered, reveal, run, valueOf } from "../mocks";
import { K8S, kubernetesConfig } from "../kubernetesObjects";

// App Engine's versions under mocks: each version runs on its own and answers at its own hostname; the
// default version serves the app's hostnames and Domains, and choosing another changes only that routing.

process.env.CLOUDENGINE_DOCKER_API_VERSION = "1.44";

const SUBDOMAIN = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
/** nginx's server_name for a hostname and any one-label subdomain of it. */
const serverName = (hostname: string) => `server_name ${hostname} "~^${SUBDOMAIN}\\.${hostname.replace(/\./g, "\\.")}$";`;

function envOf(container: Registered): Record<string, string> {
    return Object.fromEntries((reveal(container.inputs.envs) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

const versioned = (defaultVersion: string) => () => {
    const app = new EngineApp("web", { versions: { v1: { source: fixture("goapp") }, v2: { source: fixture("goapp"), instances: 2 } }, defaultVersion });
    new Domain("www", { hostname: "www.example.com", app });
    return app;
};

describe("EngineApp versions on Docker", () => {
    it("each version runs its own instances (LEANCLOUD_VERSION_TAG its name) and answers at <version>.latest.<app>.<domain>", async () => {
        let app!: EngineApp;
        const resources = await run(() => { app = versioned("v2")(); });
        const instances = ofType(resources, CONTAINER).filter((c) => c.inputs.labels?.some((l: any) => l.label === "cloudengine.env"));
        assert.deepEqual(instances.map((c) => c.name).sort(), ["web-v1-production-0", "web-v2-production-0", "web-v2-production-1"]);
        for (const c of instances) {
            const version = c.name.split("-")[1];
            assert.equal(envOf(c).LEANCLOUD_VERSION_TAG, version);
            assert.equal(envOf(c).LEANCLOUD_APP_ID, "web", "one app: the versions share its id");
            assert.equal(envOf(c).LEANCLOUD_APP_ENV, "production");
        }
        for (const version of ["v1", "v2"]) {
            const conf = only(resources, DYNAMIC_SITE, `web-${version}-production-site`).inputs.conf as string;
            assert.ok(conf.includes(serverName(`${version}.latest.web.localhost`)), conf);
            assert.match(conf, new RegExp(`server production\\.web-${version}\\.app\\.cloudengine\\.internal\\.ready\\.cloudengine\\.internal:3000 resolve`));
        }
        assert.deepEqual(await valueOf(app.versionUrls), { v1: "http://v1.latest.web.localhost", v2: "http://v2.latest.web.localhost" });
        assert.equal(await valueOf(app.versionTag), "v2");
        assert.equal(await valueOf(app.instances), 2, "the default version's");
    });

    it("the default version serves <app>.<domain> and its subdomains, loaded once its release is healthy; Domains follow it", async () => {
        let app!: EngineApp;
        const resources = await run(() => { app = versioned("v2")(); });
        const site = only(resources, DYNAMIC_SITE, "web-default-site");
        assert.equal(site.inputs.siteId, "app-web-default");
        assert.ok(site.inputs.conf.includes(serverName("web.localhost")), site.inputs.conf);
        assert.match(site.inputs.conf, /server production\.web-v2\.app\.cloudengine\.internal\.ready\.cloudengine\.internal:3000 resolve/);
        assert.ok(site.dependencies.includes(only(resources, DYNAMIC_RELEASE, "web-v2-production-release").urn));
        // Messages (a release that does not become healthy) name the app and the version, not the unit.
        assert.equal(only(resources, DYNAMIC_RELEASE, "web-v2-production-release").inputs.what, 'EngineApp "web" version v2 (production)');
        assert.match(only(resources, DYNAMIC_SITE, "www").inputs.conf, /server production\.web-v2\.app\.cloudengine\.internal\.ready/);
        assert.equal(await valueOf(app.url), "http://web.localhost");
    });

    it("choosing another default changes only the routing of the app's hostnames and Domains: no instance, image or release changes", async () => {
        const [before, after] = [await run(versioned("v2"), { stack: "switch" }), await run(versioned("v1"), { stack: "switch" })];
        const changed = before
            .filter((r) => r.type !== "cloudengine:index:EngineApp")
            .filter((r) => JSON.stringify(reveal(r.inputs)) !== JSON.stringify(reveal(only(after, r.type, r.name).inputs)))
            .map((r) => r.name);
        assert.deepEqual(changed.sort(), ["web-default-site", "www"]);
        assert.match(only(after, DYNAMIC_SITE, "web-default-site").inputs.conf, /server production\.web-v1\.app/);
    });

    it("one version without defaultVersion is the default; an app without versions has no versionUrls", async () => {
        let one!: EngineApp, plain!: EngineApp;
        const resources = await run(() => {
            one = new EngineApp("one", { versions: { blue: { image: "example/blue:1" } } });
            plain = new EngineApp("plain", { source: fixture("goapp") });
        });
        assert.equal(await valueOf(one.versionTag), "blue");
        assert.match(only(resources, DYNAMIC_SITE, "one-default-site").inputs.conf, /production\.one-blue\.app/);
        assert.equal(await valueOf(plain.versionUrls), undefined);
        assert.equal(ofType(resources, DYNAMIC_SITE).filter((s) => s.name === "plain-default-site").length, 0);
    });
});

describe("EngineApp versions on Kubernetes", () => {
    it("a Deployment and load balancer per version, and one more load balancer for the app's hostnames to the default version's Service", async () => {
        const resources = await run(versioned("v1"), { config: kubernetesConfig() });
        const deployments = ofType(resources, K8S.deployment).map((d) => d.inputs.metadata.name);
        for (const name of ["app-web-v1-production", "app-web-v2-production", "app-web-v1-lb", "app-web-v2-lb", "app-web-default-lb"]) assert.ok(deployments.includes(name), `${name} in ${deployments}`);
        const confOf = (base: string) => ofType(resources, K8S.configMap).find((c) => new RegExp(`^${base}-config-[0-9a-f]{10}$`).test(c.inputs.metadata.name))!.inputs.data["nginx.conf"] as string;
        assert.ok(confOf("app-web-default-lb").includes(serverName("web.localhost")));
        assert.match(confOf("app-web-default-lb"), /server app-web-v1-production-pods\.default\.svc\.cluster\.local:3000 resolve/);
        assert.ok(confOf("app-web-v2-lb").includes(serverName("v2.latest.web.localhost")));
        const v2 = ofType(resources, K8S.deployment).find((d) => d.inputs.metadata.name === "app-web-v2-production")!;
        assert.equal(v2.inputs.spec.replicas, 2);
    });
});
