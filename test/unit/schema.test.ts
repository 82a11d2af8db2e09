import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { buildSchema, COMPONENT_ARGS } from "../../provider/schema/generate";
import { COMPONENT_OUTPUTS } from "../../provider/schema/outputs";
import { fixture, run } from "../mocks";

const root = path.join(__dirname, "..", "..", "..");
const checkedIn = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8"));
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;

describe("schema.json", () => {
    it("is exactly what the zod schemas generate (run npm run gen-schema after changing arguments)", () => {
        assert.deepEqual(checkedIn, buildSchema(version));
    });

    it("lists every argument of every component, with a description for each resource, input and output", () => {
        for (const [name, args] of Object.entries(COMPONENT_ARGS)) {
            const resource = checkedIn.resources[`cloudengine:index:${name}`];
            assert.ok(resource.description, name);
            const shape = Object.keys((args as any)._zod.def.shape).sort();
            assert.deepEqual(Object.keys(resource.inputProperties).sort(), shape, name);
            for (const [key, prop] of Object.entries<any>(resource.inputProperties)) assert.ok(prop.description, `${name}.${key}`);
            for (const [key, prop] of Object.entries<any>(resource.properties)) assert.ok(prop.description, `${name} output ${key}`);
        }
        for (const [token, type] of Object.entries<any>(checkedIn.types)) {
            for (const [key, prop] of Object.entries<any>(type.properties)) assert.ok(prop.description, `${token}.${key}`);
        }
    });

    it("has a non-empty description for the package, config, every resource, type, input property, type property and output", () => {
        const missing: string[] = [];
        const need = (where: string, node: any) => {
            if (typeof node?.description !== "string" || node.description.trim() === "") missing.push(where);
        };
        need("package", checkedIn);
        for (const [key, variable] of Object.entries<any>(checkedIn.config?.variables ?? {})) need(`config ${key}`, variable);
        for (const [token, resource] of Object.entries<any>(checkedIn.resources)) {
            need(token, resource);
            for (const [key, prop] of Object.entries<any>(resource.inputProperties ?? {})) need(`${token} input ${key}`, prop);
            for (const [key, prop] of Object.entries<any>(resource.properties ?? {})) need(`${token} output ${key}`, prop);
        }
        for (const [token, type] of Object.entries<any>(checkedIn.types)) {
            need(token, type);
            for (const [key, prop] of Object.entries<any>(type.properties ?? {})) need(`${token}.${key}`, prop);
        }
        assert.deepEqual(missing, [], `add .describe() to the zod schema (or a description in provider/schema/outputs.ts), then npm run gen-schema`);
    });

    it("marks secrets: master key, cache password and URL, env-group secrets, TLS key", () => {
        const r = checkedIn.resources;
        assert.equal(r["cloudengine:index:EngineApp"].inputProperties.masterKey.secret, true);
        assert.equal(r["cloudengine:index:LeanCacheInstance"].inputProperties.password.secret, true);
        assert.equal(r["cloudengine:index:LeanCacheInstance"].properties.url.secret, true);
        assert.equal(r["cloudengine:index:EnvGroup"].properties.secrets.secret, true);
        assert.equal(checkedIn.types["cloudengine:index:DomainTls"].properties.privateKey.secret, true);
    });

    it("the components expose exactly the outputs the schema declares", async () => {
        const instances: Record<string, pulumi.ComponentResource> = {};
        await run(() => {
            const gateway = new Gateway("gw");
            const cache = new LeanCacheInstance("c");
            const group = new EnvGroup("g", { variables: { A: "1" } });
            const app = new EngineApp("a", { source: fixture("goapp"), caches: [cache], envGroups: [group], gateway });
            const domain = new Domain("d", { hostname: "a.example.com", app });
            Object.assign(instances, { Gateway: gateway, LeanCacheInstance: cache, EnvGroup: group, EngineApp: app, Domain: domain });
        });
        for (const [name, instance] of Object.entries(instances)) {
            const outputs = Object.keys(instance).filter((k) => pulumi.Output.isInstance((instance as any)[k])).filter((k) => k !== "urn").sort();
            assert.deepEqual(outputs, Object.keys(COMPONENT_OUTPUTS[name]).sort(), name);
        }
    });
});
