import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { z } from "zod";
import { Domain } from "./components/domain";
import { EngineApp } from "./components/engineApp";
import { EnvGroup } from "./components/envGroup";
import { Gateway } from "./components/gateway";
import { knownAppEnvironments, rememberAppEnvironments } from "./components/appEnvironments";
import { knownCacheName, rememberCacheName } from "./components/cacheNames";
import { TYPE_PREFIX } from "./components/kinds";
import { LeanCacheInstance } from "./components/leanCacheInstance";
import "./components/resourceModule";
import { fieldMeta } from "./config/args/fields";
import { resourceLabel } from "./config/errors";
import { checkKnownInputs, knownValue } from "./config/resolvedInputs";
import { checkTlsMaterial } from "./config/tlsMaterial";
import { packageVersion, readSchema } from "./packageInfo";
import { COMPONENT_ARGS } from "./schema/generate";
import { COMPONENT_OUTPUTS } from "./schema/outputs";

// The component provider (plugin `cloudengine`, executable pulumi-resource-cloudengine): programs in
// any language (YAML, Python, Go through the generated SDKs) construct the components here.
// Inputs arrive as plain values, Outputs (values from other resources, secrets, unknowns in a
// preview) and live resources (references to other components, rehydrated by resourceModule).

type Create = (name: string, args: any, opts: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;

const CREATE: Record<string, Create> = {
    EngineApp: (name, args, opts) => new EngineApp(name, args, opts),
    EnvGroup: (name, args, opts) => new EnvGroup(name, args, opts),
    LeanCacheInstance: (name, args, opts) => new LeanCacheInstance(name, args, opts),
    Domain: (name, args, opts) => new Domain(name, args, opts),
    Gateway: (name, args, opts) => new Gateway(name, args, opts),
};

export async function construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
    const kind = type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : "";
    const create = CREATE[kind];
    if (!create) throw new Error(`unknown resource type ${type}`);
    const dependencies: pulumi.Resource[] = [];
    const args = await adapt(COMPONENT_ARGS[kind], inputs, false, dependencies);
    // The server always passes dependsOn as an array of resources.
    const dependsOn = [...((options.dependsOn as pulumi.Resource[] | undefined) ?? []), ...dependencies];
    if (kind === "EngineApp") await learnCacheNames((args as { caches?: unknown } | undefined)?.caches);
    if (kind === "Domain") await learnAppEnvironments((args as { app?: unknown } | undefined)?.app);
    // Config secrets and other resources' outputs are known here in most runs: check them now, so a
    // bad one fails this construct alone, with one message, before any child registers.
    await checkKnownInputs(COMPONENT_ARGS[kind], args, resourceLabel(kind, name));
    if (kind === "Domain") await checkKnownTls(args as { hostname?: unknown; tls?: { certificate?: unknown; privateKey?: unknown } }, resourceLabel(kind, name));
    const component = create(name, args, dependencies.length ? { ...options, dependsOn } : options);
    const state = Object.fromEntries(Object.keys(COMPONENT_OUTPUTS[kind]).map((key) => [key, (component as any)[key]]));
    return { urn: component.urn, state };
}

/** A rehydrated reference's output value from state, if it arrives in time (else the check runs later). */
async function stateValue(output: unknown): Promise<unknown> {
    if (!pulumi.Output.isInstance(output)) return undefined;
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), REFERENCE_STATE_WAIT_MS).unref());
    const read = (async () => ((await (output as any).isKnown) ? ((await (output as any).promise()) as unknown) : undefined))();
    return Promise.race([read, timeout]);
}

/** A Domain's certificate and key, when both are known: checked before the Domain registers. */
async function checkKnownTls(args: { hostname?: unknown; tls?: { certificate?: unknown; privateKey?: unknown } } | undefined, resource: string): Promise<void> {
    const [certificate, key] = await Promise.all([knownValue(args?.tls?.certificate), knownValue(args?.tls?.privateKey)]);
    if (typeof args?.hostname !== "string" || typeof certificate?.value !== "string" || typeof key?.value !== "string") return;
    checkTlsMaterial(certificate.value, key.value, args.hostname, resource);
}

