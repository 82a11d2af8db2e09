import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LoopbackClient, Reply } from "../support/httpClient";
import { ClusterEnv, deleteLabelled, ensureCluster, Kube, labelledObjects, PACKAGE_LABEL } from "./support/cluster";
import { quickstartStack, quickstartStackLabel, reachableLoadBalancers } from "./support/quickstart";
import { previewChanges } from "../engine/support";
import { KubeStack } from "./support/stack";

// The quick start (examples/quickstart, TypeScript) with cloudengine:platform kubernetes, deployed by
// the real `pulumi up` with the real Kubernetes provider onto the local cluster: the app built from
// source and pushed to the cluster's registry, LeanCache as a StatefulSet with its volume, the load
// balancers as NodePort Services reached on 127.0.0.1.

const STACK_LABEL = quickstartStackLabel();
const NS = "/api/v1/namespaces/default";

interface Answer {
    status: number;
    body: string;
}

async function get(client: LoopbackClient, hostname: string): Promise<Answer> {
    const reply: Reply = await client.request({ hostname });
    return { status: reply.status, body: reply.text };
}

/** The load balancer (its NodePorts) serving a hostname. */
async function balancerFor(kube: Kube, hostname: string): Promise<LoopbackClient> {
    const lb = (await reachableLoadBalancers(kube, STACK_LABEL)).find((b) => b.hostnames.includes(hostname));
    assert.ok(lb, `a load balancer serving ${hostname}`);
    return new LoopbackClient(lb.ports);
}

/** Polls until every pod of the stack is Ready (and none is terminating); returns them. */
async function podsReady(kube: Kube, timeoutMs = 120_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const pods = await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(STACK_LABEL)}`);
        const ready = (p: any) => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
        if (pods.length > 0 && pods.every(ready)) return pods;
        assert.ok(Date.now() < deadline, `pods not Ready: ${pods.filter((p) => !ready(p)).map((p) => `${p.metadata.name} ${p.status.phase}`).join(", ")}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}

function visits(body: string): number {
    const m = /: visit (\d+)\n$/.exec(body);
    assert.ok(m, `a visit count in ${JSON.stringify(body)}`);
    return Number(m[1]);
}

