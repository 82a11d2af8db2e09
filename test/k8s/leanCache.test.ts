import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { SENTINEL_DOWN_AFTER_SECONDS } from "../../provider/config/spec";
import { eventually } from "../support/eventually";
import { faultUnderLoad, FaultOutcome, HaMember, infoFields, pairFields, settled, SentinelView } from "../support/leanCacheHa";
import { readyClient } from "../support/redisWriteLoad";
import { ClusterEnv, clusterPlatformSettings, deleteLabelled, ensureCluster, Kube, PACKAGE_LABEL, podIsolate, podKill, REPO } from "./support/cluster";
import { previewChanges } from "../engine/support";
import { KubeStack } from "./support/stack";

// A highly available LeanCacheInstance on the local cluster through the real `pulumi up`: two node
// StatefulSets, three Sentinels and the HAProxy endpoint behind the instance's Service. Under a steady
// write load through the Service's address (what REDIS_URL_<NAME> names): the master's Redis process
// killed (the kubelet restarts it in place) and the master's node lost (its StatefulSet scaled to 0: the
// Sentinels promote the replica) and cut off the network. Each time clients reach a master again within
// the detection time + 2 s, no write acknowledged more than 1 s before is lost, and the instance is master
// + replica again. Then, at its capacity, it evicts per its policy.

const PROJECT = "ce-k8s-leancache";
const NS = "/api/v1/namespaces/default";
const PASSWORD = "k8s-leancache-password-0123";
const NEW_PASSWORD = "k8s-leancache-password-4567";
const STACK_LABEL = `cloudengine.io/stack=${PROJECT}.dev`;

interface PodNode extends HaMember {
    pod: any;
}

