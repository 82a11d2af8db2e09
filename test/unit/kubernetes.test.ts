import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { SANDBOX_TOTAL_BYTES } from "../../provider/config/spec";
import { DYNAMIC, DYNAMIC_CACHE_NODES, DYNAMIC_VOLUME_SIZE, fixture, IMAGE, isSecret, only, ofType, Registered, reveal, run, tlsFixture, valueOf } from "../mocks";
import { K8S, kubernetesConfig, kubernetesObjects, quantityBytes } from "../kubernetesObjects";

const DNS1035 = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
const DIGEST = "registry.example.com/team/web@sha256:" + "ab".repeat(32);

function byName(resources: Registered[], type: string, name: string): Registered {
    const found = ofType(resources, type).filter((r) => r.inputs.metadata?.name === name);
    assert.equal(found.length, 1, `one ${type} named ${name}; have ${ofType(resources, type).map((r) => r.inputs.metadata?.name).join(", ")}`);
    return found[0];
}

/** A content-named ConfigMap or Secret: <base>-<10 hex digits of its content's digest>. */
function byBase(resources: Registered[], type: string, base: string): Registered {
    const found = ofType(resources, type).filter((r) => new RegExp(`^${base}-[0-9a-f]{10}$`).test(r.inputs.metadata?.name));
    assert.equal(found.length, 1, `one ${type} named ${base}-<digest>; have ${ofType(resources, type).map((r) => r.inputs.metadata?.name).join(", ")}`);
    assert.equal(found[0].inputs.immutable, true, `${found[0].inputs.metadata.name} is immutable`);
    return found[0];
}

function appContainer(deployment: Registered): any {
    return deployment.inputs.spec.template.spec.containers[0];
}

