import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "../../components/ownResource";
import { kubeAccess, KubeAccess, KubeAccessConfig } from "./kubeAccess";
import { kubeExec, kubeOk, kubeRequest } from "./kubeApi";

// The running pods of a LeanCache instance's Redis nodes, kept at their StatefulSets' templates. The
// StatefulSets update with OnDelete, so the controller never restarts a node by itself; this resource
// does, one node after the other (the master last):
//   * a change of anything but memory (image, config, password, probes): each node's pod is deleted and
//     comes back from the new template, the next node only once it is ready;
//   * a change of capacity or eviction policy alone: each pod is resized in place (the pod's resize
//     subresource, Kubernetes 1.33+) and Redis gets CONFIG SET, so the server keeps running (same run id);
//     the pod is then labelled with the template's new revision. Redis includes its memory file from the
//     pod's own annotation (a downward API volume, which the kubelet rewrites when the annotation
//     changes), so a later restart of the container reads the same values.
// A capacity below the memory the data uses now is refused when the change is previewed, before anything
// changes. In render mode (no cluster: the StatefulSets have no uid) there is nothing running to update.
// The provider closure must stay self-contained: Pulumi serializes it into state.

export interface CacheNodesInputs {
    /** What the user calls the instance in messages, e.g. `LeanCacheInstance "cache"`. */
    what: string;
    access: KubeAccessConfig;
    namespace: string;
    /** The nodes' StatefulSets in rolling order, with the uid the Kubernetes provider reported ("" in render mode). */
    nodes: { statefulSet: string; uid: string }[];
    /** A digest of the pod template without its resources: when it changes, the nodes restart. */
    restartKey: string;
    capacity: string;
    /** The memory file's content, held in the pods' MEMORY_ANNOTATION. */
    memoryConf: string;
    maxmemoryBytes: number;
    evictionPolicy: string;
    resources: { requests: { memory: string }; limits: { memory: string } };
}

interface CacheNodesOutputs extends CacheNodesInputs {
    /** The revision each node's pod was left at. */
    revisions: string[];
}

/** The pod annotation Redis's memory file is projected from. */
export const MEMORY_ANNOTATION = "cloudengine.io/redis-memory";
/** Where a node's memory file is (a downward API volume of MEMORY_ANNOTATION). */
export const KUBE_MEMORY_DIR = "/usr/local/etc/redis/memory";
export const KUBE_MEMORY_FILE = "memory.conf";

const CONTAINER = "redis";
const REVISION_LABEL = "controller-revision-hash";
const ROLL_TIMEOUT_MS = 10 * 60_000;
const RESIZE_TIMEOUT_MS = 2 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function live(inputs: CacheNodesInputs): boolean {
    return inputs.nodes.every((n) => n.uid !== "");
}

function connect(inputs: CacheNodesInputs): KubeAccess {
    try {
        return kubeAccess(inputs.access);
    } catch (err) {
        throw new Error(`${inputs.what}: cannot reach the cluster to update its running nodes: ${(err as Error).message}`);
    }
}

/** The StatefulSet once its controller has seen its latest spec; it must be the one the provider made. */
async function statefulSet(access: KubeAccess, inputs: CacheNodesInputs, node: { statefulSet: string; uid: string }): Promise<any> {
    const where = `/apis/apps/v1/namespaces/${inputs.namespace}/statefulsets/${node.statefulSet}`;
    for (const deadline = Date.now() + RESIZE_TIMEOUT_MS; ; await sleep(500)) {
        const answer = await kubeRequest(access, "GET", where);
        if (answer.status !== 200 && answer.status !== 404) throw new Error(`${inputs.what}: reading StatefulSet ${node.statefulSet}: ${answer.status} ${answer.body?.message ?? ""}`);
        const set = answer.status === 200 ? answer.body : undefined;
        if (set?.metadata.uid !== node.uid) {
            throw new Error(`${inputs.what}: the cluster reached through ${inputs.access.kubeconfig ? "cloudengine:kubernetes.kubeconfig" : "the ambient kubeconfig"} is not the one the Kubernetes provider deployed to `
                + `(${set ? `StatefulSet ${node.statefulSet} has uid ${set.metadata.uid}, not ${node.uid}` : `it has no StatefulSet ${node.statefulSet} in namespace ${inputs.namespace}`}): set cloudengine:kubernetes.kubeconfig (and context) to that cluster`);
        }
        if ((set.status?.observedGeneration ?? 0) >= set.metadata.generation && set.status?.updateRevision) return set;
        if (Date.now() > deadline) throw new Error(`${inputs.what}: StatefulSet ${node.statefulSet}'s controller has not seen its new spec`);
    }
}

const podPath = (inputs: CacheNodesInputs, pod: string) => `/api/v1/namespaces/${inputs.namespace}/pods/${pod}`;

async function getPod(access: KubeAccess, inputs: CacheNodesInputs, pod: string): Promise<any | undefined> {
    const answer = await kubeRequest(access, "GET", podPath(inputs, pod));
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`${inputs.what}: reading pod ${pod}: ${answer.status} ${answer.body?.message ?? ""}`);
    return answer.body;
}

