// The local cluster of scripts/kube-cluster.sh as the Kubernetes tests use it: started once (reused
// when it runs), reached with its administrator's kubeconfig, and a snapshot of what a start changes
// on the host, to prove a stop leaves nothing behind.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { kubeAccess, KubeAccess } from "../../../provider/platform/kubernetes/kubeAccess";
import { kubeRequest } from "../../../provider/platform/kubernetes/kubeApi";

export const REPO = path.join(__dirname, "..", "..", "..", "..");
const SCRIPT = path.join(REPO, "scripts", "kube-cluster.sh");

export interface ClusterEnv {
    KUBECONFIG: string;
    CLOUDENGINE_KUBE_REGISTRY: string;
    /** The node's containerd socket (for exec into pods' containers, as `kubectl exec` would). */
    CLOUDENGINE_KUBE_CONTAINERD: string;
}

/** The cluster's KUBECONFIG and registry (scripts/kube-cluster.sh --print-env). */
export function clusterEnv(): ClusterEnv {
    const out = execFileSync("bash", [SCRIPT, "--print-env"], { encoding: "utf8" });
    const env = Object.fromEntries(out.trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2))) as unknown as ClusterEnv;
    if (!env.KUBECONFIG || !env.CLOUDENGINE_KUBE_REGISTRY || !env.CLOUDENGINE_KUBE_CONTAINERD) throw new Error(`kube-cluster.sh --print-env printed: ${out}`);
    return env;
}

/** Runs scripts/kube-cluster.sh with the arguments; its progress goes to this process's stderr. */
export function clusterScript(...args: string[]): { status: number | null; output: string } {
    const r = spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30 * 60_000 });
    process.stderr.write(r.stderr ?? "");
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Starts the cluster unless it runs with a Ready node already. */
export function ensureCluster(): ClusterEnv {
    if (clusterScript("status").status !== 0) {
        const started = clusterScript("start");
        if (started.status !== 0) throw new Error(`scripts/kube-cluster.sh start failed (exit ${started.status}):\n${started.output.slice(-3000)}`);
    }
    return clusterEnv();
}

export interface KubeResponse {
    status: number;
    body: any;
}

/** A client of the cluster's API with the administrator's kubeconfig (the package's own API client). */
export class Kube {
    private readonly access: KubeAccess;

    constructor(kubeconfig = clusterEnv().KUBECONFIG) {
        this.access = kubeAccess({ kubeconfig });
    }

