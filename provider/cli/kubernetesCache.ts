import { ChildProcess, spawn, spawnSync } from "child_process";
import { REDIS_PORT } from "../config/spec";
import { CACHE_ANNOTATIONS } from "../platform/kubernetes/cacheAnnotations";
import { CacheQuery, queryText } from "./cacheQuery";

// A LeanCache instance on a Kubernetes cluster, from a developer's machine (like `lean db proxy` and
// `lean db shell`), through kubectl, which every cluster's users have and which already speaks the
// cluster's authentication and streaming protocols: the instance's Service is found by the annotations
// the package puts on it, `kubectl port-forward` publishes it on 127.0.0.1 (through the endpoint: the
// master), and `kubectl exec` runs redis-cli in a node's pod.

export interface KubeTarget {
    namespace: string;
    /** kubeconfig context; default the current one. */
    context?: string;
}

export interface FoundKubeCache {
    project: string;
    stack: string;
    namespace: string;
    /** The instance's Service: what REDIS_URL_<NAME> names. */
    service: string;
    password: string;
    /** A running node pod, for redis-cli. */
    pod: string;
}

function kubectlArgs(target: KubeTarget, args: string[]): string[] {
    return [...(target.context ? ["--context", target.context] : []), "-n", target.namespace, ...args];
}

function kubectlJson(target: KubeTarget, args: string[]): any {
    const ran = spawnSync("kubectl", kubectlArgs(target, [...args, "-o", "json"]), { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (ran.error) throw new Error(`this command runs kubectl for Kubernetes: ${ran.error.message}`);
    if (ran.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${ran.stderr.trim() || `exit ${ran.status}`}`);
    return JSON.parse(ran.stdout);
}

function ready(pod: any): boolean {
    return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
}

/** The one instance the query names in the namespace, or an error that says which exist. */
export function findKubeCache(target: KubeTarget, q: CacheQuery): FoundKubeCache {
    const services: any[] = kubectlJson(target, ["get", "services", "-l", "app.kubernetes.io/name=leancache,app.kubernetes.io/part-of=cloudengine"]).items;
    const all = services.filter((s) => s.metadata.annotations?.[CACHE_ANNOTATIONS.cacheName]);
    const note = (s: any, key: keyof typeof CACHE_ANNOTATIONS) => s.metadata.annotations[CACHE_ANNOTATIONS[key]] as string;
    const where = (s: any) => `${note(s, "project")}/${note(s, "stack")}`;
    const named = all.filter((s) => note(s, "cacheName") === q.name || note(s, "resourceName") === q.name)
        .filter((s) => (q.project === undefined || note(s, "project") === q.project) && (q.stack === undefined || note(s, "stack") === q.stack));
    if (named.length !== 1) {
        const known = all.map((s) => `${note(s, "cacheName")} (${where(s)})`).sort();
        const wanted = queryText(q);
        throw new Error(named.length === 0
            ? `no LeanCache instance ${wanted} in namespace ${target.namespace}; there: ${known.join(", ") || "none"}`
            : `${named.length} LeanCache instances are named ${q.name} in namespace ${target.namespace} (${named.map(where).join(", ")}): give --project and --stack`);
    }
    const service = named[0].metadata.name as string;
    const pods: any[] = kubectlJson(target, ["get", "pods", "-l", "app.kubernetes.io/name=leancache"]).items;
    const nodes = pods.filter((p) => {
        const l = p.metadata.labels ?? {};
        const member = l["cloudengine.io/leancache-member"];
        return ready(p) && (l["app.kubernetes.io/instance"] === service || l["cloudengine.io/leancache"] === service) && (member === undefined || member === "node");
    });
    if (!nodes.length) throw new Error(`LeanCache instance ${q.name} (${where(named[0])}): no node pod is ready`);
    const auth = nodes[0].spec.containers[0].env?.find((e: any) => e.name === "REDISCLI_AUTH")?.valueFrom?.secretKeyRef;
    if (!auth) throw new Error(`LeanCache instance ${q.name} (${where(named[0])}): its pods are not as the package makes them`);
    const secret = kubectlJson(target, ["get", "secret", auth.name]);
    const password = Buffer.from(secret.data?.[auth.key] ?? "", "base64").toString("utf8");
    if (!password) throw new Error(`LeanCache instance ${q.name}: its Secret ${auth.name} has no ${auth.key}`);
    return { project: note(named[0], "project"), stack: note(named[0], "stack"), namespace: target.namespace, service, password, pod: nodes[0].metadata.name };
}

export interface PortForward {
    port: number;
    url: string;
    /** Settles when kubectl ends (its exit code), e.g. when the pod it forwards to goes away. */
    ended: Promise<number | null>;
    stop(): Promise<void>;
}

/** `kubectl port-forward` of the instance's Service to 127.0.0.1:`port` (0: any free port). */
export function startPortForward(target: KubeTarget, cache: FoundKubeCache, port: number): Promise<PortForward> {
    const child: ChildProcess = spawn("kubectl", kubectlArgs(target, ["port-forward", "--address", "127.0.0.1", `svc/${cache.service}`, `${port || ""}:${REDIS_PORT}`]), { stdio: ["ignore", "pipe", "pipe"] });
    const stop = () => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
    });
    return new Promise((resolve, reject) => {
        let output = "";
        const fail = (why: string) => { void stop(); reject(new Error(`kubectl port-forward ${why}: ${output.trim()}`)); };
        child.once("error", (err) => reject(new Error(`this command runs kubectl for Kubernetes: ${err.message}`)));
        child.once("exit", (code) => fail(`ended (exit ${code})`));
        child.stderr!.on("data", (d) => { output += d; });
        child.stdout!.on("data", (d) => {
            output += d;
            const forwarding = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
            if (!forwarding) return;
            child.removeAllListeners("exit");
            child.stdout!.removeAllListeners("data").resume();
            child.stderr!.removeAllListeners("data").pipe(process.stderr);
            const ended = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
            const published = Number(forwarding[1]);
            resolve({ port: published, url: `redis://default:${cache.password}@127.0.0.1:${published}`, ended, stop });
        });
    });
}

/** kubectl exec: redis-cli in a node's pod, connected to the instance's Service (the endpoint: the master). */
export function kubeShellCommand(target: KubeTarget, cache: FoundKubeCache, interactive: boolean, args: string[]): string[] {
    return kubectlArgs(target, ["exec", interactive ? "-it" : "-i", cache.pod, "-c", "redis", "--", "redis-cli", "-h", cache.service, "-p", String(REDIS_PORT), ...args]);
}