describe("EngineApp on Kubernetes", () => {
    it("scaling: a HorizontalPodAutoscaler on CPU owns the production count (no replicas in the Deployment); staging stays fixed", async () => {
        const resources = await run(() => new EngineApp("web", { engineImage: DIGEST, cpus: 0.5, stagingInstances: 1, scaling: { min: 2, max: 6, targetCpu: 60, scaleDownDelaySeconds: 30 } }), { config: kubernetesConfig() });
        const hpa = byName(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-web-production");
        assert.deepEqual(hpa.inputs.spec, {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "app-web-production" },
            minReplicas: 2,
            maxReplicas: 6,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
            behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
        });
        const production = byName(resources, K8S.deployment, "app-web-production");
        assert.equal(production.inputs.spec.replicas, undefined, "an update never resets the autoscaler's count");
        assert.deepEqual(production.inputs.spec.template.spec.containers[0].resources.requests, { cpu: "500m" }, "utilization is of the requests");
        assert.equal(byName(resources, K8S.deployment, "app-web-stage").inputs.spec.replicas, 1);
        assert.equal(ofType(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 1);
        // Without scaling: the fixed count, no autoscaler.
        const fixed = await run(() => new EngineApp("web", { engineImage: DIGEST, instances: 3 }), { config: kubernetesConfig() });
        assert.equal(byName(fixed, K8S.deployment, "app-web-production").inputs.spec.replicas, 3);
        assert.equal(ofType(fixed, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 0);
    });

    it("a Deployment per environment that never drops below its instances, with the spec's probes", async () => {
        let app!: EngineApp;
        const resources = await run(() => { app = new EngineApp("web", { engineImage: DIGEST, instances: 3, stagingInstances: 1, startupTimeout: 45 }); }, { config: kubernetesConfig() });
        const component = only(resources, "cloudengine:index:EngineApp", "web");
        const production = byName(resources, K8S.deployment, "app-web-production");
        const stage = byName(resources, K8S.deployment, "app-web-stage");
        assert.equal(production.parent, component.urn);
        assert.equal(production.inputs.spec.replicas, 3);
        assert.equal(stage.inputs.spec.replicas, 1);
        assert.deepEqual(production.inputs.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "100%" } }, "every new instance at once, the old ones until the new are ready");
        // A version that never becomes ready fails the update after its startup timeout plus a bounded margin.
        assert.equal(production.inputs.spec.progressDeadlineSeconds, 45 + 90);
        assert.equal(production.inputs.metadata.annotations["pulumi.com/timeoutSeconds"], String(45 + 90));
        const c = appContainer(production);
        assert.equal(c.image, DIGEST);
        assert.equal(c.imagePullPolicy, "IfNotPresent");
        assert.deepEqual(c.startupProbe.exec.command, ["/cloudengine/init", "probe"]);
        assert.equal(c.startupProbe.periodSeconds, 1, "checks the app every second while it starts");
        assert.equal(c.startupProbe.failureThreshold, 45 + 15, "for startupTimeout seconds, and a backstop of 15 behind /cloudengine/init's own stop");
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
            assert.deepEqual(probe.exec.command, c.startupProbe.exec.command, "one definition of healthy");
            assert.equal(probe.periodSeconds, 5);
        }
        assert.equal(c.livenessProbe.failureThreshold, 3 + 1, "/cloudengine/init restarts the app after three failed checks; the kubelet after one more");
        assert.deepEqual([c.terminationMessagePath, c.terminationMessagePolicy], ["/dev/termination-log", "File"], "why init stopped the app ends up in the pod's status");
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]);
        assert.equal(no(ofType(resources, IMAGE)), true, "an engineImage is not built");
        assert.equal(await valueOf(app.versionTag), "abababababab", "the version tag of an engineImage is its digest");
    });

    it("the sandbox: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, 1 GiB of emptyDir", async () => {
        const resources = await run(() => new EngineApp("web", { engineImage: DIGEST }), { config: kubernetesConfig() });
        const pod = byName(resources, K8S.deployment, "app-web-production").inputs.spec.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(c.securityContext, { runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
        assert.deepEqual(Object.keys(mounts).sort(), ["/dev/shm", "/home/leanengine", "/tmp"]);
        const sizes = pod.volumes.map((v: any) => quantityBytes(v.emptyDir.sizeLimit));
        assert.equal(sizes.reduce((a: number, b: number) => a + b, 0), SANDBOX_TOTAL_BYTES, "the writable paths together hold 1 GiB");
        assert.equal(pod.volumes.find((v: any) => v.name === mounts["/dev/shm"]).emptyDir.medium, "Memory");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.enableServiceLinks, false, "the environment is only what the platform injects");
    });

    it("limits become requests and limits; a Service per environment; a PodDisruptionBudget only with several instances", async () => {
        const resources = await run(() => new EngineApp("web", { engineImage: DIGEST, instances: 2, stagingInstances: 1, memory: "512M", cpus: 0.5 }), { config: kubernetesConfig() });
        const c = appContainer(byName(resources, K8S.deployment, "app-web-production"));
        assert.deepEqual(c.resources, { limits: { memory: "512Mi", cpu: "500m" }, requests: { memory: "512Mi", cpu: "500m" } });
        const service = byName(resources, K8S.service, "app-web-production-pods");
        assert.equal(service.inputs.spec.clusterIP, "None", "headless: its DNS name lists the ready pods, which the load balancer pools connections to");
        assert.equal(service.inputs.spec.publishNotReadyAddresses, undefined, "only ready pods are listed");
        assert.deepEqual(service.inputs.spec.selector, byName(resources, K8S.deployment, "app-web-production").inputs.spec.selector.matchLabels);
        assert.deepEqual(service.inputs.spec.ports, [{ name: "http", port: 3000, targetPort: "http", protocol: "TCP" }]);
        const pdbs = ofType(resources, K8S.pdb);
        assert.deepEqual(pdbs.map((p) => p.inputs.metadata.name), ["app-web-production"], "stage has one instance: no budget");
        assert.equal(pdbs[0].inputs.spec.maxUnavailable, 1);
    });

    it("the environment comes from a Secret: every value a secret, never in the Deployment", async () => {
        const resources = await run(() => {
            const shared = new EnvGroup("shared", { variables: { FEATURE: "on" }, secrets: { PAYMENT_TOKEN: "tok-123" } });
            const cache = new LeanCacheInstance("sessions", { name: "SESSIONS" });
            new EngineApp("web", { engineImage: DIGEST, envGroups: [shared], caches: [cache], variables: { GREETING: "hi" } });
        }, { config: kubernetesConfig({ namespace: "apps" }) });
        const secret = byBase(resources, K8S.secret, "app-web-production-env");
        assert.equal(isSecret(secret.inputs.stringData), true);
        const env = reveal(secret.inputs.stringData) as Record<string, string>;
        assert.equal(env.GREETING, "hi");
        assert.equal(env.FEATURE, "on");
        assert.equal(env.PAYMENT_TOKEN, "tok-123");
        assert.equal(env.LEANCLOUD_APP_ENV, "production");
        assert.equal(env.LEANCLOUD_APP_MASTER_KEY, "generated-web-master-key");
        assert.equal(env.REDIS_URL_SESSIONS, "redis://default:generated-sessions-password@cache-sessions.apps.svc.cluster.local:6379");
        assert.equal(env.CLOUDENGINE_TERMINATION_LOG, "/dev/termination-log", "init writes why it stopped the app where the pod's status reads it");
        const deployment = byName(resources, K8S.deployment, "app-web-production");
        assert.deepEqual(appContainer(deployment).envFrom, [{ secretRef: { name: secret.inputs.metadata.name } }]);
        assert.equal(appContainer(deployment).env, undefined);
        assert.ok(deployment.dependencies.includes(secret.urn), "the Deployment waits for its Secret");
        const text = JSON.stringify(resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== K8S.secret).map((r) => r.inputs));
        for (const plain of ["tok-123", "generated-web-master-key", "generated-sessions-password"]) {
            assert.equal(text.includes(plain), false, `${plain} appears outside a Secret`);
        }
        for (const s of ofType(resources, K8S.secret)) {
            assert.equal(isSecret(s.inputs.stringData), true, `${s.inputs.metadata.name}: stringData must be a Pulumi secret`);
        }
    });

    it("a source build is pushed to the registry and run by digest; without a registry it stays local and is never pulled", async () => {
        const pushed = await run(() => new EngineApp("web", { source: fixture("goapp") }), { config: kubernetesConfig({ imageRegistry: "registry.example.com/team" }) });
        const image = only(pushed, IMAGE, "web");
        assert.equal(image.inputs.imageName, "registry.example.com/team/app-web:latest");
        assert.equal(image.inputs.skipPush, false);
        assert.equal(appContainer(byName(pushed, K8S.deployment, "app-web-production")).image, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

        const local = await run(() => new EngineApp("web", { source: fixture("goapp") }), { config: kubernetesConfig() });
        assert.equal(only(local, IMAGE, "web").inputs.skipPush, true);
        const c = appContainer(byName(local, K8S.deployment, "app-web-production"));
        assert.deepEqual([c.image, c.imagePullPolicy], ["cloudengine/app-web:latest", "Never"]);
    });

    it("changing one variable: a new Secret for that app, and its Deployment rolls onto it; nothing else changes", async () => {
        const program = (greeting: string) => () => {
            new EngineApp("web", { engineImage: DIGEST, variables: { GREETING: greeting } });
            new EngineApp("api", { engineImage: DIGEST });
        };
        const before = await run(program("hi"), { config: kubernetesConfig(), stack: "same" });
        const after = await run(program("hello"), { config: kubernetesConfig(), stack: "same", preview: true });
        const key = (r: Registered) => `${r.type} ${r.name}`;
        const changed = after.filter((r) => r.type.startsWith("kubernetes:")).filter((r) => {
            const old = before.find((b) => key(b) === key(r));
            return JSON.stringify(reveal(old?.inputs)) !== JSON.stringify(reveal(r.inputs));
        });
        assert.deepEqual(changed.map(key).sort(), [`${K8S.deployment} web-production`, `${K8S.secret} web-production-env`]);
        const [oldSecret, newSecret] = [before, after].map((rs) => byBase(rs, K8S.secret, "app-web-production-env"));
        assert.notEqual(newSecret.inputs.metadata.name, oldSecret.inputs.metadata.name, "a new Secret: created before the old one goes");
        const [oldDeployment, newDeployment] = [before, after].map((rs) => byName(rs, K8S.deployment, "app-web-production"));
        assert.deepEqual(newDeployment.inputs.spec.selector, oldDeployment.inputs.spec.selector, "the selector (immutable) stays: an update, not a replacement");
        assert.deepEqual(appContainer(newDeployment).envFrom, [{ secretRef: { name: newSecret.inputs.metadata.name } }], "known in the preview");
    });
});

