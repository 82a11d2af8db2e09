import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { dnsLabel } from "../../provider/config/names";
import { fixture, Registered, reveal, run } from "../mocks";

// Previews are clean when the same program asks for byte-identical inputs, and a change touches
// only the resources it must.

function program(variables: Record<string, string>) {
    return () => {
        const cache = new LeanCacheInstance("cache", { name: "CACHE", password: "pa55word-xyz" });
        const group = new EnvGroup("group", { variables: { B: "2", A: "1" } });
        const web = new EngineApp("web", { source: fixture("goapp"), instances: 2, caches: [cache], envGroups: [group], variables, appKey: "k", masterKey: "m" });
        new EngineApp("api", { source: fixture("goapp"), appKey: "k", masterKey: "m" });
        new Domain("www", { hostname: "www.example.com", app: web });
    };
}

function byUrn(resources: Registered[]): Map<string, string> {
    return new Map(resources.map((r) => [r.urn, JSON.stringify(reveal(r.inputs))]));
}

describe("clean previews", () => {
    it("the same program twice asks for identical inputs", async () => {
        const first = byUrn(await run(program({ X: "1", Y: "2" }), { stack: "same" }));
        const second = byUrn(await run(program({ Y: "2", X: "1" }), { stack: "same" }));
        assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
        for (const [urn, inputs] of first) assert.equal(second.get(urn), inputs, urn);
    });

    it("changing one app's variable changes only that app's instances", async () => {
        const before = byUrn(await run(program({ X: "1" }), { stack: "change" }));
        const after = byUrn(await run(program({ X: "2" }), { stack: "change" }));
        const changed = [...before.keys()].filter((urn) => before.get(urn) !== after.get(urn)).map((urn) => urn.split("::").pop()).sort();
        // The app component itself (its registered inputs) and its instances; nothing else.
        assert.deepEqual(changed, ["web", "web-production-0", "web-production-1"]);
    });
});

describe("names", () => {
    it("DNS labels are kept when valid and rewritten deterministically, with a hash, when not", () => {
        assert.equal(dnsLabel("web"), "web");
        assert.match(dnsLabel("My_App"), /^my-app-[0-9a-f]{8}$/);
        assert.equal(dnsLabel("My_App"), dnsLabel("My_App"));
        assert.notEqual(dnsLabel("My_App"), dnsLabel("my-app"));
        const long = dnsLabel("a".repeat(100));
        assert.ok(long.length <= 63 && /^[a-z0-9-]+$/.test(long), long);
        assert.ok(dnsLabel("x".repeat(50), 40).length <= 40);
    });
});
