import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineApp } from "../../provider";
import { run } from "../mocks";
import { kubernetesConfig, kubernetesObjects, manifestOf } from "../kubernetesObjects";
import { everything, VARIANTS } from "../kubernetesVariants";
import { validateManifests } from "../support/kubeValidator";

// Every manifest the Kubernetes platform renders must be valid for the pinned Kubernetes version,
// checked by kubeconform against the API's own OpenAPI schema (strict: unknown fields fail).

describe("Kubernetes manifests against the Kubernetes OpenAPI schema", () => {
    for (const [title, settings] of VARIANTS) {
        it(`every object is valid: ${title}`, { timeout: 600_000 }, async () => {
            const objects = kubernetesObjects(await run(everything, { config: kubernetesConfig(settings) }));
            const kinds = new Set(objects.map((o) => o.type.split(":")[2]));
            for (const kind of ["Deployment", "Service", "Secret", "ConfigMap", "StatefulSet", "PodDisruptionBudget"]) assert.ok(kinds.has(kind), `renders a ${kind}`);
            if (settings.ingressClassName) assert.ok(kinds.has("Ingress"));
            const result = await validateManifests(objects.map(manifestOf));
            assert.deepEqual(result.errors, []);
            assert.equal(result.ok, true);
        });
    }

    it("the validator is not lenient: a manifest broken the way a bug would break it fails", { timeout: 600_000 }, async () => {
        const objects = kubernetesObjects(await run(() => new EngineApp("web", { engineImage: "registry.example.com/team/web:v1" }), { config: kubernetesConfig() }));
        const deployment = manifestOf(objects.find((o) => o.type.endsWith(":Deployment") && o.name === "app-web-production")!) as any;
        deployment.spec.template.spec.containers[0].startupProbe.periodSecond = 1;
        const result = await validateManifests([deployment]);
        assert.equal(result.ok, false);
        assert.match(result.errors.join("\n"), /Deployment\/app-web-production.*periodSecond/);
    });
});