describe("load balancers on Kubernetes", () => {
    it("the Docker router's nginx configuration, as a Deployment behind a LoadBalancer Service that keeps client addresses", async () => {
        let app!: EngineApp;
        const resources = await run(() => { app = new EngineApp("web", { engineImage: DIGEST, stagingInstances: 1 }); }, { config: kubernetesConfig({ namespace: "apps" }) });
        const conf = byBase(resources, K8S.configMap, "app-web-lb-config").inputs.data["nginx.conf"] as string;
        assert.match(conf, /server_name web\.localhost "~\^\S+\\\.web\\\.localhost\$";/);
        assert.match(conf, /server_name stg-web\.localhost "~\^\S+\\\.stg-web\\\.localhost\$";/);
        // A pool of connections to the ready pods, following the headless Service's name.
        assert.match(conf, /upstream cloudengine_site_web_production \{\n\s+zone cloudengine_site_web_production 64k;\n\s+server app-web-production-pods\.apps\.svc\.cluster\.local:3000 resolve max_fails=0;\n\s+keepalive 32;/);
        assert.match(conf, /location \/ \{\n\s+proxy_pass http:\/\/cloudengine_site_web_production;/);
        assert.match(conf, /proxy_set_header Connection \$cloudengine_upstream_connection;/);
        assert.doesNotMatch(conf, /\$cloudengine_upstream\b/, "no per-request resolution");
        assert.match(conf, /resolver kube-dns\.kube-system\.svc\.cluster\.local valid=1s ipv6=off;/);
        assert.doesNotMatch(conf, /set_real_ip_from|proxy_protocol/, "clients connect directly: nothing forwarded is trusted");
        const deployment = byName(resources, K8S.deployment, "app-web-lb");
        assert.equal(deployment.inputs.spec.replicas, 2);
        assert.equal(deployment.inputs.spec.strategy.rollingUpdate.maxUnavailable, 0);
        const c = appContainer(deployment);
        assert.deepEqual([c.image, c.command, c.args], ["nginx:1.28-bookworm", ["nginx"], ["-c", "/etc/cloudengine/nginx.conf", "-g", "daemon off;"]]);
        assert.deepEqual(c.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }, "unprivileged: the restricted Pod Security Standard");
        const service = byName(resources, K8S.service, "app-web-lb");
        assert.deepEqual([service.inputs.spec.type, service.inputs.spec.externalTrafficPolicy], ["LoadBalancer", "Local"]);
        assert.deepEqual(service.inputs.metadata.annotations, { "pulumi.com/timeoutSeconds": "300" }, "the wait for an address is bounded");
        assert.deepEqual(service.inputs.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        assert.deepEqual(await valueOf(app.inboundIps), [], "no address until the cluster assigns one");
        assert.equal(no(ofType(resources, K8S.ingress)), true);
    });

    it("the wait for a LoadBalancer's address follows loadBalancerTimeout", async () => {
        const resources = await run(() => new EngineApp("web", { engineImage: DIGEST }), { config: kubernetesConfig({ loadBalancerTimeout: 45 }) });
        assert.deepEqual(byName(resources, K8S.service, "app-web-lb").inputs.metadata.annotations, { "pulumi.com/timeoutSeconds": "45" });
    });

    it("NodePort for clusters without load balancers: inboundIps are the gateway's (the nodes' addresses); an Ingress per hostname when a controller is named", async () => {
        let app!: EngineApp;
        let domain!: Domain;
        const resources = await run(() => {
            app = new EngineApp("web", { engineImage: DIGEST });
            domain = new Domain("shop", { app, hostname: "shop.example.com" });
        }, { config: kubernetesConfig({ serviceType: "NodePort", ingressClassName: "nginx" }, { "cloudengine:gateway": JSON.stringify({ inboundIps: ["203.0.113.7", "203.0.113.8"] }) }) });
        const service = byName(resources, K8S.service, "app-web-lb");
        assert.equal(service.inputs.spec.type, "NodePort");
        assert.equal(service.inputs.metadata.annotations, undefined, "nothing to wait for");
        assert.deepEqual(await valueOf(app.inboundIps), ["203.0.113.7", "203.0.113.8"]);
        assert.deepEqual(await valueOf(domain.inboundIps), ["203.0.113.7", "203.0.113.8"]);
        const ingress = byName(resources, K8S.ingress, "app-web-lb");
        assert.equal(ingress.inputs.spec.ingressClassName, "nginx");
        const rule = (host: string) => ({ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "app-web-lb", port: { name: "http" } } } }] } });
        // An Ingress wildcard host matches exactly one label, as the load balancer's subdomains do.
        assert.deepEqual(ingress.inputs.spec.rules, [rule("web.localhost"), rule("*.web.localhost")]);
    });

    it("a Domain gets its own load balancer; its TLS key is a kubernetes.io/tls Secret, never plain", async () => {
        let domain!: Domain;
        const resources = await run(() => {
            const app = new EngineApp("web", { engineImage: DIGEST, stagingInstances: 1 });
            domain = new Domain("shop", { app, hostname: "stg-shop.example.com", tls: tlsFixture(), forceHttps: true });
        }, { config: kubernetesConfig() });
        const conf = byBase(resources, K8S.configMap, "domain-shop-lb-config").inputs.data["nginx.conf"] as string;
        assert.match(conf, /server_name stg-shop\.example\.com;/);
        assert.match(conf, /server app-web-stage-pods\.default\.svc\.cluster\.local:3000 resolve /);
        assert.match(conf, /listen 8443 ssl;/);
        assert.match(conf, /return 301 https:\/\/\$host\$request_uri;/);
        const tls = byBase(resources, K8S.secret, "domain-shop-lb-tls");
        assert.equal(tls.inputs.type, "kubernetes.io/tls");
        assert.equal(isSecret(tls.inputs.stringData), true);
        const service = byName(resources, K8S.service, "domain-shop-lb");
        assert.deepEqual(service.inputs.spec.ports.map((p: any) => [p.name, p.port]), [["http", 80], ["https", 443]]);
        const mounts = appContainer(byName(resources, K8S.deployment, "domain-shop-lb")).volumeMounts.map((m: any) => m.mountPath);
        assert.ok(mounts.includes("/etc/cloudengine/tls"));
        assert.equal(await valueOf(domain.url), "https://stg-shop.example.com");
        assert.equal(JSON.stringify(kubernetesObjects(resources).filter((o) => o.type !== K8S.secret).map((o) => o.inputs)).includes(tlsFixture().privateKey.split("\n")[1]), false);
    });
});

