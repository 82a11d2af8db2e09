import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { componentProvider, construct } from "../../provider/componentProvider";
import { ConfigError } from "../../provider/config/errors";
import { COMPONENT_OUTPUTS } from "../../provider/schema/outputs";
import { CONTAINER, fixture, isSecret, only, ofType, reveal, run, valueOf } from "../mocks";

/* eslint-disable @typescript-eslint/no-require-imports */
const rpc = require("@pulumi/pulumi/runtime/rpc");
const settings = require("@pulumi/pulumi/runtime/settings");

const root = path.join(__dirname, "..", "..", "..");
const T = (kind: string) => `cloudengine:index:${kind}`;

/** A resource reference as the engine sends it (what Python, Go and YAML programs pass). */
function reference(urn: string): pulumi.Resource {
    return rpc.deserializeProperty({ [rpc.specialSigKey]: rpc.specialResourceSig, urn, packageVersion: "0.1.0" });
}

/** Waits until every registration (and registered outputs) of the current mocked run is done. */
async function settled(...resources: pulumi.Resource[]): Promise<string[]> {
    const urns = await Promise.all(resources.map((r) => valueOf(r.urn)));
    await settings.waitForRPCs();
    return urns;
}

async function stateValues(state: Record<string, any>): Promise<Record<string, unknown>> {
    const entries = await Promise.all(Object.entries(state).map(async ([k, v]) => [k, pulumi.Output.isInstance(v) ? await valueOf(v) : v] as const));
    return Object.fromEntries(entries);
}

