import test from "node:test";
import assert from "node:assert/strict";
import { ensureKubeValidator, validateManifests } from "../support/kubeValidator";

// The Kubernetes manifest validator the Kubernetes platform tests use (test/support/kubeValidator.ts:
// kubeconform, strict, against the schemas of one pinned Kubernetes version, all offline).  This proves
// it can pass and, above all, fail: unknown fields, wrong types, missing required fields, unknown kinds.
// The first run on a fresh machine builds kubeconform from the Go module proxy (scripts/kube-validator.sh).

const labels = { app: "web" };

function deployment(name: string, container: Record<string, unknown> = { name: "web", image: "nginx:1.27" }): Record<string, any> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "default", labels },
        spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
            template: {
                metadata: { labels, annotations: { "cloudengine.io/revision": "1" } },
                spec: {
                    containers: [container],
                    terminationGracePeriodSeconds: 30,
                },
            },
        },
    };
}

const validObjects: object[] = [
    deployment("web", {
        name: "web",
        image: "nginx:1.27",
        imagePullPolicy: "IfNotPresent",
        args: ["--port", "3000"],
        env: [{ name: "A", value: "1" }, { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
        ports: [{ name: "http", containerPort: 3000, protocol: "TCP" }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: 1, memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/1.1/functions/_ops/metadatas", port: "http" }, periodSeconds: 5 },
        livenessProbe: { tcpSocket: { port: 3000 }, initialDelaySeconds: 10 },
        volumeMounts: [{ name: "config", mountPath: "/etc/app", readOnly: true }],
    }),
    {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", labels },
        spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "cache" },
        spec: {
            serviceName: "cache",
            replicas: 1,
            selector: { matchLabels: { app: "cache" } },
            template: {
                metadata: { labels: { app: "cache" } },
                spec: {
                    containers: [{
                        name: "redis",
                        image: "redis:7",
                        ports: [{ containerPort: 6379 }],
                        volumeMounts: [{ name: "data", mountPath: "/data" }],
                    }],
                },
            },
            volumeClaimTemplates: [{
                metadata: { name: "data" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            }],
        },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "config" }, data: { "app.conf": "a=1\n" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "keys" }, type: "Opaque", stringData: { LEANCLOUD_APP_KEY: "k" } },
    {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "web" },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "web" },
        spec: {
            ingressClassName: "nginx",
            rules: [{
                host: "app.example.com",
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] },
            }],
        },
    },
];

/** Asserts the objects fail, with at least one error that names the object and matches `pattern`. */
async function assertInvalid(objects: object[], label: string, pattern: RegExp): Promise<string[]> {
    const r = await validateManifests(objects);
    assert.equal(r.ok, false, `expected ${label} to be rejected`);
    assert.ok(
        r.errors.some((e) => e.includes(label) && pattern.test(e)),
        `no error naming ${label} and matching ${pattern}:\n${r.errors.join("\n")}`,
    );
    return r.errors;
}

test("the validator is set up for a pinned Kubernetes version", async () => {
    const v = await ensureKubeValidator();
    assert.match(v.kubernetesVersion, /^1\.\d+\.\d+$/);
    assert.match(v.kubeconformVersion, /^v\d+\.\d+\.\d+$/);
});

test("valid Deployment, Service, StatefulSet, ConfigMap, Secret, PodDisruptionBudget and Ingress pass", async () => {
    const r = await validateManifests(validObjects);
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, true);
});

test("an unknown field fails", async () => {
    const d = deployment("typo", { name: "web", image: "nginx:1.27", imagePullPolicyy: "Always" });
    await assertInvalid([d], "Deployment/typo", /\/spec\/template\/spec\/containers\/0: .*imagePullPolicyy/);
});

test("an unknown top-level or metadata field fails", async () => {
    const top = { ...deployment("top"), status2: {} };
    await assertInvalid([top], "Deployment/top", /status2/);
    const meta = deployment("meta");
    meta.metadata.label = labels;
    await assertInvalid([meta], "Deployment/meta", /\/metadata: .*'label'/);
});

test("a wrong type fails", async () => {
    const d = deployment("two");
    d.spec.replicas = "two";
    await assertInvalid([d], "Deployment/two", /\/spec\/replicas: .*string.*integer/);
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "plain" }, data: { KEY: "not base64!" } };
    await assertInvalid([secret], "Secret/plain", /\/data\/KEY: .*pattern/);
});

test("a missing required field fails", async () => {
    const d = deployment("noname", { image: "nginx:1.27" });
    await assertInvalid([d], "Deployment/noname", /\/spec\/template\/spec\/containers\/0: missing property 'name'/);
    const s = deployment("noselector");
    delete s.spec.selector;
    await assertInvalid([s], "Deployment/noselector", /\/spec: missing property 'selector'/);
});

test("int-or-string fields take both, and nothing else", async () => {
    const d = deployment("surge");
    d.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: "10%" };
    assert.deepEqual((await validateManifests([d])).errors, []);
    d.spec.strategy.rollingUpdate = { maxSurge: true };
    await assertInvalid([d], "Deployment/surge", /maxSurge/);
});

test("a wrong apiVersion, an unknown kind or a missing kind fails", async () => {
    await assertInvalid([{ ...deployment("old"), apiVersion: "extensions/v1beta1" }], "Deployment/old", /schema/);
    await assertInvalid([{ apiVersion: "cloudengine.io/v1", kind: "EngineApp", metadata: { name: "x" } }], "EngineApp/x", /could not find schema/);
    await assertInvalid([{ apiVersion: "v1", metadata: { name: "nokind" } }], "nokind", /kind/);
});

test("errors are reported against the right object of several", async () => {
    const bad = deployment("bad");
    bad.spec.template.spec.containers[0].ports = [{ containerPort: "80" }];
    const r = await validateManifests([...validObjects, bad]);
    assert.equal(r.ok, false);
    assert.ok(r.errors.length > 0);
    for (const e of r.errors) assert.match(e, new RegExp(`^objects\\[${validObjects.length}\\] Deployment/bad: `));
});

test("null and undefined members count as not set", async () => {
    const d = deployment("nulls");
    d.spec.replicas = undefined;
    d.metadata.annotations = null;
    assert.deepEqual((await validateManifests([d])).errors, []);
    const n = deployment("nullname", { name: null, image: "nginx:1.27" });
    await assertInvalid([n], "Deployment/nullname", /missing property 'name'/);
});
