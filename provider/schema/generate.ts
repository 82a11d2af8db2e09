import { z } from "zod";
import { domainArgs } from "../config/args/domain";
import { engineAppArgs } from "../config/args/engineApp";
import { envGroupArgs } from "../config/args/envGroup";
import { fieldMeta } from "../config/args/fields";
import { gatewayArgs } from "../config/args/gateway";
import { kubernetesSettings } from "../config/args/kubernetes";
import { leanCacheInstanceArgs } from "../config/args/leanCacheInstance";
import { COMPONENT_OUTPUTS, OutputSpec } from "./outputs";

// schema.json is generated from the zod argument schemas and the output list: the checked-in file
// must equal buildSchema() (a unit test compares them; `npm run gen-schema` rewrites it).

export const PACKAGE = "cloudengine";
const TOKEN = (name: string) => `${PACKAGE}:index:${name}`;

export const COMPONENT_ARGS: Record<string, z.ZodType> = {
    EngineApp: engineAppArgs,
    EnvGroup: envGroupArgs,
    LeanCacheInstance: leanCacheInstanceArgs,
    Domain: domainArgs,
    Gateway: gatewayArgs,
};

type Json = Record<string, unknown>;

export function buildSchema(version: string): Json {
    const types: Record<string, Json> = {};
    const resources: Record<string, Json> = {};
    for (const [name, args] of Object.entries(COMPONENT_ARGS)) {
        const { properties, required } = objectProperties(args, name, types);
        const outputs = COMPONENT_OUTPUTS[name];
        resources[TOKEN(name)] = {
            isComponent: true,
            description: describe(args) ?? name,
            inputProperties: properties,
            ...nonEmpty("requiredInputs", required),
            properties: Object.fromEntries(Object.entries(outputs).map(([k, spec]) => [k, outputProperty(spec)])),
            ...nonEmpty("required", Object.keys(outputs).filter((k) => !outputs[k].optional).sort()),
        };
    }
    return {
        name: PACKAGE,
        displayName: "Cloud Engine",
        version,
        description: "A self-hosted Cloud Engine: Go apps built from source behind a load balancer, LeanCache (Redis), domains and environment groups, on Docker or Kubernetes.",
        keywords: ["pulumi", "cloudengine", "leancloud", "docker", "kubernetes", "category/cloud", "kind/component"],
        license: "Apache-2.0",
        // Versioned SDKs (pulumi-plugin.json, setup.py) and a go.mod for the Go SDK.
        meta: { supportPack: true },
        // Stack config cloudengine:<key>, with the same zod schemas the program validates it with.
        config: {
            variables: {
                platform: { type: "string", description: "Where everything runs: docker (default) or kubernetes.", default: "docker" },
                gateway: { ...typeOf(gatewayArgs, "GatewaySettings", types), description: "Arguments of the stack's default Gateway (the one apps use when given none)." },
                kubernetes: { ...typeOf(kubernetesSettings, "KubernetesSettings", types), description: describe(kubernetesSettings) },
            },
        },
        types,
        resources,
        language: {
            nodejs: { packageName: "pulumi-cloudengine", dependencies: { "@pulumi/pulumi": "^3.0.0" } },
            python: { packageName: "pulumi_cloudengine", requires: { pulumi: ">=3.0.0,<4.0.0" } },
            go: { importBasePath: "github.com/cloudengine-dev/pulumi-cloudengine/sdk/go/cloudengine", generateResourceContainerTypes: true },
        },
    };
}

function objectProperties(schema: z.ZodType, owner: string, types: Record<string, Json>): { properties: Json; required: string[] } {
    const def = unwrap(schema)._zod.def as unknown as { shape: Record<string, z.ZodType> };
    const properties: Json = {};
    const required: string[] = [];
    for (const [key, field] of Object.entries(def.shape)) {
        properties[key] = property(field, owner + capitalize(key), types);
        if (!isOptional(field)) required.push(key);
    }
    return { properties, required: required.sort() };
}

