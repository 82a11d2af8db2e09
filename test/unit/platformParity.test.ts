import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { CONTAINER, fixture, only, Registered, reveal, run, tlsFixture } from "../mocks";
import { K8S, kubernetesConfig, kubernetesObjects, quantityBytes } from "../kubernetesObjects";

// The same program on Docker and on Kubernetes must behave the same: the same environment, the same
// health check (path, interval, start-up budget, restarts), the same limits and sandbox, and the same
// load balancer configuration. Only what is the platform's own may differ, and each difference is named.

function program() {
    const shared = new EnvGroup("shared", { variables: { FEATURE: "on" }, secrets: { TOKEN: "t0ken" } });
    const cache = new LeanCacheInstance("sessions", { name: "SESSIONS" });
    const app = new EngineApp("web", {
        source: fixture("goapp"), instances: 2, stagingInstances: 1, caches: [cache], envGroups: [shared],
        variables: { GREETING: "hi" }, memory: "512M", cpus: 0.5, startupTimeout: 40, cloudFunctions: true, cdn: true,
    });
    new Domain("shop", { app, hostname: "shop.example.com", tls: tlsFixture(), forceHttps: true });
}

async function both(): Promise<{ docker: Registered[]; kubernetes: Registered[] }> {
    return {
        docker: await run(program, { stack: "parity" }),
        kubernetes: await run(program, { stack: "parity", config: kubernetesConfig() }),
    };
}

