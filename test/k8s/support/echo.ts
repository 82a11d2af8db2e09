// The Kubernetes tests' echo deployment (programs/echo with test/fixtures/echoapp built from source),
// through the real `pulumi up`, and how to reach it: the NodePorts of its load balancers on 127.0.0.1.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { LoopbackClient } from "../../support/httpClient";
import { clusterPlatformSettings, ClusterEnv, deleteLabelled, Kube, nodePortsOf, PACKAGE_LABEL, REPO } from "./cluster";
import { KubeStack } from "./stack";

const NS = "/api/v1/namespaces/default";
export const OWN = "own.example.com";

export interface EchoDeployment {
    stack: KubeStack;
    /** cloudengine.io/stack=<project>.dev */
    stackLabel: string;
    outputs: Record<string, any>;
    /** The app's default hostname (Host header) and its load balancer (HTTP). */
    appHost: string;
    app: LoopbackClient;
    /** The Domain own.example.com's load balancer (HTTP and HTTPS, the fixture's certificate). */
    own: LoopbackClient;
}

/** The NodePorts of the load balancer Service of a component (EngineApp or Domain) whose name contains `name`. */
export async function loadBalancerPorts(kube: Kube, stackLabel: string, component: string, name: string): Promise<{ http: number; https: number }> {
    const services = await kube.list(`${NS}/services?labelSelector=${encodeURIComponent(`${stackLabel},app.kubernetes.io/name=load-balancer,app.kubernetes.io/component=${component}`)}`);
    const service = services.find((s) => s.metadata.name.includes(name));
    assert.ok(service, `the load balancer Service of ${component} ${name} among ${services.map((s) => s.metadata.name).join(", ")}`);
    return nodePortsOf(service);
}

/** Polls until GET / on the hostname answers 200. */
export async function answering(client: LoopbackClient, hostname: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await client.request({ hostname, timeoutMs: 5_000 }).catch(() => ({ status: 0 }))).status !== 200) {
        assert.ok(Date.now() < deadline, `${hostname} answers within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** Deploys the echo program as project `project` (stack dev) with extra stack config; waits until both hostnames answer. */
export async function deployEcho(project: string, cluster: ClusterEnv, kube: Kube, config: Record<string, unknown> = {}): Promise<EchoDeployment> {
    const stackLabel = `cloudengine.io/stack=${project}.dev`;
    await deleteLabelled(kube, PACKAGE_LABEL);
    const stack = new KubeStack(project, cluster, {
        "index.ts": path.join(REPO, "test", "k8s", "programs", "echo", "index.ts"),
        "echoapp": path.join(REPO, "test", "fixtures", "echoapp"),
        "tls": path.join(REPO, "test", "fixtures", "tls"),
    });
    fs.writeFileSync(path.join(stack.work, "Pulumi.yaml"), JSON.stringify({ name: project, runtime: "nodejs", main: "index.ts" }));
    stack.init("dev", {
        "cloudengine:platform": "kubernetes",
        ...clusterPlatformSettings(cluster),
        ...config,
    });
    stack.ok("up", "--yes", "--skip-preview");
    const outputs = stack.outputs();
    const appHost = new URL(outputs.url).host;
    const app = new LoopbackClient(await loadBalancerPorts(kube, stackLabel, "EngineApp", "echo"));
    const own = new LoopbackClient(await loadBalancerPorts(kube, stackLabel, "Domain", "own"));
    await answering(app, appHost);
    await answering(own, OWN);
    return { stack, stackLabel, outputs, appHost, app, own };
}

/** Destroys the deployment's stack and removes its sandbox (unless KEEP_KUBE_STACK=1). */
export function removeEcho(d: EchoDeployment | undefined): void {
    if (!d || process.env.KEEP_KUBE_STACK === "1") return;
    d.stack.run("destroy", "--yes", "--skip-preview");
    d.stack.remove();
}

/**
 * What the load balancer pods of a component logged that explains failed requests: nginx's error lines and
 * access lines with a 5xx status, the last `max` of them, each prefixed by its pod. For a failing test's message.
 */
export async function loadBalancerTrouble(kube: Kube, stackLabel: string, component: string, max = 40): Promise<string> {
    const pods = await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(`${stackLabel},app.kubernetes.io/name=load-balancer,app.kubernetes.io/component=${component}`)}`);
    const lines: string[] = [];
    for (const pod of pods) {
        const log = await kube.request("GET", `${NS}/pods/${pod.metadata.name}/log?timestamps=true&tailLines=5000`);
        const text = typeof log.body === "string" ? log.body : JSON.stringify(log.body);
        for (const line of text.split("\n")) if (/\[(?:error|crit|alert|emerg|warn)\]|" 5\d\d /.test(line)) lines.push(`${pod.metadata.name}: ${line}`);
    }
    return lines.length ? lines.slice(-max).join("\n") : `(nothing in the logs of ${pods.length} load balancer pod(s))`;
}
