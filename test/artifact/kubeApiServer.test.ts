import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EngineApp } from "../../provider";
import { run } from "../mocks";
import { kubernetesConfig, kubernetesObjects, manifestOf } from "../kubernetesObjects";
import { everything, VARIANTS } from "../kubernetesVariants";
import { KubeApiServer, startKubeApiServer } from "../support/kubeApiServer";
import { validateManifests } from "../support/kubeValidator";

// Every object the Kubernetes platform renders, dry-run against a real kube-apiserver of the pinned
// Kubernetes version (the one kubeManifests.test.ts takes its schemas from), by server-side apply as
// the Pulumi Kubernetes provider sends them: the API server's own validation and admission, which
// kubeconform's schema check does not run.  The first run on a fresh machine builds etcd and
// kube-apiserver from the Go module proxy (scripts/kube-apiserver.sh, minutes).

describe("Kubernetes manifests against a real kube-apiserver (server-side dry run)", { timeout: 75 * 60_000 }, () => {
    let server: KubeApiServer | undefined;

    before(async () => {
        server = await startKubeApiServer();
    }, { timeout: 70 * 60_000 });

    after(async () => {
        await server?.stop();
    });

    it("is the pinned Kubernetes version", async () => {
        const r = await server!.request("GET", "/version");
        assert.equal(r.status, 200);
        assert.equal(r.body.gitVersion, `v${server!.binaries.kubernetesVersion}`);
    });

    for (const [title, settings] of VARIANTS) {
        it(`the API server accepts every object: ${title}`, { timeout: 600_000 }, async () => {
            const objects = kubernetesObjects(await run(everything, { config: kubernetesConfig(settings) }));
            const kinds = new Set(objects.map((o) => o.type.split(":")[2]));
            for (const kind of ["Deployment", "Service", "Secret", "ConfigMap", "StatefulSet", "PodDisruptionBudget"]) assert.ok(kinds.has(kind), `renders a ${kind}`);
            const result = await server!.dryRunApply(objects.map(manifestOf));
            assert.deepEqual(result.errors, []);
            assert.equal(result.ok, true);
            // Warnings too (deprecations, duplicate list entries, ...), but the one the mocks cause:
            // test/mocks.ts stands in "CERT(<hostname>)" for a generated certificate, not PEM.
            const mockCertificate = /^Secret\/[^:]*-tls-[0-9a-f]+: tls: failed to find any PEM data in certificate input$/;
            assert.deepEqual(result.warnings.filter((w) => !mockCertificate.test(w)), []);
        });
    }

    it("every workload meets the restricted Pod Security Standard (the namespace warns on any violation)", { timeout: 600_000 }, async () => {
        const namespace = "restricted-apps";
        const created = await server!.request("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespace, labels: { "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest" } },
        });
        assert.ok(created.status === 201 || created.status === 409, `namespace: ${created.status} ${created.text}`);
        const objects = kubernetesObjects(await run(everything, { config: kubernetesConfig({ namespace }) }));
        const result = await server!.dryRunApply(objects.map(manifestOf));
        assert.deepEqual(result.errors, []);
        const workloads = objects.filter((o) => /:(Deployment|StatefulSet)$/.test(o.type)).length;
        assert.ok(workloads >= 5);
        assert.deepEqual(result.warnings.filter((w) => /violate PodSecurity/.test(w)), []);

        // The check itself works: a privileged container in the same namespace is warned about.
        const deployment = manifestOf(objects.find((o) => o.type.endsWith(":Deployment"))!) as any;
        deployment.spec.template.spec.containers[0].securityContext = { privileged: true };
        const bad = await server!.dryRunApply([deployment]);
        assert.match(bad.warnings.join("\n"), /violate PodSecurity "restricted:latest"/);
    });

    it("refuses what the OpenAPI schema accepts: a selector that does not match the template, an invalid label value", { timeout: 600_000 }, async () => {
        const objects = kubernetesObjects(await run(() => new EngineApp("web", { engineImage: "registry.example.com/team/web:v1" }), { config: kubernetesConfig() }));
        const original = objects.find((o) => o.type.endsWith(":Deployment") && o.name === "app-web-production");
        assert.ok(original, "renders the Deployment app-web-production");

        const mismatched = structuredClone(manifestOf(original)) as any;
        mismatched.metadata.name = "mismatched-selector";
        mismatched.spec.selector = { matchLabels: { "cloudengine.io/not-the-template": "x" } };
        const badLabel = structuredClone(manifestOf(original)) as any;
        badLabel.metadata.name = "bad-label";
        badLabel.metadata.labels = { ...badLabel.metadata.labels, "cloudengine.io/app": "not a valid label value!" };

        // kubeconform (the OpenAPI shape) finds nothing wrong with either
        const schema = await validateManifests([mismatched, badLabel]);
        assert.deepEqual(schema.errors, []);

        for (const method of ["apply", "create"] as const) {
            const result = await server!.dryRunApply([mismatched, badLabel], { method });
            assert.equal(result.ok, false, method);
            assert.equal(result.errors.length, 2, `${method}: ${result.errors.join("\n")}`);
            assert.match(result.errors[0], /^Deployment\/mismatched-selector: .*spec\.template\.metadata\.labels.*`selector` does not match template `labels`/, method);
            assert.match(result.errors[1], /^Deployment\/bad-label: .*metadata\.labels: Invalid value: "not a valid label value!"/, method);
        }
        // server-side apply (what the Pulumi provider sends) also refuses duplicate list keys
        const duplicateEnv = structuredClone(manifestOf(original)) as any;
        duplicateEnv.metadata.name = "duplicate-env";
        duplicateEnv.spec.template.spec.containers[0].env = [{ name: "A", value: "1" }, { name: "A", value: "2" }];
        assert.deepEqual((await validateManifests([duplicateEnv])).errors, []);
        assert.match((await server!.dryRunApply([duplicateEnv])).errors.join("\n"), /^Deployment\/duplicate-env: .*duplicate entries for key \[name="A"\]/);

        // the object they were made from is accepted (the refusals are the changes, nothing else)
        assert.deepEqual((await server!.dryRunApply([manifestOf(original)])).errors, []);
    });

    it("dry run stores nothing (only the namespaces)", async () => {
        const r = await server!.request("GET", "/apis/apps/v1/deployments");
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.items, []);
    });
});