function podReady(pod: any): boolean {
    return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
}

async function redisCli(access: KubeAccess, inputs: CacheNodesInputs, pod: string, ...args: string[]): Promise<string> {
    // redis-cli reads the password from the container's REDISCLI_AUTH.
    const ran = await kubeExec(access, inputs.namespace, pod, CONTAINER, ["redis-cli", ...args]);
    if (ran.exitCode !== 0) throw new Error(`${inputs.what}: redis-cli ${args.join(" ")} in pod ${pod} failed (exit ${ran.exitCode}): ${(ran.stderr || ran.stdout).trim()}`);
    return ran.stdout;
}

/** Deletes the pod and waits for its successor at `revision` to be ready. */
async function restartPod(access: KubeAccess, inputs: CacheNodesInputs, pod: any, revision: string): Promise<void> {
    const name = pod.metadata.name;
    await kubeOk(access, "DELETE", podPath(inputs, name));
    for (const deadline = Date.now() + ROLL_TIMEOUT_MS; ; await sleep(1_000)) {
        const next = await getPod(access, inputs, name);
        if (next && next.metadata.uid !== pod.metadata.uid && next.metadata.labels?.[REVISION_LABEL] === revision && podReady(next)) return;
        if (Date.now() > deadline) throw new Error(`${inputs.what}: pod ${name} did not come back ready within ${ROLL_TIMEOUT_MS / 60_000} min after its restart`);
    }
}

function resizeDone(pod: any, wanted: CacheNodesInputs["resources"]): boolean {
    const status = (pod.status?.containerStatuses ?? []).find((c: any) => c.name === CONTAINER)?.resources;
    const pending = (pod.status?.conditions ?? []).some((c: any) => (c.type === "PodResizePending" || c.type === "PodResizeInProgress") && c.status === "True");
    return !pending && status?.requests?.memory === wanted.requests.memory && status?.limits?.memory === wanted.limits.memory;
}

/** The pod's memory changed in place, then Redis's; the server keeps running. */
async function resizePod(access: KubeAccess, inputs: CacheNodesInputs, pod: any, revision: string): Promise<void> {
    const name = pod.metadata.name;
    await kubeOk(access, "PATCH", podPath(inputs, name), { metadata: { annotations: { [MEMORY_ANNOTATION]: inputs.memoryConf } } }, "application/merge-patch+json");
    const patch = { spec: { containers: [{ name: CONTAINER, resources: inputs.resources }] } };
    await kubeOk(access, "PATCH", `${podPath(inputs, name)}/resize`, patch, "application/strategic-merge-patch+json");
    for (const deadline = Date.now() + RESIZE_TIMEOUT_MS; ; await sleep(500)) {
        const now = await getPod(access, inputs, name);
        if (!now || now.metadata.uid !== pod.metadata.uid) throw new Error(`${inputs.what}: pod ${name} went away while it was resized`);
        if (resizeDone(now, inputs.resources)) break;
        const infeasible = (now.status?.conditions ?? []).find((c: any) => c.type === "PodResizePending" && c.reason === "Infeasible");
        if (infeasible) throw new Error(`${inputs.what}: the node cannot give pod ${name} the new memory: ${infeasible.message}`);
        if (Date.now() > deadline) throw new Error(`${inputs.what}: pod ${name} was not resized within ${RESIZE_TIMEOUT_MS / 1000} s`);
    }
    // One parameter per CONFIG SET (Redis 6); the policy first, so what a new maxmemory evicts follows it.
    for (const [parameter, value] of [["maxmemory-policy", inputs.evictionPolicy], ["maxmemory", String(inputs.maxmemoryBytes)]]) {
        const answer = (await redisCli(access, inputs, name, "CONFIG", "SET", parameter, value)).trim();
        if (answer !== "OK") throw new Error(`${inputs.what}: Redis in pod ${name} refused ${parameter} ${value}: ${answer}`);
    }
    // The kubelet rewrites the file when it sees the new annotation: once it has, a restart keeps the values.
    for (const deadline = Date.now() + RESIZE_TIMEOUT_MS; ; await sleep(1_000)) {
        const file = await kubeExec(access, inputs.namespace, name, CONTAINER, ["cat", `${KUBE_MEMORY_DIR}/${KUBE_MEMORY_FILE}`]);
        if (file.exitCode === 0 && file.stdout === inputs.memoryConf) break;
        if (Date.now() > deadline) throw new Error(`${inputs.what}: pod ${name}'s memory file was not updated within ${RESIZE_TIMEOUT_MS / 1000} s`);
    }
    await kubeOk(access, "PATCH", podPath(inputs, name), { metadata: { labels: { [REVISION_LABEL]: revision } } }, "application/merge-patch+json");
}

