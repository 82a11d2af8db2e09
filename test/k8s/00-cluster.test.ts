import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterScript, hostSnapshot, Kube } from "./support/cluster";

// The local cluster itself (scripts/kube-cluster.sh), first of the Kubernetes tests: it starts with a
// Ready node, a stop leaves the host exactly as it was (processes, mounts, network namespaces, links,
// iptables rules, host settings), and a second start works. It is left running for the next files.

/** Sends a pod through its whole life: scheduled, its image pulled through the registry, run, logged. */
async function runPod(kube: Kube, name: string, script: string): Promise<string> {
    await kube.request("DELETE", `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
    for (let i = 0; i < 100 && (await kube.request("GET", `/api/v1/namespaces/default/pods/${name}`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 200));
    const created = await kube.request("POST", "/api/v1/namespaces/default/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: { restartPolicy: "Never", containers: [{ name: "main", image: "debian:bookworm-slim", command: ["bash", "-c", script] }] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const deadline = Date.now() + 120_000;
    for (;;) {
        const pod = await kube.get(`/api/v1/namespaces/default/pods/${name}`);
        if (pod.status.phase === "Succeeded" || pod.status.phase === "Failed") {
            const log = await kube.request("GET", `/api/v1/namespaces/default/pods/${name}/log`);
            await kube.request("DELETE", `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`);
            assert.equal(pod.status.phase, "Succeeded", `pod ${name} failed; its log:\n${log.body}`);
            return String(log.body);
        }
        assert.ok(Date.now() < deadline, `pod ${name} still ${pod.status.phase} after 120 s: ${JSON.stringify(pod.status)}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

describe("the local Kubernetes cluster (scripts/kube-cluster.sh)", { timeout: 30 * 60_000 }, () => {
    it("starts with a Ready node; pods pull through the registry, resolve Services and reach the API; a stop leaves the host as it was; a second start works", async () => {
        clusterScript("stop");
        const before = hostSnapshot();
        const first = clusterScript("start");
        assert.equal(first.status, 0, first.output);
        assert.match(first.output, /cluster ready in \d+s: node cloudengine-node, Kubernetes v1\.34\.\d+/);
        const during = hostSnapshot();
        assert.notDeepEqual(during.processes, before.processes, "the cluster's processes run");
        assert.ok(during.iptables.some((r) => / -j KUBE-SERVICES/.test(r)), "kube-proxy's rules are in place");

        const kube = new Kube();
        const nodes = await kube.list("/api/v1/nodes");
        assert.deepEqual(nodes.map((n) => n.metadata.name), ["cloudengine-node"]);
        assert.ok(nodes[0].status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"));
        const out = await runPod(kube, "cluster-check", [
            "set -e",
            "getent hosts kubernetes.default.svc.cluster.local",
            "exec 3<>/dev/tcp/kubernetes.default.svc.cluster.local/443 && echo api-reachable",
            "touch /tmp/ok && echo written",
        ].join("\n"));
        assert.match(out, /^10\.96\.0\.1\s+kubernetes\.default\.svc\.cluster\.local$/m, "cluster DNS answers with the kubernetes Service's address");
        assert.match(out, /^api-reachable$/m, "the API server is reachable through its Service");
        assert.match(out, /^written$/m);

        // Pods leave network namespaces and mounts behind while they exist: the stop removes them all.
        const stopped = clusterScript("stop");
        assert.equal(stopped.status, 0, stopped.output);
        assert.deepEqual(hostSnapshot(), before, "after a stop the host is as before the start");

        const second = clusterScript("start");
        assert.equal(second.status, 0, second.output);
        const again = await runPod(new Kube(), "cluster-check-again", "getent hosts kubernetes.default.svc.cluster.local");
        assert.match(again, /kubernetes\.default\.svc\.cluster\.local/);
    });
});