describe("component provider", () => {
    it("serves exactly the checked-in schema.json and the package version", async () => {
        assert.equal(await componentProvider.getSchema!(), fs.readFileSync(path.join(root, "schema.json"), "utf8"));
        assert.equal(componentProvider.version, JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
    });

    it("constructs an EnvGroup and returns its URN and every output the schema declares", async () => {
        let result!: Awaited<ReturnType<typeof construct>>;
        const resources = await run(async () => {
            result = await construct("shared", T("EnvGroup"), { variables: { A: "1" }, secrets: { TOKEN: pulumi.secret("s3cr3t") } }, {});
        });
        const group = only(resources, T("EnvGroup"), "shared");
        assert.equal(await valueOf(pulumi.output(result.urn)), group.urn);
        assert.deepEqual(Object.keys(result.state).sort(), Object.keys(COMPONENT_OUTPUTS.EnvGroup).sort());
        assert.deepEqual(await stateValues(result.state), { variables: { A: "1" }, secrets: { TOKEN: "s3cr3t" }, names: ["A", "TOKEN"] });
        assert.equal(await pulumi.isSecret(result.state.secrets), true);
        assert.equal(await pulumi.isSecret(result.state.variables), false);
    });

    it("takes the plain values of known Outputs for plain fields and keeps secrets secret (a whole secret map too)", async () => {
        let result!: Awaited<ReturnType<typeof construct>>;
        let app!: Awaited<ReturnType<typeof construct>>;
        const resources = await run(async () => {
            result = await construct("cache", T("LeanCacheInstance"), { name: pulumi.output("MAIN"), capacity: pulumi.output("256M"), password: pulumi.secret("p4ssword-long") }, {});
            const group = await construct("g", T("EnvGroup"), { variables: pulumi.secret({ SHARED: "plain-but-secret" }) }, {});
            await settings.waitForRPCs(); // as the provider's server does before answering
            app = await construct("web", T("EngineApp"), { source: fixture("goapp"), instances: pulumi.output(2), variables: pulumi.secret({ OWN: "v" }), envGroups: [reference(await valueOf(pulumi.output(group.urn)))] }, {});
        });
        assert.equal(await valueOf(result.state.capacity), "256M");
        assert.equal(await valueOf(result.state.envName), "REDIS_URL_MAIN");
        assert.equal(await pulumi.isSecret(result.state.password), true);
        assert.equal(await valueOf(app.state.instances), 2);
        const containers = ofType(resources, CONTAINER).filter((c) => c.name.startsWith("web-production-"));
        assert.equal(containers.length, 2);
        for (const c of containers) {
            assert.ok(isSecret(c.inputs.envs), "the environment holds secrets");
            const env = reveal(c.inputs.envs) as string[];
            assert.ok(env.includes("OWN=v") && env.includes("SHARED=plain-but-secret"), env.join(" "));
        }
    });

    it("fails with the ConfigError before registering anything", async () => {
        const resources = await run(async () => {
            await assert.rejects(construct("bad", T("EnvGroup"), { variables: { "1BAD": "x" } }, {}), (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.equal((e as Error).message, 'cloudengine:index:EnvGroup "bad": invalid variables.1BAD: got "1BAD"; allowed: a variable name: letters, digits and _ , not starting with a digit');
                return true;
            });
            await assert.rejects(construct("c", T("LeanCacheInstance"), { capacity: pulumi.output("3G") }, {}), /invalid capacity: got "3G"; allowed: one of "128M"/);
            await assert.rejects(construct("x", "cloudengine:index:Nope", {}, {}), /unknown resource type cloudengine:index:Nope/);
        });
        assert.deepEqual(resources.filter((r) => r.type.startsWith("cloudengine:")), []);
    });
});

describe("rehydration from resource references", () => {
    it("a referenced component has every output from state and registers nothing", async () => {
        const outputs: Record<string, Record<string, unknown>> = {};
        const rehydrated: Record<string, Record<string, unknown>> = {};
        const resources = await run(async () => {
            const created: Record<string, pulumi.ComponentResource> = {
                EnvGroup: new EnvGroup("g", { variables: { A: "1" }, secrets: { S: "x" } }),
                LeanCacheInstance: new LeanCacheInstance("c", { capacity: "512M" }),
                Gateway: new Gateway("gw", { domain: "apps.test", httpPort: 8080 }),
            };
            const urns = await settled(...Object.values(created));
            for (const [i, [kind, resource]] of Object.entries(created).entries()) {
                const ref = reference(urns[i]);
                assert.equal(ref.constructor.name, kind);
                assert.equal(await valueOf(ref.urn), urns[i]);
                outputs[kind] = await stateValues(Object.fromEntries(Object.keys(COMPONENT_OUTPUTS[kind]).map((k) => [k, (resource as any)[k]])));
                rehydrated[kind] = await stateValues(Object.fromEntries(Object.keys(COMPONENT_OUTPUTS[kind]).map((k) => [k, (ref as any)[k]])));
                if (kind === "EnvGroup") assert.equal(await pulumi.isSecret((ref as EnvGroup).secrets), true);
                if (kind === "LeanCacheInstance") assert.equal(await pulumi.isSecret((ref as LeanCacheInstance).password), true);
            }
        });
        for (const kind of Object.keys(outputs)) {
            assert.deepEqual(rehydrated[kind], outputs[kind], kind);
            assert.notEqual(Object.values(rehydrated[kind]).filter((v) => v !== undefined).length, 0, kind);
        }
        assert.equal(ofType(resources, T("EnvGroup")).length, 1, "the reference did not register another EnvGroup");
        assert.equal(ofType(resources, T("Gateway")).length, 1);
    });

    it("an EngineApp constructed with references to caches, env groups and a gateway uses their outputs; a Domain with a referenced app too", async () => {
        let app!: Awaited<ReturnType<typeof construct>>;
        let domain!: Awaited<ReturnType<typeof construct>>;
        const resources = await run(async () => {
            const cache = new LeanCacheInstance("c", { name: "CACHE", password: "p4ssword-long" });
            const group = new EnvGroup("g", { variables: { FROM_GROUP: "yes" }, secrets: { GROUP_SECRET: "shh" } });
            const gateway = new Gateway("gw", { domain: "apps.test", httpPort: 8080 });
            const [cacheUrn, groupUrn, gatewayUrn] = await settled(cache, group, gateway);
            app = await construct("web", T("EngineApp"), { source: fixture("goapp"), caches: [reference(cacheUrn)], envGroups: [reference(groupUrn)], gateway: reference(gatewayUrn) }, {});
            await settings.waitForRPCs(); // the app's outputs are in state
            domain = await construct("www", T("Domain"), { hostname: "www.apps.test", app: reference(await valueOf(pulumi.output(app.urn))) }, {});
        });
        assert.equal(await valueOf(app.state.url), "http://web.apps.test:8080");
        const container = only(resources, CONTAINER, "web-production-0");
        const env = reveal(container.inputs.envs) as string[];
        assert.ok(env.includes("FROM_GROUP=yes"), env.join(" "));
        assert.ok(env.includes("GROUP_SECRET=shh"));
        assert.ok(env.some((e) => /^REDIS_URL_CACHE=redis:\/\/default:p4ssword-long@/.test(e)), env.join(" "));
        assert.ok(isSecret(container.inputs.envs));
        assert.equal(await valueOf(domain.state.url), "http://www.apps.test:8080");
        assert.deepEqual(await stateValues(domain.state), { url: "http://www.apps.test:8080", hostname: "www.apps.test", environment: "production", inboundIps: [] });
        assert.equal(ofType(resources, T("Gateway")).length, 1, "no default gateway: the referenced one serves the app");
    });
});

describe("component inputs", () => {
    it("a component registers its validated arguments as inputs, secrets as secrets, and exposes only its outputs", async () => {
        let group!: EnvGroup;
        const resources = await run(() => {
            group = new EnvGroup("g", { variables: { A: "1" }, secrets: { S: "x" } });
            new LeanCacheInstance("c", { password: "p4ssword-long" });
        });
        const registered = only(resources, T("EnvGroup"), "g");
        assert.deepEqual(registered.inputs.variables, { A: "1" });
        assert.ok(isSecret(registered.inputs.secrets), "secrets are registered as a secret");
        assert.deepEqual(reveal(registered.inputs.secrets), { S: "x" });
        const cache = only(resources, T("LeanCacheInstance"), "c");
        assert.ok(isSecret(cache.inputs.password));
        assert.equal(cache.inputs.capacity, "128M", "defaults are filled in, so an explicit default is no change");
        assert.deepEqual(Object.keys(group).filter((k) => pulumi.Output.isInstance((group as any)[k]) && k !== "urn").sort(), ["names", "secrets", "variables"]);
    });
});
