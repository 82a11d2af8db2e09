import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import ts from "typescript";
import { z } from "zod";
import { certificateProvider } from "../../provider/components/generatedCertificate";
import { domainArgs } from "../../provider/config/args/domain";
import { appScaling, appVersion, sharedCache } from "../../provider/config/args/engineApp";
import { COMPONENT_ARGS, defaultOf, NON_PRIMITIVE_DEFAULT } from "../../provider/schema/generate";
import { validPrograms } from "../types/publicArgs";
import { fixture, run } from "../mocks";

// The public argument types in provider/args.ts are written by hand for their doc comments (hover
// docs); the zod schemas stay the source of truth. test/types/argsMatchSchemas.ts checks the types
// at compile time; this checks the doc comments, read with the TypeScript compiler API.

const root = path.join(__dirname, "..", "..", "..");
const ARGS_FILE = path.join(root, "provider", "args.ts");
const schemaJson = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8"));

/** Each public interface, the zod object schema it mirrors, and where schema.json has its properties. */
const tlsSchema = unwrap((domainArgs as any)._zod.def.shape.tls);
const INTERFACES: Record<string, { schema: z.ZodType; schemaJson: Record<string, any>[] }> = {
    EngineAppArgs: { schema: COMPONENT_ARGS.EngineApp, schemaJson: [schemaJson.resources["cloudengine:index:EngineApp"].inputProperties] },
    EnvGroupArgs: { schema: COMPONENT_ARGS.EnvGroup, schemaJson: [schemaJson.resources["cloudengine:index:EnvGroup"].inputProperties] },
    LeanCacheInstanceArgs: { schema: COMPONENT_ARGS.LeanCacheInstance, schemaJson: [schemaJson.resources["cloudengine:index:LeanCacheInstance"].inputProperties] },
    DomainArgs: { schema: COMPONENT_ARGS.Domain, schemaJson: [schemaJson.resources["cloudengine:index:Domain"].inputProperties] },
    DomainTlsArgs: { schema: tlsSchema, schemaJson: [schemaJson.types["cloudengine:index:DomainTls"].properties] },
    SharedCacheArgs: { schema: sharedCache, schemaJson: [schemaJson.types["cloudengine:index:EngineAppSharedCache"].properties] },
    AppScalingArgs: { schema: appScaling, schemaJson: [schemaJson.types["cloudengine:index:EngineAppScaling"].properties] },
    AppVersionArgs: { schema: appVersion, schemaJson: [schemaJson.types["cloudengine:index:EngineAppVersion"].properties] },
    // The stack config cloudengine:gateway takes the same arguments (type GatewaySettings).
    GatewayArgs: { schema: COMPONENT_ARGS.Gateway, schemaJson: [schemaJson.resources["cloudengine:index:Gateway"].inputProperties, schemaJson.types["cloudengine:index:GatewaySettings"].properties] },
};

interface Doc {
    /** The comment's text before its tags. */
    text: string;
    tags: { name: string; text: string }[];
}
interface PublicInterface {
    doc: Doc | undefined;
    fields: Map<string, Doc | undefined>;
}

function docOf(node: ts.Node): Doc | undefined {
    const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
    if (docs.length === 0) return undefined;
    const doc = docs[docs.length - 1];
    return {
        text: ts.getTextOfJSDocComment(doc.comment) ?? "",
        tags: (doc.tags ?? []).map((t) => ({ name: t.tagName.text, text: (ts.getTextOfJSDocComment(t.comment) ?? "").trim() })),
    };
}

function readInterfaces(): Map<string, PublicInterface> {
    const source = ts.createSourceFile(ARGS_FILE, fs.readFileSync(ARGS_FILE, "utf8"), ts.ScriptTarget.ES2022, true);
    const found = new Map<string, PublicInterface>();
    for (const statement of source.statements) {
        if (!ts.isInterfaceDeclaration(statement)) continue;
        const fields = new Map<string, Doc | undefined>();
        for (const member of statement.members) {
            if (ts.isPropertySignature(member) && member.name && ts.isIdentifier(member.name)) fields.set(member.name.text, docOf(member));
            else assert.fail(`${statement.name.text}: only plain property signatures are expected, got ${member.getText(source)}`);
        }
        found.set(statement.name.text, { doc: docOf(statement), fields });
    }
    return found;
}

/** The zod description: what the first paragraph of a doc comment must say. */
function description(schema: z.ZodType): string | undefined {
    for (let s: any = schema; s; s = s._zod.def.innerType) {
        const d = z.globalRegistry.get(s)?.description;
        if (d) return d;
    }
    return undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
    let s: any = schema;
    while ((s._zod.def.type === "optional" || s._zod.def.type === "default") && s._zod.def.innerType) s = s._zod.def.innerType;
    return s;
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
    return (unwrap(schema) as any)._zod.def.shape;
}

