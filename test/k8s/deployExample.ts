// `npm run example -- --platform kubernetes` (after examples/run-quickstart.sh has started the local
// cluster): deploys examples/quickstart with the real `pulumi up` and the real Kubernetes provider onto
// it, then prints how to reach each load balancer and what it answers. The stack's backend and
// PULUMI_HOME are kept in examples/quickstart/.kubernetes/ for the next run and for `--destroy`.
// Building the app's image uses the project's stand-in Docker provider plugin (test/k8s/docker-provider:
// the real pulumi-resource-docker cannot be built here): it builds on the local Docker engine and pushes
// to the cluster's registry, as the real one does.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { requireToolchain } from "../engine/support";
import { LoopbackClient } from "../support/httpClient";
import { clusterEnv, Kube } from "./support/cluster";
import { QUICKSTART_DIR, quickstartStack, quickstartStackLabel, reachableLoadBalancers } from "./support/quickstart";

const KEPT_IN = path.join(QUICKSTART_DIR, ".kubernetes");

/** The CLI with its output on this terminal. */
function pulumiVisible(env: NodeJS.ProcessEnv, cwd: string, ...args: string[]): void {
    const r = spawnSync(path.join(requireToolchain().bin, "pulumi"), args, { cwd, env, stdio: "inherit" });
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

async function main(): Promise<void> {
    const cluster = clusterEnv();
    if (process.argv.includes("--destroy")) {
        if (!fs.existsSync(path.join(KEPT_IN, "backend"))) {
            console.log("run-quickstart: nothing was deployed to the local cluster; nothing to remove");
            return;
        }
        const stack = quickstartStack(cluster, KEPT_IN);
        pulumiVisible(stack.sb.env, stack.work, "destroy", "--yes", "--skip-preview");
        stack.ok("stack", "rm", "dev", "--yes");
        fs.rmSync(KEPT_IN, { recursive: true, force: true });
        console.log("run-quickstart: removed; the cluster keeps running (npm run kube-cluster -- stop)");
        return;
    }
    const stack = quickstartStack(cluster, KEPT_IN);
    console.log(`run-quickstart: pulumi up of examples/quickstart (stack dev, state in ${path.relative(process.cwd(), KEPT_IN)}/) onto the local cluster`);
    // --refresh: the cluster may have lost objects since the last run (a restart with --purge, test:k8s clearing it).
    pulumiVisible(stack.sb.env, stack.work, "up", "--yes", "--skip-preview", "--refresh");
    const outputs = stack.outputs();
    console.log("outputs:", JSON.stringify(outputs, null, 2));
    const kube = new Kube(cluster.KUBECONFIG);
    const balancers = await reachableLoadBalancers(kube, quickstartStackLabel());
    if (balancers.length === 0) throw new Error("no load balancer of the quick start found on the cluster");
    console.log("Each load balancer is a NodePort Service on 127.0.0.1 (the cluster has no load-balancer controller); ask it by Host header:");
    for (const lb of balancers) {
        const client = new LoopbackClient(lb.ports);
        for (const hostname of lb.hostnames) {
            const deadline = Date.now() + 60_000;
            let answer = await client.request({ hostname }).catch((e) => ({ status: 0, body: String(e) }));
            while (answer.status !== 200 && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 1000));
                answer = await client.request({ hostname }).catch((e) => ({ status: 0, body: String(e) }));
            }
            console.log(`  ${lb.component} ${lb.service}: curl -H 'Host: ${hostname}' http://127.0.0.1:${lb.ports.http}/  →  ${answer.status} ${String(answer.body).trim()}`);
        }
    }
    console.log("remove it with: npm run example -- --platform kubernetes --destroy; stop the cluster with: npm run kube-cluster -- stop");
}

main().catch((err) => {
    console.error(`deploy-example: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
});
