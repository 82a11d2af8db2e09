import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { clusterPlatformSettings, ClusterEnv, ensureCluster, Kube } from "./support/cluster";
import { deployEcho, EchoDeployment, removeEcho } from "./support/echo";

// What the package does about load balancers on a cluster that has no load-balancer controller (like
// this one, and most bare-metal clusters): with serviceType NodePort the apps' and domains' inboundIps
// are the gateway's (the nodes' addresses); with the default LoadBalancer the wait for an address that
// never comes is bounded by loadBalancerTimeout, `pulumi up` fails with the provider's reason while the
// app keeps serving, and going back to NodePort heals the stack.

const PROJECT = "ce-k8s-lb";
const NS = "/api/v1/namespaces/default";
const TIMEOUT_S = 30;
/** The wait itself, plus the CLI's start and the rest of the update on top; far below the provider's own 600 s. */
const FAIL_WITHIN_S = TIMEOUT_S + 90;

describe("load balancers on a cluster without a load-balancer controller", { timeout: 20 * 60_000 }, () => {
    let d: EchoDeployment;
    let kube: Kube;
    let cluster: ClusterEnv;

    before(async () => {
        cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        d = await deployEcho(PROJECT, cluster, kube, { "cloudengine:gateway": { inboundIps: ["127.0.0.1"] } });
    });
    after(() => removeEcho(d));

    it("NodePort: the app's and the domain's inboundIps are the gateway's, the addresses the node ports are on", () => {
        assert.deepEqual(d.outputs.inboundIps, ["127.0.0.1"]);
        assert.deepEqual(d.outputs.ownInboundIps, ["127.0.0.1"]);
    });

    it("LoadBalancer: pulumi up fails after loadBalancerTimeout, saying no address was given, while the app keeps serving; NodePort again heals the stack", async (t) => {
        d.stack.configure(clusterPlatformSettings(cluster, { serviceType: "LoadBalancer", loadBalancerTimeout: TIMEOUT_S }));
        const t0 = Date.now();
        const up = await d.stack.runAsync("up", "--yes", "--skip-preview");
        const seconds = (Date.now() - t0) / 1000;
        const diagnostics = up.all.slice(up.all.indexOf("Diagnostics:"));
        t.diagnostic(`pulumi up exited ${up.status} after ${seconds.toFixed(0)} s; its diagnostics:\n${diagnostics.slice(0, 2000)}`);
        assert.notEqual(up.status, 0);
        assert.ok(seconds >= TIMEOUT_S && seconds < FAIL_WITHIN_S, `fails after ${TIMEOUT_S} s and within ${FAIL_WITHIN_S} s (${seconds.toFixed(0)} s)`);
        assert.match(diagnostics, /Service was not allocated an IP address/);
        const services = await kube.list(`${NS}/services?labelSelector=${encodeURIComponent(`${d.stackLabel},app.kubernetes.io/name=load-balancer`)}`);
        // The update stops at the first Service that times out: the others may not have been changed yet.
        const balancers = services.filter((s) => s.spec.type === "LoadBalancer");
        assert.ok(balancers.length >= 1, `a LoadBalancer Service among ${services.map((s) => `${s.metadata.name} ${s.spec.type}`).join(", ")}`);
        for (const s of balancers) assert.equal(s.metadata.annotations?.["pulumi.com/timeoutSeconds"], String(TIMEOUT_S), s.metadata.name);
        // A LoadBalancer Service keeps its node ports: the app is reached as before.
        assert.equal((await d.app.request({ hostname: d.appHost })).status, 200);

        d.stack.configure(clusterPlatformSettings(cluster));
        d.stack.ok("up", "--yes", "--skip-preview");
        assert.deepEqual(d.stack.outputs().inboundIps, ["127.0.0.1"]);
        assert.equal((await d.app.request({ hostname: d.appHost })).status, 200);
    });
});