describe("LeanCacheInstance on Kubernetes", () => {
    it("a StatefulSet with a PersistentVolumeClaim, its config in a ConfigMap, its password in a Secret, behind a Service", async () => {
        let cache!: LeanCacheInstance;
        const resources = await run(() => { cache = new LeanCacheInstance("sessions", { capacity: "512M", evictionPolicy: "allkeys-lru", highAvailability: false }); }, { config: kubernetesConfig({ namespace: "apps", storageClassName: "fast" }) });
        const set = byName(resources, K8S.statefulSet, "cache-sessions");
        assert.equal(set.inputs.spec.replicas, 1);
        const claim = byName(resources, K8S.claim, "cache-sessions-data");
        assert.deepEqual([claim.inputs.spec.accessModes, claim.inputs.spec.storageClassName, claim.inputs.spec.resources.requests.storage], [["ReadWriteOnce"], "fast", "1536Mi"]);
        assert.equal(set.inputs.spec.volumeClaimTemplates, undefined, "a claim template is immutable: a new capacity would replace the StatefulSet");
        assert.equal(claim.inputs.metadata.annotations["pulumi.com/skipAwait"], "true", "a WaitForFirstConsumer claim binds only once the StatefulSet's pod exists: awaiting it would deadlock");
        const c = set.inputs.spec.template.spec.containers[0];
        assert.deepEqual(c.command, ["redis-server", "/usr/local/etc/redis/redis.conf"]);
        assert.deepEqual(c.volumeMounts.map((m: any) => m.mountPath), ["/usr/local/etc/redis/redis.conf", "/usr/local/etc/redis/memory", "/usr/local/etc/redis/auth.conf", "/data"]);
        const auth = byBase(resources, K8S.secret, "cache-sessions-auth");
        assert.deepEqual(c.env, [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: auth.inputs.metadata.name, key: "password" } } }]);
        assert.deepEqual(set.inputs.spec.template.spec.volumes.map((v: any) => v.configMap?.name ?? v.secret?.secretName ?? v.persistentVolumeClaim?.claimName ?? v.downwardAPI?.items[0].fieldRef.fieldPath), [byBase(resources, K8S.configMap, "cache-sessions-config").inputs.metadata.name, "metadata.annotations['cloudengine.io/redis-memory']", auth.inputs.metadata.name, "cache-sessions-data"]);
        assert.equal(set.inputs.spec.serviceName, "cache-sessions");
        const conf = byBase(resources, K8S.configMap, "cache-sessions-config").inputs.data["redis.conf"] as string;
        assert.match(conf, /^include \/usr\/local\/etc\/redis\/memory\/memory\.conf$/m, "memory settings from the pod's annotation, which changes in place");
        assert.doesNotMatch(conf, /^maxmemory/m);
        assert.deepEqual(set.inputs.spec.template.metadata.annotations, { "cloudengine.io/redis-memory": "maxmemory 536870912\nmaxmemory-policy allkeys-lru\n" });
        assert.deepEqual(c.resources, { requests: { memory: "512Mi" }, limits: { memory: "1152Mi" } });
        assert.match(conf, /^appendonly yes$/m);
        assert.deepEqual(set.inputs.spec.updateStrategy, { type: "OnDelete" }, "the nodes' pods are restarted or resized by CacheNodes, never by the controller");
        const [nodes] = ofType(resources, DYNAMIC_CACHE_NODES);
        assert.deepEqual(nodes.inputs.nodes, [{ statefulSet: "cache-sessions", uid: "" }], "no uid under mocks (as in render mode): nothing running to update");
        assert.deepEqual([nodes.inputs.namespace, nodes.inputs.maxmemoryBytes, nodes.inputs.evictionPolicy, nodes.inputs.resources], ["apps", 536870912, "allkeys-lru", c.resources]);
        assert.equal(nodes.inputs.memoryConf, set.inputs.spec.template.metadata.annotations["cloudengine.io/redis-memory"]);
        assert.equal(isSecret(auth.inputs.stringData), true);
        assert.match(reveal(auth.inputs.stringData)["auth.conf"], /^requirepass generated-sessions-password$/m);
        assert.equal(isSecret(set.inputs.spec), false, "previews show the StatefulSet");
        assert.equal(byName(resources, K8S.service, "cache-sessions").inputs.spec.ports[0].port, 6379);
        assert.equal(await valueOf(cache.host), "cache-sessions.apps.svc.cluster.local");
        assert.equal(ofType(resources, DYNAMIC).length, 1, "the password is generated once, as on Docker");
        assert.deepEqual(ofType(resources, DYNAMIC_VOLUME_SIZE).map((r) => r.inputs.requestedMiB), [1536], "3x the capacity, kept when the capacity shrinks");
    });
});