describe("LeanCache high availability on the local cluster (real pulumi up)", { timeout: 30 * 60_000 }, () => {
    let cluster: ClusterEnv;
    let kube: Kube;
    let stack: KubeStack;
    /** The instance's password now (a later test changes it). */
    let password = PASSWORD;

    const pods = async (member: "node" | "sentinel"): Promise<any[]> =>
        (await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(`${STACK_LABEL},cloudengine.io/leancache-member=${member}`)}`))
            .filter((p) => !p.metadata.deletionTimestamp && p.status.podIP)
            .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));

    /** Asks a pod's Redis (or Sentinel) straight at its pod address; undefined when it does not answer. */
    async function ask(pod: any, port: number, ...command: string[]): Promise<unknown> {
        const client = await readyClient({ host: pod.status.podIP, port, password }, 2_000).catch(() => undefined);
        if (!client) return undefined;
        try {
            return await client.call(command[0], ...command.slice(1));
        } catch {
            return undefined;
        } finally {
            client.disconnect();
        }
    }

    async function nodes(): Promise<PodNode[]> {
        return (await pods("node")).map((pod, index) => ({
            index,
            pod,
            alias: `${pod.metadata.name}.${pod.spec.subdomain}.default.svc.cluster.local`,
            replication: async () => infoFields(String((await ask(pod, 6379, "INFO", "replication")) ?? "")),
        }));
    }

    async function sentinels(): Promise<SentinelView[]> {
        return (await pods("sentinel")).map((pod) => async () => pairFields(((await ask(pod, 26379, "SENTINEL", "MASTER", "leancache")) as string[] | undefined) ?? []));
    }

    async function endpoint() {
        const service = await kube.get(`${NS}/services/cache-cache`);
        return { host: service.spec.clusterIP as string, port: 6379, password };
    }

    before(async () => {
        cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        await deleteLabelled(kube, PACKAGE_LABEL);
        stack = new KubeStack(PROJECT, cluster, { "index.ts": path.join(REPO, "test", "k8s", "programs", "leancache", "index.ts") });
        fs.writeFileSync(path.join(stack.work, "Pulumi.yaml"), JSON.stringify({ name: PROJECT, runtime: "nodejs", main: "index.ts" }));
        stack.init("dev", { "cloudengine:platform": "kubernetes", ...clusterPlatformSettings(cluster) });
        stack.ok("config", "set", "--secret", "password", PASSWORD);
        stack.ok("up", "--yes", "--skip-preview");
    });
    after(() => {
        if (!stack || process.env.KEEP_KUBE_STACK === "1") return;
        stack.run("destroy", "--yes", "--skip-preview");
        stack.remove();
    });

    it("deploys master + replica, three Sentinels agreeing, and the endpoint; REDIS_URL names the Service", async () => {
        const outputs = stack.outputs();
        assert.equal(outputs.url, `redis://default:${PASSWORD}@cache-cache.default.svc.cluster.local:6379`);
        const { master, replica } = await settled(nodes, sentinels, endpoint);
        assert.notEqual(master.pod.metadata.name, replica.pod.metadata.name);
        const client = await readyClient(await endpoint());
        try {
            assert.equal(await client.set("through-the-endpoint", "yes"), "OK");
            assert.match(await client.info("replication"), /^role:master\r?$/m, "the endpoint leads to the master");
        } finally {
            client.disconnect();
        }
    });

    it("cloudengine cache proxy --platform kubernetes forwards 127.0.0.1 to the instance (its master) and prints the URL; cache shell runs redis-cli; Ctrl-C ends it", async () => {
        const cli = path.join(REPO, "bin", "provider", "cli", "main.js");
        const env = { ...process.env, KUBECONFIG: cluster.KUBECONFIG };
        const where = ["--platform", "kubernetes", "--project", PROJECT, "--stack", "dev"];
        const proxy = spawn(process.execPath, [cli, "cache", "proxy", "CACHE", ...where], { stdio: ["ignore", "pipe", "pipe"], env });
        const exited = once(proxy, "exit");
        let port = 0;
        try {
            const [line] = (await once(createInterface({ input: proxy.stdout! }), "line")) as [string];
            const url = new URL(line);
            assert.deepEqual([url.protocol, url.username, decodeURIComponent(url.password), url.hostname], ["redis:", "default", PASSWORD, "127.0.0.1"]);
            port = Number(url.port);
            const client = await readyClient({ host: "127.0.0.1", port, password: PASSWORD });
            try {
                assert.equal(await client.set("through-the-proxy", "kept"), "OK");
                assert.match(await client.info("replication"), /^role:master\r?$/m, "through the endpoint: the master");
            } finally {
                client.disconnect();
            }
            const shell = spawnSync(process.execPath, [cli, "cache", "shell", "cache", "--namespace", "default", "--", "GET", "through-the-proxy"], { encoding: "utf8", env });
            assert.equal(shell.status, 0, shell.stderr);
            assert.equal(shell.stdout.trim(), "kept", "shell by the resource name, namespace given");
            const unknown = spawnSync(process.execPath, [cli, "cache", "proxy", "NOPE", "--platform", "kubernetes"], { encoding: "utf8", env });
            assert.equal(unknown.status, 1);
            assert.match(unknown.stderr, new RegExp(`^cloudengine: no LeanCache instance NOPE in namespace default; there: .*CACHE \\(${PROJECT}/dev\\)`));
            assert.doesNotMatch(unknown.stderr, new RegExp(PASSWORD));
        } finally {
            proxy.kill("SIGINT");
            await exited;
        }
        assert.equal(proxy.exitCode, 0);
        await assert.rejects(readyClient({ host: "127.0.0.1", port, password: PASSWORD }, 2_000), "the forward ended with the command");
    });

    /** The fault under load: clients reach a master again within detection + 2 s; nothing acknowledged > 1 s before is lost. */
    async function underLoad(t: { diagnostic(m: string): void }, prefix: string, fault: () => Promise<void>, recovered?: () => Promise<void>, boundMs = (SENTINEL_DOWN_AFTER_SECONDS + 2) * 1000): Promise<FaultOutcome> {
        const outcome = await faultUnderLoad(await endpoint(), prefix, fault, recovered);
        t.diagnostic(`${prefix}: unavailable ${outcome.unavailableMs} ms, ${outcome.acknowledged} writes acknowledged, ${outcome.lost.length} lost`);
        assert.ok(outcome.acknowledged > 50, "the load ran");
        assert.deepEqual(outcome.lostBeforeGrace.map((s) => s.key), [], "no write acknowledged more than 1 s before the fault is lost");
        assert.ok(outcome.unavailableMs <= boundMs, `unavailable ${outcome.unavailableMs} ms ≤ ${boundMs} ms`);
        return outcome;
    }

    it("the master's Redis process killed under load: the kubelet restarts it in its pod (sooner than the Sentinels' detection), and it is master + replica again", async (t) => {
        const { master } = await settled(nodes, sentinels, endpoint);
        const restarts = (pod: any) => pod.status.containerStatuses[0].restartCount as number;
        await underLoad(t, "crash", async () => {
            podKill(cluster, master.pod);
            await eventually(async () => assert.ok(restarts(await kube.get(`${NS}/pods/${master.pod.metadata.name}`)) > restarts(master.pod), "the container restarted"), { intervalMs: 50 });
        });
        await settled(nodes, sentinels, endpoint, 180_000);
    });

    it("the master's node lost (its StatefulSet scaled to 0) under load: the Sentinels promote the replica within detection + 2 s; back, the node rejoins as the replica", async (t) => {
        const { master, replica } = await settled(nodes, sentinels, endpoint);
        const setName = master.pod.metadata.ownerReferences[0].name as string;
        const scale = (replicas: number) => kube.request("PATCH", `/apis/apps/v1/namespaces/default/statefulsets/${setName}/scale`, { spec: { replicas } }, "application/merge-patch+json");
        await underLoad(t, "lost", async () => {
            assert.equal((await scale(0)).status, 200);
            await eventually(async () => assert.equal((await kube.request("GET", `${NS}/pods/${master.pod.metadata.name}`)).status, 404, "the pod is gone"), { intervalMs: 50, timeoutMs: 60_000 });
        }, async () => {
            assert.equal((await replica.replication()).role, "master", "the replica was promoted");
        });
        assert.equal((await scale(1)).status, 200);
        const again = await settled(nodes, sentinels, endpoint, 180_000);
        assert.equal(again.master.pod.metadata.name, replica.pod.metadata.name, "the promoted node stays the master; the returning one follows it");
    });

    it("the master cut off the network (its pod keeps running): the replica is promoted; healed, the old master follows it; no acknowledged write is lost", async (t) => {
        const { master, replica } = await settled(nodes, sentinels, endpoint);
        let isolated = false;
        try {
            const outcome = await underLoad(t, "partition", async () => {
                podIsolate(cluster, master.pod, true);
                isolated = true;
            }, async () => {
                assert.equal((await replica.replication()).role, "master", "the replica was promoted");
                podIsolate(cluster, master.pod, false);
                isolated = false;
                // It said "master" until the Sentinels demoted it: the endpoint must not have used it.
                await eventually(async () => assert.equal((await master.replication()).role, "slave", "the old master is demoted"), { timeoutMs: 60_000 });
            }, (SENTINEL_DOWN_AFTER_SECONDS + 3) * 1000); // + the endpoint's check timeouts on a node that does not answer

            assert.deepEqual(outcome.lost.map((s) => s.key), [], "no write acknowledged by a cut-off or demoted master");
        } finally {
            if (isolated) podIsolate(cluster, master.pod, false);
        }
        const again = await settled(nodes, sentinels, endpoint, 180_000);
        assert.equal(again.master.pod.metadata.name, replica.pod.metadata.name);
    });

    it("at its capacity the instance evicts per its policy: volatile-lru keeps every key without a TTL", async () => {
        const restarts = async () => (await pods("node")).map((p) => `${p.metadata.name} ${p.status.containerStatuses[0].restartCount}`);
        const before = await restarts();
        // 4 MB per batch through the Service: more time per command than the failover tests' 1 s.
        const client = await readyClient(await endpoint(), 30_000, 30_000);
        try {
            const value = "e".repeat(64 * 1024);
            const write = async (count: number, prefix: string, ttl: boolean) => {
                for (let i = 0; i < count; i += 64) {
                    const batch = client.pipeline();
                    for (let j = i; j < Math.min(count, i + 64); j++) ttl ? batch.set(`${prefix}:${j}`, value, "EX", 3600) : batch.set(`${prefix}:${j}`, value);
                    for (const [err] of (await batch.exec())!) assert.equal(err, null, "no write refused: there is always a key with a TTL to evict");
                }
            };
            await write(256, "keep", false); // 16 MB without a TTL, then three times the capacity (384 MB) with one
            await write(6144, "tmp", true);
            assert.ok(Number(/evicted_keys:(\d+)/.exec(await client.info("stats"))![1]) > 0, "keys were evicted");
            assert.equal((await client.keys("keep:*")).length, 256, "every key without a TTL is still there");
            assert.equal(await client.flushall(), "OK");
        } finally {
            client.disconnect();
        }
        assert.deepEqual(await restarts(), before, "neither node was restarted (for its memory or otherwise)");
    });

    it("a new capacity and eviction policy apply to the running nodes: resized in place (same pods, same run ids), the new maxmemory in effect, also after a restart; a capacity below the data in use fails the preview", async () => {
        const state = async () => Promise.all((await nodes()).map(async (n) => ({
            pod: n.pod.metadata.uid as string,
            runId: infoFields(String(await ask(n.pod, 6379, "INFO", "server"))).run_id,
            memory: ((await ask(n.pod, 6379, "CONFIG", "GET", "maxmemory")) as string[])[1],
            policy: ((await ask(n.pod, 6379, "CONFIG", "GET", "maxmemory-policy")) as string[])[1],
            limit: n.pod.spec.containers[0].resources.limits.memory as string,
        })));
        const before = await state();
        assert.deepEqual(before.map((b) => [b.memory, b.policy, b.limit]), [["134217728", "volatile-lru", "384Mi"], ["134217728", "volatile-lru", "384Mi"]]);
        stack.ok("config", "set", "capacity", "256M");
        stack.ok("config", "set", "evictionPolicy", "allkeys-lru");
        const changes = previewChanges(stack.ok("preview", "--json"));
        assert.ok(changes.length > 0 && changes.every((c) => c.startsWith("update ")), `updates only, no replacement:\n${changes.join("\n")}`);
        assert.ok(changes.some((c) => c.endsWith(" cache-nodes")), changes.join("\n"));
        stack.ok("up", "--yes", "--skip-preview");
        const after = await state();
        assert.deepEqual(after.map((a) => [a.pod, a.runId]), before.map((b) => [b.pod, b.runId]), "the same pods and Redis servers");
        assert.deepEqual(after.map((a) => [a.memory, a.policy, a.limit]), [["268435456", "allkeys-lru", "640Mi"], ["268435456", "allkeys-lru", "640Mi"]]);
        for (const n of await nodes()) {
            const set = await kube.get(`/apis/apps/v1/namespaces/default/statefulsets/${n.pod.metadata.ownerReferences[0].name}`);
            assert.equal(n.pod.metadata.labels["controller-revision-hash"], set.status.updateRevision, `${n.pod.metadata.name} is at its StatefulSet's revision`);
        }
        // A restart of the process reads the new values (the memory file follows the pod's annotation).
        const { replica } = await settled(nodes, sentinels, endpoint);
        podKill(cluster, replica.pod);
        await eventually(async () => {
            const pod = await kube.get(`${NS}/pods/${replica.pod.metadata.name}`);
            assert.ok(pod.status.containerStatuses[0].restartCount > replica.pod.status.containerStatuses[0].restartCount, "the container restarted");
            assert.deepEqual(await ask(pod, 6379, "CONFIG", "GET", "maxmemory"), ["maxmemory", "268435456"]);
        }, { timeoutMs: 120_000 });
        await settled(nodes, sentinels, endpoint, 180_000);
        // 160 MB without a TTL, then a capacity of 128M: refused when previewed, nothing changes.
        const client = await readyClient(await endpoint(), 30_000, 30_000);
        try {
            const value = "k".repeat(64 * 1024);
            for (let i = 0; i < 2560; i += 64) {
                const batch = client.pipeline();
                for (let j = i; j < i + 64; j++) batch.set(`big:${j}`, value);
                for (const [err] of (await batch.exec())!) assert.equal(err, null);
            }
            stack.ok("config", "set", "capacity", "128M");
            const refused = stack.run("preview");
            assert.notEqual(refused.status, 0);
            assert.match(refused.stdout + refused.stderr, /LeanCacheInstance "cache": invalid capacity: got 128M \(134217728 bytes\); the data uses \d+ bytes now, so the capacity must be at least that\. Nothing was changed/);
            assert.doesNotMatch(refused.stdout + refused.stderr, new RegExp(PASSWORD));
            assert.deepEqual(((await client.call("CONFIG", "GET", "maxmemory")) as string[])[1], "268435456");
            assert.equal(await client.flushall(), "OK");
        } finally {
            stack.ok("config", "set", "capacity", "256M");
            client.disconnect();
        }
    });

    it("a change other than memory (a new password) restarts the nodes from the new template one after the other, the master last; the data stays, master + replica again", async () => {
        const client = await readyClient(await endpoint());
        try {
            assert.equal(await client.set("kept-through-restarts", "yes"), "OK");
        } finally {
            client.disconnect();
        }
        const { master } = await settled(nodes, sentinels, endpoint);
        const before = new Map((await nodes()).map((n) => [n.pod.metadata.name, n.pod.metadata.uid]));
        stack.ok("config", "set", "--secret", "password", NEW_PASSWORD);
        stack.ok("up", "--yes", "--skip-preview");
        password = NEW_PASSWORD;
        const after = await nodes();
        for (const n of after) {
            assert.notEqual(n.pod.metadata.uid, before.get(n.pod.metadata.name), `${n.pod.metadata.name} is a new pod`);
            const set = await kube.get(`/apis/apps/v1/namespaces/default/statefulsets/${n.pod.metadata.ownerReferences[0].name}`);
            assert.equal(n.pod.metadata.labels["controller-revision-hash"], set.status.updateRevision);
        }
        const started = (name: string) => Date.parse(after.find((n) => n.pod.metadata.name === name)!.pod.metadata.creationTimestamp);
        const replicaName = [...before.keys()].find((name) => name !== master.pod.metadata.name)!;
        assert.ok(started(replicaName) <= started(master.pod.metadata.name), "the replica restarted first");
        await settled(nodes, sentinels, endpoint, 180_000);
        const again = await readyClient(await endpoint());
        try {
            assert.equal(await again.get("kept-through-restarts"), "yes");
        } finally {
            again.disconnect();
        }
        await assert.rejects(readyClient({ ...(await endpoint()), password: PASSWORD }, 3_000), "the old password no longer works");
    });

    it("a second preview changes nothing", () => {
        assert.deepEqual(previewChanges(stack.ok("preview", "--json")), []);
    });
});
