import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");
import { z } from "zod";
import { Domain } from "./components/domain";
import { EngineApp } from "./components/engineApp";
import { EnvGroup } from "./components/envGroup";
import { Gateway } from "./components/gateway";
import { appEnvironments, cacheName } from "./components/knownFacts";
import { certificateProvider } from "./components/generatedCertificate";
import { secretProvider } from "./components/generatedSecret";
import { volumeSizeProvider } from "./platform/kubernetes/volumeSize";
import { cacheNodesProvider } from "./platform/kubernetes/cacheNodes";
import { cacheSettingsProvider } from "./platform/docker/cacheSettings";
import { gatewaySiteProvider } from "./platform/docker/gatewaySite";
import { releaseProvider } from "./platform/docker/release";
import { TYPE_PREFIX } from "./components/kinds";
import { LeanCacheInstance } from "./components/leanCacheInstance";
import "./components/resourceModule";
import { resourceLabel } from "./config/errors";
import { checkKnownInputs, knownValue } from "./config/resolvedInputs";
import { inputMeta, unwrap } from "./config/schemaWalk";
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
    return Promise.race([knownValue(output).then((known) => known?.value), timeout]);
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
    await Promise.all(caches.filter((c) => pulumi.Resource.isInstance(c) && cacheName.known(c) === undefined).map(async (cache) => {
        const name = await stateValue((cache as { name?: unknown }).name);
        if (typeof name === "string") cacheName.remember(cache as pulumi.Resource, name);
    }));
}

/** A referenced EngineApp's environments, from its stagingInstances in state (see learnCacheNames). */
async function learnAppEnvironments(app: unknown): Promise<void> {
    if (!pulumi.Resource.isInstance(app) || appEnvironments.known(app) !== undefined) return;
    const staging = await stateValue((app as { stagingInstances?: unknown }).stagingInstances);
    if (typeof staging === "number") appEnvironments.remember(app, staging > 0 ? ["production", "stage"] : ["production"]);
}

/**
 * Values as a dynamic provider sees them: the engine sends secrets and outputs to this plugin wrapped
 * (it accepts them), Node's dynamic provider unwraps them. Secret outputs stay secret through the
 * resources' additionalSecretOutputs.
 */
function plainValues(value: unknown): any {
    if (Array.isArray(value)) return value.map(plainValues);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    const sig = record[rpc.specialSigKey];
    if (sig === rpc.specialSecretSig || sig === rpc.specialOutputValueSig) return plainValues(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plainValues(v)]));
}

/** The package's own custom resources by kind (also in a process that only deletes or diffs them). */
const OWN_RESOURCES: Record<string, pulumi.dynamic.ResourceProvider> = {
    GeneratedSecret: secretProvider,
    GeneratedCertificate: certificateProvider,
    Release: releaseProvider,
    GatewaySite: gatewaySiteProvider,
    CacheSettings: cacheSettingsProvider,
    VolumeSize: volumeSizeProvider,
    CacheNodes: cacheNodesProvider,
};

/** The implementation behind an own resource's URN (…$cloudengine:index:GeneratedSecret::name). */
function implementationOf(urn: string): pulumi.dynamic.ResourceProvider {
    const type = urn.split("::")[2]?.split("$").pop() ?? "";
    const implementation = type.startsWith(TYPE_PREFIX) ? OWN_RESOURCES[type.slice(TYPE_PREFIX.length)] : undefined;
    if (!implementation) throw new Error(`unknown resource type ${type}`);
    return implementation;
}

export const componentProvider: provider.Provider = {
    version: packageVersion,
    getSchema: async () => readSchema(),
    construct,
    // The package's own custom resources, when a component constructed here registered them (see
    // components/ownResource.ts): the same implementations TypeScript programs run as dynamic resources.
    async create(urn, inputs) {
        const created = await implementationOf(urn).create(plainValues(inputs));
        return { id: created.id, outs: created.outs };
    },
    async diff(id, urn, olds, news) {
        const implementation = implementationOf(urn);
        return implementation.diff ? implementation.diff(id, plainValues(olds), plainValues(news)) : {};
    },
    async update(id, urn, olds, news) {
        const implementation = implementationOf(urn);
        return implementation.update ? implementation.update(id, plainValues(olds), plainValues(news)) : { outs: plainValues(news) };
    },
    async delete(id, urn, props) {
        await implementationOf(urn).delete?.(id, plainValues(props));
    },
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
    if (schema && inputMeta(schema) !== undefined) return secret ? pulumi.secret(value as pulumi.Input<unknown>) : value;
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

/** Whether every plain value inside the field lands in an Input field (so a secret can be kept there). */
function reachesInputs(schema: z.ZodType): boolean {
    if (inputMeta(schema) !== undefined) return true;
    const def = unwrap(schema)._zod.def as any;
    if (def.type === "record") return reachesInputs(def.valueType);
    if (def.type === "array") return reachesInputs(def.element);
    if (def.type === "object") return Object.values<z.ZodType>(def.shape).every(reachesInputs);
    return false;
}