async function refuseBelowUsed(inputs: CacheNodesInputs): Promise<void> {
    const access = connect(inputs);
    // A replica holds the same data as its master: the largest figure counts.
    let used = 0;
    for (const node of inputs.nodes) {
        await statefulSet(access, inputs, node); // the provider's cluster, not another one's instance
        const pod = await getPod(access, inputs, `${node.statefulSet}-0`);
        if (!pod || !podReady(pod)) continue;
        const figure = /^used_memory:(\d+)\r?$/m.exec(await redisCli(access, inputs, pod.metadata.name, "INFO", "memory"));
        if (figure) used = Math.max(used, Number(figure[1]));
    }
    if (inputs.maxmemoryBytes < used) {
        throw new Error(`${inputs.what}: invalid capacity: got ${inputs.capacity} (${inputs.maxmemoryBytes} bytes); the data uses ${used} bytes now, `
            + "so the capacity must be at least that. Nothing was changed: delete data first or choose a larger capacity.");
    }
}

/**
 * Brings every node's pod to its StatefulSet's revision. `inPlace`: the template changed only in its
 * resources, and a pod still at `previous` (the revision this resource left it at) is resized in place.
 */
async function converge(inputs: CacheNodesInputs, inPlace: boolean, previous: string[]): Promise<string[]> {
    const access = connect(inputs);
    const revisions: string[] = [];
    for (const i of await replicasFirst(access, inputs)) {
        const node = inputs.nodes[i];
        const revision = (await statefulSet(access, inputs, node)).status.updateRevision as string;
        const pod = await getPod(access, inputs, `${node.statefulSet}-0`);
        const at = pod?.metadata.labels?.[REVISION_LABEL];
        if (pod && at !== revision) {
            if (inPlace && at === previous[i] && podReady(pod)) await resizePod(access, inputs, pod, revision);
            else await restartPod(access, inputs, pod, revision);
        }
        revisions[i] = revision;
    }
    return revisions;
}

/** The nodes' indexes, the master last: restarting the replica first spares one failover. */
async function replicasFirst(access: KubeAccess, inputs: CacheNodesInputs): Promise<number[]> {
    const order = inputs.nodes.map((_, i) => i);
    if (order.length < 2) return order;
    const master = await Promise.all(inputs.nodes.map(async (node) => {
        const pod = await getPod(access, inputs, `${node.statefulSet}-0`);
        if (!pod || !podReady(pod)) return false;
        const ran = await kubeExec(access, inputs.namespace, pod.metadata.name, CONTAINER, ["redis-cli", "INFO", "replication"]);
        return /^role:master\r?$/m.test(ran.stdout);
    }));
    return [...order.filter((i) => !master[i]), ...order.filter((i) => master[i])];
}

function memoryChanged(a: CacheNodesInputs, b: CacheNodesInputs): boolean {
    return a.memoryConf !== b.memoryConf || a.maxmemoryBytes !== b.maxmemoryBytes || a.evictionPolicy !== b.evictionPolicy
        || a.resources.requests.memory !== b.resources.requests.memory || a.resources.limits.memory !== b.resources.limits.memory;
}

function sameNodes(a: CacheNodesInputs, b: CacheNodesInputs): boolean {
    return a.namespace === b.namespace && a.nodes.length === b.nodes.length
        && a.nodes.every((n, i) => n.statefulSet === b.nodes[i].statefulSet && n.uid === b.nodes[i].uid);
}

export const cacheNodesProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CacheNodesInputs) {
        // New StatefulSets made their pods from the template; existing ones (an instance deployed
        // before the nodes were kept this way) are brought to it.
        const revisions = live(inputs) ? await converge(inputs, false, []) : [];
        return { id: `${inputs.namespace}/${inputs.nodes[0].statefulSet}`, outs: { ...inputs, revisions } };
    },
    // Runs in previews too: a shrink below the data in use fails there, before any step.
    async diff(_id: string, olds: CacheNodesOutputs, news: CacheNodesInputs) {
        if (live(news) && sameNodes(olds, news) && news.maxmemoryBytes < olds.maxmemoryBytes) await refuseBelowUsed(news);
        const keys: (keyof CacheNodesInputs)[] = ["what", "access", "namespace", "nodes", "restartKey", "capacity", "memoryConf", "maxmemoryBytes", "evictionPolicy", "resources"];
        return { changes: keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])) };
    },
    async update(_id: string, olds: CacheNodesOutputs, news: CacheNodesInputs) {
        if (!live(news)) return { outs: { ...news, revisions: [] } };
        const inPlace = sameNodes(olds, news) && olds.restartKey === news.restartKey && memoryChanged(olds, news);
        return { outs: { ...news, revisions: await converge(news, inPlace, sameNodes(olds, news) ? olds.revisions ?? [] : []) } };
    },
};

/** Keeps the Redis nodes' pods at their StatefulSets' templates (see above). */
export function cacheNodes(name: string, args: { [K in keyof CacheNodesInputs]: pulumi.Input<CacheNodesInputs[K]> }, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    // A kubeconfig given in the access may hold credentials.
    return ownResource("CacheNodes", cacheNodesProvider, name, args, { ...opts, additionalSecretOutputs: ["access"] });
}