describe("quick start on the local Kubernetes cluster (real pulumi up)", { timeout: 40 * 60_000 }, () => {
    let cluster: ClusterEnv;
    let kube: Kube;
    let stack: KubeStack;
    let outputs: Record<string, any>;
    let destroyed = false;

    before(async () => {
        cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        await deleteLabelled(kube, PACKAGE_LABEL);
        stack = quickstartStack(cluster);
    });
    after(() => {
        if (stack && process.env.KEEP_KUBE_STACK !== "1") {
            if (!destroyed) stack.run("destroy", "--yes", "--skip-preview");
            stack.remove();
        }
    });

    it("pulumi up deploys it: every pod Ready, the app built from source runs from the registry by digest", async () => {
        stack.ok("up", "--yes", "--skip-preview");
        outputs = stack.outputs();
        assert.match(outputs.url, /^http:\/\/hello\./);
        assert.deepEqual(outputs.inboundIps, ["127.0.0.1"], "NodePort: the gateway's inboundIps (its listenAddress), where the node ports are");
        const pods = await podsReady(kube);
        const app = pods.filter((p) => p.metadata.labels["app.kubernetes.io/name"] === "engine-app");
        assert.equal(app.length, 3, "2 production and 1 staging instances");
        for (const p of app) assert.match(p.spec.containers[0].image, new RegExp(`^${cluster.CLOUDENGINE_KUBE_REGISTRY.replace(/\./g, "\\.")}/cloudengine/[a-z0-9-]+@sha256:[0-9a-f]{64}$`));
        // The cache is highly available by default: two nodes, three Sentinels and the endpoint.
        const members = pods.filter((p) => p.metadata.labels["app.kubernetes.io/name"] === "leancache").map((p) => p.metadata.labels["cloudengine.io/leancache-member"] ?? "endpoint").sort();
        assert.deepEqual(members, ["endpoint", "node", "node", "sentinel", "sentinel", "sentinel"]);
    });

    it("answers through its load balancer by Host header: production, staging and both Domains; visits are counted in LeanCache", async () => {
        const host = new URL(outputs.url).hostname;
        const stagingHost = new URL(outputs.stagingUrl).hostname;
        const app = await balancerFor(kube, host);
        const first = await get(app, host);
        assert.equal(first.status, 200, first.body);
        assert.match(first.body, new RegExp(`^hello from \\S+ \\(production, version ${outputs.versionTag}\\): visit \\d+\\n$`));
        const second = await get(app, host);
        assert.equal(visits(second.body), visits(first.body) + 1, "REDIS_URL_CACHE reaches the StatefulSet Redis");
        const staging = await get(app, stagingHost);
        assert.match(staging.body, /\(stage, version /);
        const www = await get(await balancerFor(kube, "www.example.test"), "www.example.test");
        assert.match(www.body, /\(production, /);
        const stg = await get(await balancerFor(kube, "stg-www.example.test"), "stg-www.example.test");
        assert.match(stg.body, /\(stage, /);
    });

    it("LeanCache keeps its data when its first node's pod is deleted (AOF on the claim's volume, and the replica)", async () => {
        const host = new URL(outputs.url).hostname;
        const app = await balancerFor(kube, host);
        const before = visits((await get(app, host)).body);
        const nodes = `${STACK_LABEL},app.kubernetes.io/name=leancache,cloudengine.io/leancache-member=node`;
        const [redis] = await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(nodes)}`);
        const deleted = await kube.request("DELETE", `${NS}/pods/${redis.metadata.name}`);
        assert.equal(deleted.status, 200);
        // The StatefulSet makes a new pod (a new uid) on the same claim.
        const deadline = Date.now() + 120_000;
        for (;;) {
            const pods = await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(nodes)}`);
            const fresh = pods.find((p) => p.metadata.name === redis.metadata.name && p.metadata.uid !== redis.metadata.uid && (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"));
            if (fresh) break;
            assert.ok(Date.now() < deadline, "a new Redis pod Ready within 120 s");
            await new Promise((r) => setTimeout(r, 1000));
        }
        let after: Answer | undefined;
        for (let i = 0; i < 60 && after?.status !== 200; i++) {
            after = await get(app, host);
            if (after.status !== 200) await new Promise((r) => setTimeout(r, 1000));
        }
        assert.equal(after?.status, 200, after?.body);
        assert.equal(visits(after!.body), before + 1, "the count goes on from where it was");
    });

    it("a second preview against the live cluster shows 0 changes, also after a refresh", () => {
        const preview = stack.ok("preview", "--json");
        assert.deepEqual(previewChanges(preview), []);
        stack.ok("refresh", "--yes", "--skip-preview");
        assert.deepEqual(previewChanges(stack.ok("preview", "--json")), []);
    });

    it("pulumi destroy leaves no object of the package behind; the cache's volumes are scrubbed and free again", async () => {
        const claims = await kube.list(`${NS}/persistentvolumeclaims?labelSelector=${encodeURIComponent(STACK_LABEL)}`);
        assert.equal(claims.length, 2, "one claim per cache node");
        for (const claim of claims) assert.ok(claim.spec.volumeName, `the cache's claim ${claim.metadata.name} is bound`);
        stack.ok("destroy", "--yes", "--skip-preview");
        destroyed = true;
        assert.deepEqual(await labelledObjects(kube, STACK_LABEL), []);
        const deadline = Date.now() + 60_000;
        for (const claim of claims) {
            for (;;) {
                const volume = await kube.get(`/api/v1/persistentvolumes/${claim.spec.volumeName}`);
                if (volume.status.phase === "Available") break;
                // Freeing a released volume is the test cluster's job (scripts/lib/volume-reclaimer.mjs, its log says why not).
                assert.ok(Date.now() < deadline, `volume ${claim.spec.volumeName} still ${volume.status.phase}: ${volume.status.message ?? ""}`);
                await new Promise((r) => setTimeout(r, 1000));
            }
        }
    });
});