/** A doc comment's first paragraph as plain text: code spans are formatting (`REDIS_URL_<NAME>`), line breaks are spaces. */
function firstParagraph(text: string): string {
    return text.split(/\n\s*\n/)[0].replace(/`/g, "").replace(/\s+/g, " ").trim();
}

const interfaces = readInterfaces();

describe("public argument types (provider/args.ts) against the zod schemas and schema.json", () => {
    it("declares exactly the checked interfaces, each with a doc comment and exactly its schema's fields", () => {
        assert.deepEqual([...interfaces.keys()].sort(), Object.keys(INTERFACES).sort());
        for (const [name, { schema }] of Object.entries(INTERFACES)) {
            const declared = interfaces.get(name)!;
            assert.ok(declared.doc?.text.trim(), `${name} has no doc comment`);
            assert.deepEqual([...declared.fields.keys()].sort(), Object.keys(shapeOf(schema)).sort(), name);
        }
    });

    it("every field has a doc comment whose first paragraph is the schema's description", () => {
        const problems: string[] = [];
        for (const [name, { schema }] of Object.entries(INTERFACES)) {
            for (const [key, field] of Object.entries(shapeOf(schema))) {
                const doc = interfaces.get(name)!.fields.get(key);
                const expected = description(field);
                if (!expected) problems.push(`${name}.${key}: the zod schema has no .describe()`);
                else if (!doc || !doc.text.trim()) problems.push(`${name}.${key}: no doc comment (it should start with ${JSON.stringify(expected)})`);
                else if (firstParagraph(doc.text) !== expected) problems.push(`${name}.${key}: doc comment starts with ${JSON.stringify(firstParagraph(doc.text))}, the schema says ${JSON.stringify(expected)}`);
            }
        }
        assert.deepEqual(problems, []);
    });

    it("a field has @default exactly when the schema has a default, with the same value (JSON)", () => {
        const problems: string[] = [];
        for (const [name, { schema }] of Object.entries(INTERFACES)) {
            for (const [key, field] of Object.entries(shapeOf(schema))) {
                const tags = interfaces.get(name)!.fields.get(key)?.tags.filter((t) => t.name === "default") ?? [];
                const value = defaultOf(field);
                if (value === undefined) {
                    if (tags.length) problems.push(`${name}.${key}: @default ${tags[0].text}, but the schema has no default (say what happens in the description instead)`);
                    continue;
                }
                if (tags.length !== 1) {
                    problems.push(`${name}.${key}: needs one @default ${JSON.stringify(value)}`);
                    continue;
                }
                let documented: unknown;
                try {
                    documented = JSON.parse(tags[0].text);
                } catch {
                    problems.push(`${name}.${key}: @default ${tags[0].text} is not a JSON value`);
                    continue;
                }
                try {
                    assert.deepEqual(documented, value);
                } catch {
                    problems.push(`${name}.${key}: @default ${tags[0].text}, the schema's default is ${JSON.stringify(value)}`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("every default is in schema.json: as the property's default, or for lists and maps at the end of its description", () => {
        const problems: string[] = [];
        for (const [name, entry] of Object.entries(INTERFACES)) {
            for (const [key, field] of Object.entries(shapeOf(entry.schema))) {
                const value = defaultOf(field);
                for (const properties of entry.schemaJson) {
                    const prop = properties[key];
                    if (!prop) {
                        problems.push(`${name}.${key}: not in schema.json`);
                        continue;
                    }
                    const primitive = ["string", "number", "boolean"].includes(typeof value);
                    if (primitive ? prop.default !== value : prop.default !== undefined) problems.push(`${name}.${key}: schema.json default ${JSON.stringify(prop.default)}, zod default ${JSON.stringify(value)}`);
                    const stated = value !== undefined && !primitive ? NON_PRIMITIVE_DEFAULT(value) : undefined;
                    if (stated && !String(prop.description).endsWith(` ${stated}`)) problems.push(`${name}.${key}: schema.json description should end with ${JSON.stringify(stated)}`);
                    if (!stated && /Default: [[{]/.test(String(prop.description))) problems.push(`${name}.${key}: schema.json description states a default the schema does not have`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("every @example that is a JSON value is valid for its field", () => {
        const problems: string[] = [];
        let checked = 0;
        for (const [name, { schema }] of Object.entries(INTERFACES)) {
            for (const [key, field] of Object.entries(shapeOf(schema))) {
                for (const tag of interfaces.get(name)!.fields.get(key)?.tags.filter((t) => t.name === "example") ?? []) {
                    const code = tag.text.replace(/\s*\/\/.*$/s, "").trim();
                    let value: unknown;
                    try {
                        value = JSON.parse(code);
                    } catch {
                        continue; // code (new LeanCacheInstance(...), config.requireSecret(...)): checked by reading
                    }
                    checked++;
                    const result = field.safeParse(value);
                    if (!result.success) problems.push(`${name}.${key}: @example ${code} is refused: ${result.error.issues.map((i) => i.message).join("; ")}`);
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(checked >= 10, `only ${checked} JSON examples were checked`);
    });
});

describe("what the public types accept, the components accept at run time", () => {
    it("the typed programs of test/types/publicArgs.ts (Outputs, secrets and promises in Input fields, every field set) run under mocks", async () => {
        const { outs: pem } = await certificateProvider.create({ hostname: "api.example.test", days: 30 });
        let made: Record<string, pulumi.Resource> = {};
        const resources = await run(() => {
            made = validPrograms(fixture("goapp"), pem);
        });
        for (const [name, resource] of Object.entries(made)) assert.ok(pulumi.Resource.isInstance(resource), name);
        const components = resources.filter((r) => r.type.startsWith("cloudengine:index:")).map((r) => `${r.type.slice("cloudengine:index:".length)}/${r.name}`).sort();
        for (const expected of ["Domain/api", "Domain/www", "EngineApp/minimal", "EngineApp/typed", "EnvGroup/empty", "EnvGroup/shared", "Gateway/edge", "LeanCacheInstance/cache", "LeanCacheInstance/plain"]) {
            assert.ok(components.includes(expected), `${expected} in ${components.join(", ")}`);
        }
    });
});
