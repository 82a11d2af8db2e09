// The quick start (examples/quickstart, stack dev) on the local cluster, shared by its test and by
// `npm run example -- --platform kubernetes`: the program and its Pulumi.dev.yaml, with the Kubernetes
// platform, NodePort load balancers (the cluster has no load-balancer controller) and the cluster's
// registry; and where each of its load balancers is reached.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { clusterPlatformSettings, ClusterEnv, Kube, nodePortsOf, REPO } from "./cluster";
import { KubeStack } from "./stack";

export const QUICKSTART_DIR = path.join(REPO, "examples", "quickstart");
const NS = "/api/v1/namespaces/default";

/** The quick start's stack dev; `keptIn`: a directory to keep its backend in (otherwise a temporary one). */
export function quickstartStack(cluster: ClusterEnv, keptIn?: string): KubeStack {
    const stack = new KubeStack("k8s-quickstart", cluster, Object.fromEntries(
        // package.json too: the Node.js host takes the project's root and main from the nearest one.
        ["index.ts", "app", "Pulumi.yaml", "tsconfig.json", "package.json"].map((f) => [f, path.join(QUICKSTART_DIR, f)]),
    ), keptIn);
    const dev = parse(fs.readFileSync(path.join(QUICKSTART_DIR, "Pulumi.dev.yaml"), "utf8")).config;
    stack.init("dev", {
        ...dev,
        "cloudengine:platform": "kubernetes",
        ...clusterPlatformSettings(cluster),
    });
    return stack;
}

/** cloudengine.io/stack=<project>.dev of the quick start. */
export function quickstartStackLabel(): string {
    const project = parse(fs.readFileSync(path.join(QUICKSTART_DIR, "Pulumi.yaml"), "utf8")).name;
    return `cloudengine.io/stack=${project}.dev`;
}

export interface ReachableLoadBalancer {
    /** EngineApp or Domain */
    component: string;
    service: string;
    /** NodePorts on 127.0.0.1 (https 0 without TLS). */
    ports: { http: number; https: number };
    /** The hostnames its nginx configuration serves (server_name). */
    hostnames: string[];
}

/** Every load balancer of a stack, with its node ports and the hostnames it serves. */
export async function reachableLoadBalancers(kube: Kube, stackLabel: string): Promise<ReachableLoadBalancer[]> {
    const selector = (more: string) => encodeURIComponent(`${stackLabel},app.kubernetes.io/name=load-balancer${more}`);
    const services = await kube.list(`${NS}/services?labelSelector=${selector("")}`);
    const result: ReachableLoadBalancer[] = [];
    for (const s of services) {
        const configs = await kube.list(`${NS}/configmaps?labelSelector=${selector(`,app.kubernetes.io/instance=${s.metadata.name}`)}`);
        const hostnames = new Set<string>();
        for (const c of configs) {
            for (const m of String(c.data?.["nginx.conf"] ?? "").matchAll(/server_name ([^;]+);/g)) for (const h of m[1].split(/\s+/)) if (/^[a-z0-9]/i.test(h)) hostnames.add(h); // not the catch-all "_"
        }
        result.push({ component: s.metadata.labels["app.kubernetes.io/component"], service: s.metadata.name, ports: nodePortsOf(s), hostnames: [...hostnames] });
    }
    return result.sort((a, b) => a.service.localeCompare(b.service));
}