function dockerEnv(container: Registered): Record<string, string> {
    return Object.fromEntries((reveal(container.inputs.envs) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** By name, or by base name for content-named ConfigMaps and Secrets (<base>-<digest>). */
function k8sObject(resources: Registered[], type: string, name: string): any {
    const found = kubernetesObjects(resources).find((o) => o.type === type && (o.name === name || new RegExp(`^${name}-[0-9a-f]{10}$`).test(o.name)));
    assert.ok(found, `${type} ${name}`);
    return reveal(found.inputs);
}

/** Lines of two configurations that differ (as multisets), after normalizing the given substitutions. */
function differingLines(a: string, b: string): { onlyA: string[]; onlyB: string[] } {
    const count = (text: string) => text.split("\n").reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    const ca = count(a);
    const cb = count(b);
    const onlyA = [...ca].flatMap(([l, n]) => Array(Math.max(0, n - (cb.get(l) ?? 0))).fill(l));
    const onlyB = [...cb].flatMap(([l, n]) => Array(Math.max(0, n - (ca.get(l) ?? 0))).fill(l));
    return { onlyA, onlyB };
}

// The engine these programs target accepts a health-check start interval (Docker 25+, API 1.44).
process.env.CLOUDENGINE_DOCKER_API_VERSION = "1.44";

describe("Docker and Kubernetes agree", () => {
    it("the same environment: names and values, except the hosts caches are reached at, Docker's own gate settings and Kubernetes' termination message", async () => {
        const { docker, kubernetes } = await both();
        for (const env of ["production", "stage"]) {
            const d = dockerEnv(only(docker, CONTAINER, `web-${env}-0`));
            const k = k8sObject(kubernetes, K8S.secret, `app-web-${env}-env`).stringData as Record<string, string>;
            const dockerOnly = Object.keys(d).filter((n) => !(n in k)).sort();
            assert.deepEqual(dockerOnly, ["CLOUDENGINE_DRAIN_SECONDS", "CLOUDENGINE_SERVE_PORT"], "Docker's readiness gate (Kubernetes has readiness probes)");
            assert.deepEqual(Object.keys(k).filter((n) => !(n in d)), ["CLOUDENGINE_TERMINATION_LOG"], "where init writes why it stopped the app, for the pod's status");
            for (const [name, value] of Object.entries(k)) {
                if (name === "CLOUDENGINE_TERMINATION_LOG") continue;
                if (name.startsWith("REDIS_URL_")) {
                    const host = (url: string) => new URL(url).hostname;
                    assert.equal(value.replace(host(value), "HOST"), d[name].replace(host(d[name]), "HOST"), name);
                    assert.equal(host(value), "cache-sessions.default.svc.cluster.local");
                } else {
                    assert.equal(value, d[name], name);
                }
            }
            assert.equal(k.LEANCLOUD_APP_ENV, env);
            assert.equal(k.CLOUDENGINE_HEALTH_PATH, "/__engine/1/ping");
        }
    });

    it("the same health check: command, path, start-up polling and budget, interval, timeout and restarts (the kubelet's a backstop behind init's)", async () => {
        const { docker, kubernetes } = await both();
        const hc = only(docker, CONTAINER, "web-production-0").inputs.healthcheck;
        const c = k8sObject(kubernetes, K8S.deployment, "app-web-production").spec.template.spec.containers[0];
        const seconds = (s: string) => {
            const [, h, m, sec] = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(s)!;
            return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(sec);
        };
        assert.deepEqual(hc.tests, ["CMD", ...c.startupProbe.exec.command]);
        assert.deepEqual(c.livenessProbe.exec.command, c.startupProbe.exec.command);
        assert.equal(seconds(hc.startInterval), c.startupProbe.periodSeconds);
        // The kubelet's probes back /cloudengine/init's own supervision up (same check, same budget): they
        // act a little later, so init stops the app first and says why (the pod's termination message).
        assert.equal(seconds(hc.startPeriod) + 15, c.startupProbe.periodSeconds * c.startupProbe.failureThreshold);
        assert.equal(seconds(hc.startPeriod), 40);
        assert.equal(seconds(hc.interval), c.livenessProbe.periodSeconds);
        assert.equal(seconds(hc.interval), c.readinessProbe.periodSeconds);
        assert.equal(seconds(hc.timeout), c.livenessProbe.timeoutSeconds);
        assert.equal(hc.retries + 1, c.livenessProbe.failureThreshold);
    });

    it("the same limits and sandbox", async () => {
        const { docker, kubernetes } = await both();
        const d = only(docker, CONTAINER, "web-production-0").inputs;
        const pod = k8sObject(kubernetes, K8S.deployment, "app-web-production").spec.template.spec;
        const c = pod.containers[0];
        assert.equal(d.memory * 1024 * 1024, quantityBytes(c.resources.limits.memory));
        assert.equal(Number(d.cpus) * 1000, Number(c.resources.limits.cpu.replace(/m$/, "")));
        assert.equal(d.readOnly, c.securityContext.readOnlyRootFilesystem);
        assert.equal(d.user, `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`);
        assert.deepEqual(d.capabilities.drops, c.securityContext.capabilities.drop);
        assert.deepEqual(d.securityOpts, ["no-new-privileges:true"]);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        const dockerMounts = Object.fromEntries(d.mounts.map((m: any) => [m.target, m.tmpfsOptions.sizeBytes]));
        const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, quantityBytes(v.emptyDir.sizeLimit)]));
        const k8sMounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, volumes[m.name]]));
        assert.deepEqual(k8sMounts, dockerMounts);
    });

    it("the same load balancer configuration; only addresses, ports and site names differ, and the gateway is ready for any site", async () => {
        const { docker, kubernetes } = await both();
        const gateway = reveal(only(docker, CONTAINER, "cloudengine").inputs.uploads)[0].content as string;
        for (const [dockerSites, k8sName] of [[["web-production-site", "web-stage-site"], "app-web-lb-config"], [["shop"], "domain-shop-lb-config"]] as const) {
            // Docker: the gateway's file with the sites it includes; Kubernetes: one file per load balancer.
            const sites = dockerSites.map((name) => only(docker, "pulumi-nodejs:dynamic/cloudengine:GatewaySite", name).inputs.conf as string).join("\n");
            const d = gateway.replace(/^ *include \/etc\/cloudengine\/sites\/\*\.conf;$/m, sites);
            const k = k8sObject(kubernetes, K8S.configMap, k8sName).data["nginx.conf"] as string;
            const normalized = d
                .replace(/app-web-/g, "web-").replace(/app_web_/g, "web_").replace(/domain-shop/g, "shop").replace(/domain_shop/g, "shop")
                .replace(/resolver 127\.0\.0\.1:53 /g, "resolver kube-dns.kube-system.svc.cluster.local ")
                .replace(/(production|stage)\.web\.app\.cloudengine\.internal\.ready\.cloudengine\.internal:3000/g, "app-web-$1-pods.default.svc.cluster.local:3000")
                .replace(/listen 80( |;)/g, "listen 8080$1").replace(/listen 443 /g, "listen 8443 ");
            // Sites' files are included at http level, so their lines are indented less: compare trimmed lines.
            const unindented = (text: string) => text.split("\n").map((l) => l.trim()).join("\n");
            const { onlyA: dockerOnly, onlyB: k8sOnly } = differingLines(unindented(normalized), unindented(k));
            const trimmed = (lines: string[]) => lines.map((l) => l.trim()).filter((l) => l !== "").sort();
            // The gateway carries TLS session settings, the CDN cache and its maps and the HTTPS default server
            // whether or not a site needs them: sites come and go without touching it.
            const gatewayOnly = /^(# .*|proxy_cache_path \/tmp\/nginx-cdn-cache .*|ssl_protocols .*|ssl_prefer_server_ciphers off;|ssl_session_(cache|timeout|tickets) .*|map \$upstream_http_last_modified \$cloudengine_no_last_modified \{|map \$upstream_status \$cloudengine_not_2xx \{|"" 1;|"~\(\?:\^\|\[ ,:\]\)2\[0-9\]\[0-9\]\$" 0;|default [01];|\}|server \{|listen 8443 ssl default_server;|server_name _;|ssl_reject_handshake on;|return 404;)$/;
            for (const line of trimmed(dockerOnly)) assert.match(line, gatewayOnly, `${dockerSites.join(", ")}: only on Docker: ${line}`);
            for (const line of trimmed(k8sOnly)) assert.match(line, /^# .*$/, `${k8sName}: only on Kubernetes: ${line}`);
            if (k8sName === "app-web-lb-config") assert.ok(trimmed(dockerOnly).includes("ssl_reject_handshake on;"), "the comparison saw the gateway's own lines");
        }
    });
});