describe("LeanCacheInstance on Kubernetes with highAvailability", () => {
    it("node 0 (the one-node instance's StatefulSet and claim) and node 1, three Sentinel StatefulSets and one HAProxy pod behind the instance's Service; names from a headless Service", async () => {
        const resources = await run(() => new LeanCacheInstance("sessions", { highAvailability: true, downAfterSeconds: 4, password: "correct-horse-battery" }), { config: kubernetesConfig({ namespace: "apps" }) });
        const node0 = byName(resources, K8S.statefulSet, "cache-sessions");
        const node1 = byName(resources, K8S.statefulSet, "cache-sessions-1");
        const sentinels = [0, 1, 2].map((i) => byName(resources, K8S.statefulSet, `cache-sessions-sentinel-${i}`));
        const endpoint = byName(resources, K8S.deployment, "cache-sessions-endpoint");
        assert.deepEqual([byName(resources, K8S.claim, "cache-sessions-data").name, byName(resources, K8S.claim, "cache-sessions-1-data").name], ["sessions-data", "sessions-1-data"]);

        const members = byName(resources, K8S.service, "cache-sessions-members");
        assert.deepEqual([members.inputs.spec.clusterIP, members.inputs.spec.publishNotReadyAddresses], ["None", true], "names resolve before the pods are ready: a replica must find its master first");
        for (const set of [node0, node1, ...sentinels]) {
            assert.equal(set.inputs.spec.serviceName, "cache-sessions-members");
            assert.equal(set.inputs.spec.replicas, 1);
            for (const [k, v] of Object.entries(members.inputs.spec.selector)) assert.equal(set.inputs.spec.template.metadata.labels[k], v);
        }

        const service = byName(resources, K8S.service, "cache-sessions");
        assert.deepEqual(service.inputs.spec.selector, endpoint.inputs.spec.selector.matchLabels, "the instance's Service leads to the endpoint");
        assert.deepEqual([endpoint.inputs.spec.replicas, endpoint.inputs.spec.strategy.type], [1, "Recreate"], "one endpoint at a time: two could choose different masters");
        const auth = byBase(resources, K8S.secret, "cache-sessions-auth");
        const haproxy = reveal(auth.inputs.stringData)["haproxy.cfg"] as string;
        assert.match(haproxy, /^ {4}server node0 cache-sessions-0\.cache-sessions-members\.apps\.svc\.cluster\.local:6379$/m);
        assert.match(haproxy, /^ {4}server node1 cache-sessions-1-0\.cache-sessions-members\.apps\.svc\.cluster\.local:6379$/m);
        assert.deepEqual(endpoint.inputs.spec.template.spec.volumes[0].secret.items, [{ key: "haproxy.cfg", path: "haproxy.cfg" }]);

        const config = byBase(resources, K8S.configMap, "cache-sessions-config").inputs.data;
        const sentinelConfig = byBase(resources, K8S.configMap, "cache-sessions-sentinel").inputs.data;
        assert.match(config["redis.conf"], /^replica-announce-ip cache-sessions-0\.cache-sessions-members\.apps\.svc\.cluster\.local$/m);
        assert.match(config["redis-1.conf"], /^replica-announce-ip cache-sessions-1-0\.cache-sessions-members\.apps\.svc\.cluster\.local$/m);
        assert.match(config["start-node-1.sh"], /^SELF=cache-sessions-1-0\.cache-sessions-members/m);
        assert.match(sentinelConfig["start-sentinel-2.sh"], /^sentinel down-after-milliseconds leancache 4000$/m);
        assert.doesNotMatch(JSON.stringify(config), /correct-horse-battery/, "the ConfigMap holds no password");
        for (const [i, set] of [node0, node1].entries()) {
            const c = set.inputs.spec.template.spec.containers[0];
            assert.deepEqual(c.command, ["sh", "/usr/local/etc/redis/start-node.sh"]);
            assert.deepEqual(c.volumeMounts.filter((m: any) => m.name === "config").map((m: any) => m.subPath), [i === 0 ? "redis.conf" : "redis-1.conf", `start-node-${i}.sh`]);
        }
        const sentinel = sentinels[1].inputs.spec.template.spec.containers[0];
        assert.deepEqual(sentinel.volumeMounts.map((m: any) => [m.mountPath, m.subPath]), [["/usr/local/etc/redis/start-sentinel.sh", "start-sentinel-1.sh"], ["/tmp", undefined]]);
        assert.equal(sentinel.securityContext.readOnlyRootFilesystem, true);
    });
});

