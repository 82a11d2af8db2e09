import assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { cacheNodesProvider, CacheNodesInputs } from "../../provider/platform/kubernetes/cacheNodes";

// CacheNodes acts on a live cluster only when it is the one the Kubernetes provider deployed to (the
// StatefulSets' uids), and does nothing in render mode. An API server stand-in on 127.0.0.1 answers the
// reads; the real cluster's restarts and resizes are proven in test/k8s/leanCache.test.ts.

describe("CacheNodes: the cluster it acts on", () => {
    let server: http.Server;
    let requests: string[];
    let sets: Record<string, { uid: string }>;

    before(async () => {
        server = http.createServer((req, res) => {
            requests.push(`${req.method} ${req.url}`);
            const name = /\/statefulsets\/([^/?]+)$/.exec(req.url ?? "")?.[1];
            const set = name ? sets[name] : undefined;
            res.setHeader("Content-Type", "application/json");
            if (!set) {
                res.statusCode = 404;
                res.end(JSON.stringify({ kind: "Status", message: "not found" }));
                return;
            }
            res.end(JSON.stringify({ metadata: { name, uid: set.uid, generation: 1 }, status: { observedGeneration: 1, updateRevision: `${name}-rev` } }));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    after(() => server.close());

    const inputs = (nodes: CacheNodesInputs["nodes"], maxmemoryBytes = 128 << 20): CacheNodesInputs => ({
        what: 'LeanCacheInstance "cache"',
        access: {
            kubeconfig: stringify({
                "current-context": "stand-in",
                clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } }],
                users: [{ name: "u", user: { token: "t" } }],
                contexts: [{ name: "stand-in", context: { cluster: "c", user: "u" } }],
            }),
        },
        namespace: "apps",
        nodes,
        restartKey: "k1",
        capacity: "128M",
        memoryConf: "maxmemory 134217728\nmaxmemory-policy volatile-lru\n",
        maxmemoryBytes,
        evictionPolicy: "volatile-lru",
        resources: { requests: { memory: "128Mi" }, limits: { memory: "384Mi" } },
    });

    it("render mode (no uids): nothing is asked of any cluster", async () => {
        requests = [];
        sets = {};
        const olds = { ...inputs([{ statefulSet: "cache-cache", uid: "" }]), revisions: [] };
        const news = inputs([{ statefulSet: "cache-cache", uid: "" }], 256 << 20);
        assert.deepEqual(await cacheNodesProvider.diff!("apps/cache-cache", olds, { ...news, maxmemoryBytes: 64 << 20 }), { changes: true });
        const updated = await cacheNodesProvider.update!("apps/cache-cache", olds, news);
        assert.deepEqual(updated.outs.revisions, []);
        assert.deepEqual(requests, []);
    });

    it("another cluster (a StatefulSet with another uid, or none): refused, saying which setting points at the right one", async () => {
        sets = { "cache-cache": { uid: "uid-elsewhere" } };
        const olds = { ...inputs([{ statefulSet: "cache-cache", uid: "uid-deployed" }]), revisions: ["cache-cache-rev"] };
        await assert.rejects(cacheNodesProvider.update!("apps/cache-cache", olds, { ...inputs([{ statefulSet: "cache-cache", uid: "uid-deployed" }]), restartKey: "k2" }),
            /^Error: LeanCacheInstance "cache": the cluster reached through cloudengine:kubernetes\.kubeconfig is not the one the Kubernetes provider deployed to \(StatefulSet cache-cache has uid uid-elsewhere, not uid-deployed\): set cloudengine:kubernetes\.kubeconfig \(and context\) to that cluster$/);
        sets = {};
        await assert.rejects(cacheNodesProvider.diff!("apps/cache-cache", olds, inputs([{ statefulSet: "cache-cache", uid: "uid-deployed" }], 64 << 20)),
            /is not the one the Kubernetes provider deployed to \(it has no StatefulSet cache-cache in namespace apps\)/, "a shrink's check asks the provider's cluster only");
        assert.ok(requests.every((r) => r.startsWith("GET /apis/apps/v1/namespaces/apps/statefulsets/")), requests.join("\n"));
    });

    it("the provider's cluster, pods already at their StatefulSets' revision: nothing to restart", async () => {
        requests = [];
        sets = { "cache-cache": { uid: "uid-deployed" } };
        const created = await cacheNodesProvider.create!(inputs([{ statefulSet: "cache-cache", uid: "uid-deployed" }]));
        assert.equal(created.id, "apps/cache-cache");
        assert.deepEqual(created.outs.revisions, ["cache-cache-rev"]);
        assert.deepEqual(requests, ["GET /apis/apps/v1/namespaces/apps/statefulsets/cache-cache", "GET /api/v1/namespaces/apps/pods/cache-cache-0"], "no pod (404): nothing to restart");
    });
});