    request(method: string, pathAndQuery: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse> {
        return kubeRequest(this.access, method, pathAndQuery, body, contentType);
    }

    /** GET that must succeed; returns the object. */
    async get(pathAndQuery: string): Promise<any> {
        const r = await this.request("GET", pathAndQuery);
        if (r.status !== 200) throw new Error(`GET ${pathAndQuery}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
        return r.body;
    }

    /** The items of a list (e.g. /api/v1/namespaces/default/pods?labelSelector=...). */
    async list(pathAndQuery: string): Promise<any[]> {
        return (await this.get(pathAndQuery)).items ?? [];
    }
}

/**
 * What a start of the cluster changes on the host, as text lines: iptables chains and rules (without
 * counters), mount points, network namespaces, links, the cluster's processes, host settings the kubelet
 * and kube-proxy change, files the kubelet puts in fixed places.
 */
export function hostSnapshot(): Record<string, string[]> {
    const run = (cmd: string, args: string[]) => {
        const r = spawnSync(cmd, args, { encoding: "utf8" });
        return r.status === 0 ? r.stdout : `(${cmd} ${args.join(" ")} failed: ${r.stderr.trim()})`;
    };
    const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "").sort();
    const rules = (cmd: string) =>
        ["filter", "nat", "mangle"].flatMap((table) =>
            lines(run(cmd, ["-w", "-t", table, "-S"])).map((l) => `${table} ${l}`),
        );
    const ls = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
    const processes = lines(run("ps", ["-eo", "args="]))
        .filter((l) => /cloudengine-kube|kube-cluster-v|containerd-shim.*cloudengine/.test(l) && !/kube-cluster\.sh/.test(l));
    return {
        iptables: rules("iptables"),
        ip6tables: rules("ip6tables"),
        mounts: lines(fs.readFileSync("/proc/self/mountinfo", "utf8")).map((l) => l.split(" ")[4]).sort(),
        netns: ls("/run/netns"),
        links: lines(run("ip", ["-o", "link", "show"])).map((l) => l.split(":")[1].trim().split("@")[0]).sort(),
        processes,
        sysctl: ["net.ipv4.conf.all.route_localnet", "vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops"].map(
            (k) => `${k}=${fs.readFileSync(`/proc/sys/${k.replace(/\./g, "/")}`, "utf8").trim()}`,
        ),
        files: [...ls("/var/log/containers").map((f) => `/var/log/containers/${f}`), ...(fs.existsSync("/var/lib/kubelet") ? ["/var/lib/kubelet"] : [])],
    };
}

/**
 * Runs a command in a pod's container through the node's containerd (the process gets the container's
 * user, capabilities, filesystem and namespaces, as with `kubectl exec`).
 */
export function podExec(cluster: ClusterEnv, pod: any, cmd: string[], options: { container?: string; user?: string } = {}): { status: number | null; stdout: string; stderr: string } {
    const id = containerIdOf(pod, options.container);
    const r = spawnSync("ctr", ["--address", cluster.CLOUDENGINE_KUBE_CONTAINERD, "-n", "k8s.io", "tasks", "exec", "--exec-id", `test-${process.pid}-${Date.now()}`, ...(options.user ? ["--user", options.user] : []), id, ...cmd], { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** The containerd ID of a pod's container (default its first). */
function containerIdOf(pod: any, container: string = pod.spec.containers[0].name): string {
    const id = String(pod.status.containerStatuses?.find((c: any) => c.name === container)?.containerID ?? "").replace(/^containerd:\/\//, "");
    if (!id) throw new Error(`pod ${pod.metadata.name}: no running container ${container}`);
    return id;
}

function ctr(cluster: ClusterEnv, ...args: string[]): string {
    const r = spawnSync("ctr", ["--address", cluster.CLOUDENGINE_KUBE_CONTAINERD, "-n", "k8s.io", ...args], { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`ctr ${args.join(" ")}: ${r.stderr || r.stdout}`);
    return r.stdout;
}

/** Sends SIGKILL to a pod's container's process through the node's containerd (the kubelet then restarts the container). */
export function podKill(cluster: ClusterEnv, pod: any): void {
    ctr(cluster, "tasks", "kill", "--signal", "SIGKILL", containerIdOf(pod));
}

/**
 * Cuts a pod off the network, or puts it back (`isolated` false): packets on its eth0 are dropped in its
 * own network namespace, while it keeps running (and its probes, which use the loopback, keep passing).
 */
export function podIsolate(cluster: ClusterEnv, pod: any, isolated: boolean): void {
    const id = containerIdOf(pod);
    const line = ctr(cluster, "tasks", "ls").split("\n").find((l) => l.startsWith(`${id} `));
    const pid = Number(line?.trim().split(/\s+/)[1]);
    if (!pid) throw new Error(`pod ${pod.metadata.name}: no task for container ${id}`);
    for (const rule of [["INPUT", "-i", "eth0", "-j", "DROP"], ["OUTPUT", "-o", "eth0", "-j", "DROP"]]) {
        const r = spawnSync("nsenter", ["-t", String(pid), "-n", "iptables", isolated ? "-I" : "-D", ...rule], { encoding: "utf8", timeout: 30_000 });
        if (r.status !== 0) throw new Error(`iptables ${isolated ? "-I" : "-D"} ${rule.join(" ")} in pod ${pod.metadata.name}: ${r.stderr || r.stdout}`);
    }
}

/** Namespaced collections the package creates objects in. */
const PACKAGE_COLLECTIONS = [
    "/apis/apps/v1/namespaces/default/deployments",
    "/apis/apps/v1/namespaces/default/statefulsets",
    "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
    "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
    "/api/v1/namespaces/default/services",
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/secrets",
    "/api/v1/namespaces/default/persistentvolumeclaims",
];

/** The package's objects that carry the label selector, as "<collection kind>/<name>". */
export async function labelledObjects(kube: Kube, selector: string): Promise<string[]> {
    const found: string[] = [];
    for (const collection of PACKAGE_COLLECTIONS) {
        for (const o of await kube.list(`${collection}?labelSelector=${encodeURIComponent(selector)}`)) found.push(`${collection.split("/").pop()}/${o.metadata.name}`);
    }
    return found.sort();
}

/**
 * Deletes what earlier, interrupted runs left in the cluster (objects with the label selector) and waits
 * until they are gone: object names depend on the app, not the stack, so a leftover would conflict.
 */
export async function deleteLabelled(kube: Kube, selector: string, timeoutMs = 180_000): Promise<void> {
    for (const collection of PACKAGE_COLLECTIONS) {
        await kube.request("DELETE", `${collection}?labelSelector=${encodeURIComponent(selector)}&propagationPolicy=Foreground`);
    }
    const deadline = Date.now() + timeoutMs;
    for (let left = await labelledObjects(kube, selector); left.length; left = await labelledObjects(kube, selector)) {
        if (Date.now() > deadline) throw new Error(`objects of an earlier run still there after ${timeoutMs / 1000} s: ${left.join(", ")}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}

/** Every object of the package, whichever stack made it. */
export const PACKAGE_LABEL = "app.kubernetes.io/part-of=cloudengine";

/** Stack config `cloudengine:kubernetes` for this cluster: NodePort load balancers (no load-balancer controller) and its registry; `more` overrides. */
export function clusterPlatformSettings(cluster: ClusterEnv, more: Record<string, unknown> = {}): Record<string, unknown> {
    return { "cloudengine:kubernetes": { serviceType: "NodePort", imageRegistry: `${cluster.CLOUDENGINE_KUBE_REGISTRY}/cloudengine`, ...more } };
}

/** The NodePorts of a load balancer Service (0 for a port it does not have). */
export function nodePortsOf(service: any): { http: number; https: number } {
    const port = (n: string) => service.spec.ports.find((p: any) => p.name === n)?.nodePort ?? 0;
    return { http: port("http"), https: port("https") };
}