describe("Kubernetes names and settings", () => {
    it("every object name is a DNS-1035 label of at most 63 characters, whatever name the user gives; labels follow app.kubernetes.io", async () => {
        const long = "Checkout_Service.v2-" + "x".repeat(80);
        const resources = await run(() => {
            const cache = new LeanCacheInstance(long, { name: "CART" });
            const app = new EngineApp(long, { engineImage: DIGEST, caches: [cache], stagingInstances: 1, instances: 2 });
            new Domain(long, { app, hostname: "shop.example.com", tls: {} });
        }, { config: kubernetesConfig() });
        const objects = kubernetesObjects(resources);
        assert.ok(objects.length >= 15);
        const names = new Set<string>();
        for (const o of objects) {
            assert.match(o.name, DNS1035, `${o.type} ${o.name}`);
            assert.equal(names.has(`${o.type}/${o.name}`), false, `${o.type} ${o.name} is used twice`);
            names.add(`${o.type}/${o.name}`);
            assert.equal(o.inputs.metadata.generateName, undefined);
            assert.equal(o.inputs.metadata.namespace, "default");
            for (const [key, value] of Object.entries(o.inputs.metadata.labels as Record<string, string>)) {
                assert.match(value, LABEL_VALUE, `${o.name}: label ${key}`);
            }
            assert.equal(o.inputs.metadata.labels["app.kubernetes.io/part-of"], "cloudengine");
            assert.equal(o.inputs.metadata.labels["app.kubernetes.io/managed-by"], "pulumi");
        }
        const again = kubernetesObjects(await run(() => {
            const cache = new LeanCacheInstance(long, { name: "CART" });
            const app = new EngineApp(long, { engineImage: DIGEST, caches: [cache], stagingInstances: 1, instances: 2 });
            new Domain(long, { app, hostname: "shop.example.com", tls: {} });
        }, { config: kubernetesConfig() }));
        const sorted = (list: { type: string; name: string }[]) => list.map((o) => `${o.type}/${o.name}`).sort();
        assert.deepEqual(sorted(again), sorted(objects), "names are deterministic");
    });

    it("bad stack config cloudengine:kubernetes fails before anything is registered", async () => {
        let registered: Registered[] = [];
        await assert.rejects(
            run(() => new EngineApp("web", { engineImage: DIGEST }), { config: kubernetesConfig({ serviceType: "Ingress" } as any) }).then((r) => { registered = r; }),
            /stack config cloudengine:kubernetes: invalid serviceType: got "Ingress"; allowed: one of "LoadBalancer", "NodePort", "ClusterIP"/,
        );
        assert.equal(registered.length, 0);
        await assert.rejects(run(() => new EngineApp("web", { engineImage: DIGEST }), { config: kubernetesConfig({ namespace: "Apps" }) }), /invalid namespace: got "Apps"/);
        await assert.rejects(run(() => new EngineApp("web", { engineImage: "Not An Image" }), { config: kubernetesConfig() }), /EngineApp "web": invalid engineImage: got "Not An Image"/);
    });
});

function no(list: unknown[]): boolean {
    return list.length === 0;
}
