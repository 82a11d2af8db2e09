import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineApp, Gateway, LeanCacheInstance } from "../../provider";
import { ConfigError } from "../../provider/config/errors";
import { dnsLabel } from "../../provider/config/names";
import { claimSlug } from "../../provider/components/slugClaims";
import { fixture, run } from "../mocks";
import { kubernetesConfig, kubernetesObjects } from "../kubernetesObjects";

// Names that could collide silently: a name that looks like a rewritten one, two names with one
// label, and a program's own Gateway named like the default one.

describe("names never collide silently", () => {
    it("a name shaped like a rewritten one (head-<8 hex>) is rewritten too, so it cannot take another name's label", () => {
        const rewritten = dnsLabel("My_App", 40);
        assert.match(rewritten, /^my-app-[0-9a-f]{8}$/);
        assert.notEqual(dnsLabel(rewritten, 40), rewritten);
        assert.match(dnsLabel(rewritten, 40), new RegExp(`^${rewritten}-[0-9a-f]{8}$`));
        assert.notEqual(dnsLabel("deadbeef"), "deadbeef");
        // Ordinary names are kept as they are.
        for (const name of ["web", "my-app", "api-v2", "shop-2024", "a1b2c3d4e5"]) assert.equal(dnsLabel(name), name);
    });

    it("on Kubernetes, My_App and an app named after its label get disjoint object names", async () => {
        const lookalike = dnsLabel("My_App", 40);
        const resources = await run(() => {
            new EngineApp("My_App", { engineImage: "registry.example.com/a:1" });
            new EngineApp(lookalike, { engineImage: "registry.example.com/b:1" });
        }, { config: kubernetesConfig() });
        const names = kubernetesObjects(resources).map((o) => `${o.type} ${o.name}`);
        assert.ok(names.length > 4, names.join("\n"));
        assert.equal(new Set(names).size, names.length, `duplicate object names:\n${names.join("\n")}`);
    });

    it("two names with one label in one program are a clear error naming both", async () => {
        await run(() => {
            claimSlug("EngineApp", "web", "Web", 'cloudengine:index:EngineApp "Web"');
            claimSlug("EngineApp", "web", "Web", 'cloudengine:index:EngineApp "Web"');
            assert.throws(() => claimSlug("EngineApp", "web", "WEB", 'cloudengine:index:EngineApp "WEB"'), (e: Error) => e instanceof ConfigError && /"WEB"/.test(e.message) && /EngineApp "Web" already has the object names web/.test(e.message));
            claimSlug("LeanCacheInstance", "web", "WEB", 'cloudengine:index:LeanCacheInstance "WEB"');
        });
    });

    it("a Gateway named cloudengine is refused (it is the default gateway's name); the default gateway still works", async () => {
        const resources = await run(() => {
            assert.throws(() => new Gateway("cloudengine", { httpPort: 8080 }), (e: Error) => e instanceof ConfigError && /cloudengine is the stack's default gateway/.test(e.message));
            new EngineApp("web", { source: fixture("goapp") });
            new LeanCacheInstance("c");
        });
        const gateways = resources.filter((r) => r.type === "cloudengine:index:Gateway");
        assert.deepEqual(gateways.map((g) => [g.name, g.inputs.httpPort]), [["cloudengine", 80]]);
    });
});
