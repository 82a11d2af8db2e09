import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { checkDistinctCaches } from "../../provider/components/engineApp";
import { CONTAINER, DYNAMIC, DYNAMIC_RELEASE, DYNAMIC_SITE, fixture, IMAGE, isSecret, NETWORK, only, ofType, onRegistration, reveal, run, valueOf } from "../mocks";

const APP = "cloudengine:index:EngineApp";

function envOf(container: { inputs: Record<string, any> }): Record<string, string> {
    return Object.fromEntries((reveal(container.inputs.envs) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

// The engine these programs target accepts a health-check start interval (Docker 25+, API 1.44).
process.env.CLOUDENGINE_DOCKER_API_VERSION = "1.44";

describe("EngineApp on Docker", () => {
    it("builds the image from source and runs one container per instance and environment, all children of the app", async () => {
        let app!: EngineApp;
        const resources = await run(() => {
            app = new EngineApp("web", { source: fixture("goapp"), instances: 3, stagingInstances: 1 });
        });
        const component = only(resources, APP, "web");
        const image = only(resources, IMAGE, "web");
        assert.equal(image.parent, component.urn);
        assert.equal(image.inputs.skipPush, true);
        assert.equal(image.inputs.build.context, fixture("goapp"));
        const dockerfile = fs.readFileSync(image.inputs.build.dockerfile, "utf8");
        assert.match(dockerfile, /^FROM golang:1\.22-bookworm AS install$/m);

        const instances = ofType(resources, CONTAINER).filter((c) => c.parent === component.urn && c.inputs.labels.some((l: any) => l.label === "cloudengine.env"));
        assert.deepEqual(instances.map((c) => c.name).sort(), ["web-production-0", "web-production-1", "web-production-2", "web-stage-0"]);
        for (const c of instances) {
            assert.equal(c.inputs.image, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
            assert.equal(c.inputs.name, undefined, "no fixed name: create-before-delete needs a fresh name per replacement");
            // The Docker provider hints delete-first for containers; only an explicit false overrides it.
            assert.equal(c.deleteBeforeReplaceDefined, true, "deleteBeforeReplace must be set explicitly");
            assert.equal(c.deleteBeforeReplace, false);
        }
        assert.equal(await valueOf(app.instances), 3);
        assert.equal(await valueOf(app.stagingInstances), 1);
        assert.equal(await valueOf(app.url), "http://web.localhost");
        assert.equal(await valueOf(app.stagingUrl), "http://stg-web.localhost");
        assert.equal(await valueOf(app.versionTag), "0123456789ab");
        assert.equal(await valueOf(app.healthCheckPath), "/");
    });

    it("injects the spec's variables, LC_ aliases, REDIS_URL_<NAME>, EnvGroups then own variables", async () => {
        const resources = await run(() => {
            const cache = new LeanCacheInstance("cache", { name: "MYCACHE", password: "pa55word-xyz" });
            const g1 = new EnvGroup("g1", { variables: { SHARED: "from-g1", ONLY_G1: "1" }, secrets: { TOKEN: "t0ken" } });
            const g2 = new EnvGroup("g2", { variables: { SHARED: "from-g2" } });
            new EngineApp("web", {
                source: fixture("goapp"), appId: "myapp", appKey: "key1", masterKey: "master1", region: "US", group: "api",
                port: 8000, versionTag: "v42", timezone: "UTC", caches: [cache], envGroups: [g1, g2],
                variables: { SHARED: "own", OWN: "x" }, stagingInstances: 1,
            });
        });
        const prod = envOf(only(resources, CONTAINER, "web-production-0"));
        assert.equal(prod.LEANCLOUD_APP_ID, "myapp");
        assert.equal(prod.LEANCLOUD_APP_KEY, "key1");
        assert.equal(prod.LEANCLOUD_APP_MASTER_KEY, "master1");
        assert.equal(prod.LEANCLOUD_APP_ENV, "production");
        assert.equal(prod.LEANCLOUD_APP_PORT, "8000");
        assert.equal(prod.LEANCLOUD_API_SERVER, "https://us-api.leancloud.cn");
        assert.equal(prod.LEANCLOUD_APP_GROUP, "api");
        assert.equal(prod.LEANCLOUD_REGION, "US");
        assert.equal(prod.LEANCLOUD_VERSION_TAG, "v42");
        for (const [alias, target] of [["LC_APP_ID", "LEANCLOUD_APP_ID"], ["LC_APP_KEY", "LEANCLOUD_APP_KEY"], ["LC_APP_MASTER_KEY", "LEANCLOUD_APP_MASTER_KEY"], ["LC_APP_ENV", "LEANCLOUD_APP_ENV"], ["LC_APP_PORT", "LEANCLOUD_APP_PORT"], ["LC_API_SERVER", "LEANCLOUD_API_SERVER"]]) {
            assert.equal(prod[alias], prod[target], alias);
        }
        assert.equal(prod.REDIS_URL_MYCACHE, "redis://default:pa55word-xyz@cache.cache.cloudengine.internal:6379");
        assert.equal(prod.TZ, "UTC");
        assert.equal(prod.HOME, "/home/leanengine");
        assert.equal(prod.SHARED, "own", "own variables override groups");
        assert.equal(prod.ONLY_G1, "1");
        assert.equal(prod.TOKEN, "t0ken");
        assert.equal(prod.OWN, "x");
        assert.equal(prod.CLOUDENGINE_HEALTH_PATH, "/");
        assert.equal(prod.CLOUDENGINE_SERVE_PORT, "61000", "Docker: init serves only while healthy");
        assert.equal(prod.CLOUDENGINE_DRAIN_SECONDS, "3", "longer than the gateway takes to notice (a readiness probe, then its cached answer expiring)");
        assert.equal(prod.CLOUDENGINE_STARTUP_TIMEOUT, "30");
        assert.equal(envOf(only(resources, CONTAINER, "web-stage-0")).LEANCLOUD_APP_ENV, "stage");
    });

    it("keeps the environment secret (master key inside) and generates keys when none are given", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp") }));
        const container = only(resources, CONTAINER, "web-production-0");
        assert.ok(isSecret(container.inputs.envs), "envs carry the master key, so they must be a secret");
        const env = envOf(container);
        assert.equal(env.LEANCLOUD_APP_MASTER_KEY, "generated-web-master-key");
        assert.equal(env.LEANCLOUD_APP_KEY, "generated-web-app-key");
        assert.equal(env.LEANCLOUD_APP_ID, "web");
        assert.equal(env.TZ, "Asia/Shanghai");
        assert.equal(env.LEANCLOUD_REGION, "CN");
        assert.equal(env.LEANCLOUD_VERSION_TAG, "0123456789ab");
        const generated = ofType(resources, DYNAMIC);
        assert.deepEqual(generated.map((g) => g.name).sort(), ["web-app-key", "web-master-key"]);
        for (const g of generated) assert.deepEqual(g.additionalSecretOutputs, ["value"]);
    });

    it("health: probes every second while starting, waits up to startupTimeout, then checks regularly", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp"), startupTimeout: 60, cloudFunctions: true }));
        const c = only(resources, CONTAINER, "web-production-0");
        // Durations as the Docker provider reads them back (Go's time.Duration.String()): no diff after up.
        assert.deepEqual(c.inputs.healthcheck, { tests: ["CMD", "/cloudengine/init", "probe"], startPeriod: "1m0s", startInterval: "1s", interval: "5s", timeout: "3s", retries: 3 });
        assert.equal(c.inputs.restart, "unless-stopped");
        // The Release waits for the instances (the provider's wait would fail without a diagnosis)
        // and owns their removal, so a failed, retried up never deletes the serving version.
        assert.equal(c.inputs.wait, false);
        assert.equal(c.inputs.mustRun, false);
        assert.equal(c.retainOnDelete, true);
        const release = only(resources, DYNAMIC_RELEASE, "web-production-release");
        assert.equal(release.parent, only(resources, "cloudengine:index:EngineApp", "web").urn);
        assert.equal(release.inputs.host, "unix:///var/run/docker.sock");
        assert.equal(release.inputs.waitSeconds, 63);
        assert.equal(release.inputs.stopGraceSeconds, 30);
        assert.deepEqual(release.inputs.containers, ["web-production-0-id"]);
        // Every label of the instances except the app ID, which may change between releases.
        assert.deepEqual(release.inputs.select, Object.fromEntries(c.inputs.labels.filter((l: any) => l.label !== "cloudengine.app-id").map((l: any) => [l.label, l.value])));
        assert.equal(release.inputs.select["cloudengine.env"], "production");
        assert.equal(envOf(c).CLOUDENGINE_HEALTH_PATH, "/__engine/1/ping");
        assert.equal(envOf(c).CLOUDENGINE_STARTUP_TIMEOUT, "60");
    });

    it("a Docker host the program cannot reach (ssh://) is an error before anything is deployed, saying how to reach it", async () => {
        process.env.DOCKER_HOST = "ssh://deploy@docker-host.example";
        try {
            const registered: string[] = [];
            const off = onRegistration((r) => registered.push(r.type));
            await assert.rejects(
                run(() => new EngineApp("web", { source: fixture("goapp"), startupTimeout: 60, stagingInstances: 1 })).finally(off),
                /Gateway "cloudengine": the Docker platform releases instances, loads sites into the gateway and applies cache settings through the Docker engine's API, which the program reaches only over unix:\/\/ or plain tcp:\/\/ \(docker:host or DOCKER_HOST is ssh:\/\/deploy@docker-host\.example\)\. For an ssh:\/\/ host, forward its socket/,
            );
            assert.deepEqual(registered.filter((t) => !t.startsWith("cloudengine:index:")), [], "no container, image or network was registered");
        } finally {
            delete process.env.DOCKER_HOST;
        }
    });

    it("one Release per environment, over exactly that environment's instances", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp"), instances: 2, stagingInstances: 1 }));
        assert.deepEqual(ofType(resources, DYNAMIC_RELEASE).map((r) => r.name).sort(), ["web-production-release", "web-stage-release"]);
        assert.deepEqual(only(resources, DYNAMIC_RELEASE, "web-production-release").inputs.containers, ["web-production-0-id", "web-production-1-id"]);
        assert.deepEqual(only(resources, DYNAMIC_RELEASE, "web-stage-release").inputs.containers, ["web-stage-0-id"]);
        assert.equal(only(resources, DYNAMIC_RELEASE, "web-stage-release").inputs.select["cloudengine.env"], "stage");
    });

    it("sandbox: read-only root, 1 GB of tmpfs for /home/leanengine and /tmp, non-root, no privileges, limits", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp"), memory: "512M", cpus: 0.5 }));
        const c = only(resources, CONTAINER, "web-production-0");
        assert.equal(c.inputs.readOnly, true);
        assert.equal(c.inputs.user, "1000:1000");
        assert.deepEqual(c.inputs.securityOpts, ["no-new-privileges:true"]);
        assert.deepEqual(c.inputs.capabilities, { drops: ["ALL"] });
        const mounts = c.inputs.mounts as any[];
        assert.deepEqual(mounts.map((m) => [m.type, m.target, m.tmpfsOptions.mode]), [["tmpfs", "/home/leanengine", 0o1777], ["tmpfs", "/tmp", 0o1777], ["tmpfs", "/dev/shm", 0o1777]]);
        assert.equal(mounts.reduce((sum, m) => sum + m.tmpfsOptions.sizeBytes, 0), 1024 ** 3);
        assert.equal(c.inputs.memory, 512);
        assert.equal(c.inputs.cpus, "0.5");
        assert.equal(c.inputs.logDriver, "json-file");
        assert.equal(c.inputs.destroyGraceSeconds, 30);
    });

    it("joins the stack network (caches) and the gateway's under one DNS name per environment; each default hostname is a site loaded after its release", async () => {
        const resources = await run(() => new EngineApp("web", { source: fixture("goapp"), stagingInstances: 2 }), { stack: "netstack" });
        const net = only(resources, NETWORK, "cloudengine-stack");
        assert.equal(net.inputs.name, "proj-netstack-cloudengine");
        assert.equal(net.parent, "", "the stack network belongs to the stack, not to one app");
        assert.deepEqual(only(resources, CONTAINER, "web-stage-1").inputs.networksAdvanced, [
            { name: "proj-netstack-cloudengine" },
            { name: "proj-netstack-cloudengine-gateway", aliases: ["stage.web.app.cloudengine.internal"] },
        ]);
        for (const [env, hostname] of [["production", "web.localhost"], ["stage", "stg-web.localhost"]]) {
            const site = only(resources, DYNAMIC_SITE, `web-${env}-site`);
            assert.equal(site.parent, only(resources, APP, "web").urn);
            assert.equal(site.inputs.siteId, `app-web-${env}`);
            assert.ok(site.dependencies.includes(only(resources, DYNAMIC_RELEASE, `web-${env}-release`).urn), "loaded once the release is healthy");
            // The hostname and any one-label subdomain of it (App Engine's subdomains).
            const subdomains = `"~^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.${hostname.replace(/\./g, "\\.")}$"`;
            assert.ok(site.inputs.conf.includes(`server_name ${hostname} ${subdomains};`), site.inputs.conf);
            assert.match(site.inputs.conf, new RegExp(`server ${env}\\.web\\.app\\.cloudengine\\.internal\\.ready\\.cloudengine\\.internal:3000 resolve`), "straight to the app's port, ready instances only");
        }
    });

    it("several instances per app, each its own REDIS_URL_<NAME>; one instance attached to several apps reaches each", async () => {
        const resources = await run(() => {
            const sessions = new LeanCacheInstance("sessions", { name: "SESSIONS", password: "pw-sessions-1" });
            const queue = new LeanCacheInstance("queue", { name: "QUEUE", password: "pw-queue-2" });
            new EngineApp("web", { source: fixture("goapp"), caches: [sessions, queue] });
            new EngineApp("worker", { source: fixture("goapp"), caches: [sessions] });
        });
        const web = envOf(only(resources, CONTAINER, "web-production-0"));
        const worker = envOf(only(resources, CONTAINER, "worker-production-0"));
        assert.equal(web.REDIS_URL_SESSIONS, "redis://default:pw-sessions-1@sessions.cache.cloudengine.internal:6379");
        assert.equal(web.REDIS_URL_QUEUE, "redis://default:pw-queue-2@queue.cache.cloudengine.internal:6379");
        assert.equal(worker.REDIS_URL_SESSIONS, web.REDIS_URL_SESSIONS);
        assert.equal(worker.REDIS_URL_QUEUE, undefined);
    });

    it("sharedCaches: another stack's instance (from its outputs) adds REDIS_URL_<NAME>, kept secret, and its network joins the instances'", async () => {
        const url = "redis://default:sh4red-pass@sessions.cache.cloudengine.internal:6379";
        let cache!: LeanCacheInstance;
        const resources = await run(() => {
            // What the other stack exports: its instance's name, url and network outputs.
            cache = new LeanCacheInstance("sessions", { name: "SESSIONS", password: "sh4red-pass" });
            new EngineApp("web", { source: fixture("goapp"), sharedCaches: [{ name: "SESSIONS", url: pulumi.secret(url), network: pulumi.output("shop-prod-cloudengine") }] });
        }, { stack: "sharing" });
        assert.equal(await valueOf(cache.network), "proj-sharing-cloudengine", "an instance's network output is its stack's network");
        const instance = only(resources, CONTAINER, "web-production-0");
        assert.equal(envOf(instance).REDIS_URL_SESSIONS, url);
        assert.equal(isSecret(instance.inputs.envs), true);
        assert.deepEqual(reveal(instance.inputs.networksAdvanced).map((n: { name: string }) => n.name), ["proj-sharing-cloudengine", "proj-sharing-cloudengine-gateway", "shop-prod-cloudengine"]);
    });

    it("sharedCaches: an instance reached at the same host as an attached one is refused (one name, two instances), its URL not shown", () => {
        const label = 'cloudengine:index:EngineApp "web"';
        const own = { name: "OWN", url: "redis://default:a@sessions.cache.cloudengine.internal:6379" };
        assert.throws(() => checkDistinctCaches(label, [own, { name: "THEIRS", url: "redis://default:x@sessions.cache.cloudengine.internal:6379" }]), (err: Error) => {
            assert.equal(err.message.split("\n")[0], `${label}: invalid sharedCaches: got OWN and THEIRS at the same host sessions.cache.cloudengine.internal:6379; allowed: caches at distinct hosts: give one of the LeanCacheInstances another resource name`);
            assert.doesNotMatch(err.message, /default:/);
            return true;
        });
        assert.throws(() => checkDistinctCaches(label, [own, { name: "OWN", url: "redis://default:x@other:6379" }]), /invalid caches: got two caches named OWN/);
        assert.doesNotThrow(() => checkDistinctCaches(label, [own, { name: "THEIRS", url: "redis://default:x@sessions.cache.cloudengine.internal:6380" }]));
    });

    it("a default gateway is created once for all apps", async () => {
        const resources = await run(() => {
            new EngineApp("a", { source: fixture("goapp") });
            new EngineApp("b", { source: fixture("goapp") });
        });
        assert.equal(ofType(resources, "cloudengine:index:Gateway").length, 1);
        assert.equal(resources.filter((r) => r.type === NETWORK).length, 2, "the stack network and the gateway network");
    });

    it("a prebuilt image is wrapped with /cloudengine/init and run through it when run is given", async () => {
        const resources = await run(() => new EngineApp("img", { image: "example/app:1.0", run: "./server --port $LEANCLOUD_APP_PORT" }));
        const image = only(resources, IMAGE, "img");
        const dockerfile = fs.readFileSync(image.inputs.build.dockerfile, "utf8");
        assert.match(dockerfile, /^FROM example\/app:1\.0$/m);
        assert.match(dockerfile, /^COPY --from=cloudengine-init \/cloudengine\/init \/cloudengine\/init$/m);
        assert.match(dockerfile, /^CMD \["sh","-c","\.\/server --port \$LEANCLOUD_APP_PORT"\]$/m);
    });
});