/** How long a reference's state may take to arrive before the check falls back to deploy time. */
const REFERENCE_STATE_WAIT_MS = 10_000;

/**
 * Referenced LeanCacheInstances arrive rehydrated, their names in state: learn them first, so an
 * EngineApp refuses two caches with one name before it registers anything (as in a TypeScript program).
 */
async function learnCacheNames(caches: unknown): Promise<void> {
    if (!Array.isArray(caches)) return;
    await Promise.all(caches.filter((c) => pulumi.Resource.isInstance(c) && knownCacheName(c) === undefined).map(async (cache) => {
        const name = await stateValue((cache as { name?: unknown }).name);
        if (typeof name === "string") rememberCacheName(cache as pulumi.Resource, name);
    }));
}

/** A referenced EngineApp's environments, from its stagingInstances in state (see learnCacheNames). */
async function learnAppEnvironments(app: unknown): Promise<void> {
    if (!pulumi.Resource.isInstance(app) || knownAppEnvironments(app) !== undefined) return;
    const staging = await stateValue((app as { stagingInstances?: unknown }).stagingInstances);
    if (typeof staging === "number") rememberAppEnvironments(app, staging > 0 ? ["production", "stage"] : ["production"]);
}

export const componentProvider: provider.Provider = {
    version: packageVersion,
    getSchema: async () => readSchema(),
    construct,
};

/**
 * Turns what the engine sent into the arguments the component classes take, guided by the zod
 * argument schema: fields that accept a pulumi Input (keys, variables, secrets, certificates) keep
 * their Outputs, so secrets stay secret and dependencies stay tracked; every other field gets the
 * plain value of a known, non-secret Output (its resources become dependencies of the component).
 * Unknown (in a preview) or secret values of plain fields stay Outputs, which validation refuses
 * with the usual ConfigError ("must be a plain value").
 */
async function adapt(schema: z.ZodType | undefined, value: unknown, secret: boolean, dependencies: pulumi.Resource[]): Promise<unknown> {
    if (value === null || value === undefined) return undefined;
    if (pulumi.Resource.isInstance(value)) return value;
    if (schema && acceptsInput(schema)) return secret ? pulumi.secret(value as pulumi.Input<unknown>) : value;
    if (pulumi.Output.isInstance(value)) {
        const output = value as any;
        const [known, isSecret] = await Promise.all([output.isKnown as Promise<boolean>, output.isSecret as Promise<boolean>]);
        if (!known) return value;
        const plain = await output.promise();
        if (isSecret && !(schema && reachesInputs(schema))) return value;
        dependencies.push(...(await output.allResources() as Set<pulumi.Resource>));
        return adapt(schema, plain, secret || isSecret, dependencies);
    }
    const inner = schema && unwrap(schema);
    const def = inner?._zod.def as any;
    if (Array.isArray(value)) {
        return Promise.all(value.map((v) => adapt(def?.type === "array" ? def.element : undefined, v, secret, dependencies)));
    }
    if (typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const field = def?.type === "object" ? def.shape[k] : def?.type === "record" ? def.valueType : undefined;
            const adapted = await adapt(field, v, secret, dependencies);
            if (adapted !== undefined) out[k] = adapted;
        }
        return out;
    }
    return value;
}

/** Whether the field takes a pulumi Input (an Output is fine there). */
function acceptsInput(schema: z.ZodType): boolean {
    for (let s: z.ZodType | undefined = schema; s; s = (s._zod.def as any).innerType) {
        if (fieldMeta.get(s)?.input) return true;
    }
    return false;
}

/** Whether every plain value inside the field lands in an Input field (so a secret can be kept there). */
function reachesInputs(schema: z.ZodType): boolean {
    if (acceptsInput(schema)) return true;
    const def = unwrap(schema)._zod.def as any;
    if (def.type === "record") return reachesInputs(def.valueType);
    if (def.type === "array") return reachesInputs(def.element);
    if (def.type === "object") return Object.values<z.ZodType>(def.shape).every(reachesInputs);
    return false;
}

function unwrap(schema: z.ZodType): z.ZodType {
    let current = schema;
    for (;;) {
        const def = current._zod.def as any;
        if ((def.type === "optional" || def.type === "default") && def.innerType) current = def.innerType;
        else return current;
    }
}