function property(schema: z.ZodType, typeName: string, types: Record<string, Json>): Json {
    const prop = typeOf(schema, typeName, types);
    let description = describe(schema);
    const meta = metaOf(schema);
    const value = defaultOf(schema);
    if (value !== undefined) {
        // Pulumi schemas take defaults of primitive types only ("default": [] is refused by the
        // metaschema); a list's or map's default is stated at the end of the description instead.
        if (["string", "number", "boolean"].includes(typeof value)) prop.default = value;
        else description = `${description ?? ""}${description ? " " : ""}${NON_PRIMITIVE_DEFAULT(value)}`;
    }
    if (description) prop.description = description;
    if (meta?.secret) prop.secret = true;
    return prop;
}

function typeOf(schema: z.ZodType, typeName: string, types: Record<string, Json>): Json {
    const inner = unwrap(schema);
    const meta = metaOf(schema);
    if (meta?.ref) return { $ref: `#/resources/${TOKEN(meta.ref)}` };
    if (meta?.input) return { type: "string" };
    const def = inner._zod.def as unknown as Record<string, any>;
    switch (def.type) {
        case "string":
            return { type: "string" };
        case "number":
            return { type: def.format && /int/.test(def.format) ? "integer" : "number" };
        case "boolean":
            return { type: "boolean" };
        case "enum":
            return { type: "string" };
        case "array":
            // An object element's type is named in the singular (EngineApp.sharedCaches: EngineAppSharedCache).
            return { type: "array", items: typeOf(def.element, typeName.replace(/s$/, ""), types) };
        case "record":
            // Likewise a map's (EngineApp.versions: EngineAppVersion).
            return { type: "object", additionalProperties: typeOf(def.valueType, typeName.replace(/s$/, ""), types) };
        case "object": {
            const token = TOKEN(typeName);
            const { properties, required } = objectProperties(inner, typeName, types);
            types[token] = { type: "object", description: describe(inner) ?? typeName, properties, ...nonEmpty("required", required) };
            return { $ref: `#/types/${token}` };
        }
        default:
            throw new Error(`schema generator: unsupported zod type ${def.type} for ${typeName}`);
    }
}

function outputProperty(spec: OutputSpec): Json {
    const base: Json =
        spec.type === "string[]" ? { type: "array", items: { type: "string" } }
        : spec.type === "stringMap" ? { type: "object", additionalProperties: { type: "string" } }
        : spec.type === "object" ? { $ref: "pulumi.json#/Any" }
        : { type: spec.type };
    return { ...base, description: spec.description, ...(spec.secret ? { secret: true } : {}) };
}

/** How a default that is not a string, number or boolean ends a property's description: "Default: []." */
export const NON_PRIMITIVE_DEFAULT = (value: unknown) => `Default: ${JSON.stringify(value)}.`;

/** The field's zod default (.default(...)), or undefined when it has none. */
export function defaultOf(schema: z.ZodType): unknown {
    const def = schema._zod.def as unknown as { type: string; defaultValue?: unknown };
    if (def.type !== "default") return undefined;
    return typeof def.defaultValue === "function" ? (def.defaultValue as () => unknown)() : def.defaultValue;
}

/** Empty lists are left out, as Pulumi's own schema serialization does (pulumi package get-schema). */
function nonEmpty(key: string, list: string[]): Json {
    return list.length ? { [key]: list } : {};
}

/** Peels optional/default wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
    let current = schema;
    for (;;) {
        const def = current._zod.def as unknown as { type: string; innerType?: z.ZodType };
        if ((def.type === "optional" || def.type === "default") && def.innerType) current = def.innerType;
        else return current;
    }
}

function isOptional(schema: z.ZodType): boolean {
    const type = (schema._zod.def as unknown as { type: string }).type;
    return type === "optional" || type === "default";
}

function describe(schema: z.ZodType): string | undefined {
    for (let s: z.ZodType | undefined = schema; s; s = (s._zod.def as unknown as { innerType?: z.ZodType }).innerType) {
        const d = z.globalRegistry.get(s)?.description;
        if (d) return d;
    }
    return undefined;
}

function metaOf(schema: z.ZodType) {
    for (let s: z.ZodType | undefined = schema; s; s = (s._zod.def as unknown as { innerType?: z.ZodType }).innerType) {
        const m = fieldMeta.get(s);
        if (m) return m;
    }
    return undefined;
}

function capitalize(s: string): string {
    return s.charAt(0).toUpperCase() + s.slice(1);
}
