// Test harness for unit tests: runs a program under Pulumi's mocks and records every resource
// registration (type, name, parent URN, options, inputs), returning state the way the real
// providers would for the outputs the package reads (image IDs, network names, generated secrets).
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */
const mocksModule = require("@pulumi/pulumi/runtime/mocks");
const rpc = require("@pulumi/pulumi/runtime/rpc");
const settings = require("@pulumi/pulumi/runtime/settings");

export const SECRET = Symbol("secret");
export interface Secret { [SECRET]: true; value: unknown }

export interface Registered {
    type: string;
    name: string;
    urn: string;
    parent: string;
    custom: boolean;
    deleteBeforeReplace: boolean;
    /** Whether the program set deleteBeforeReplace at all (unset: the provider's Diff decides). */
    deleteBeforeReplaceDefined: boolean;
    retainOnDelete: boolean;
    /** The ignoreChanges option: property paths such as "uploads[1].content". */
    ignoreChanges: string[];
    dependencies: string[];
    additionalSecretOutputs: string[];
    /** Inputs with secrets as { [SECRET]: true, value }. */
    inputs: Record<string, any>;
    /** What a component registered as its outputs (registerOutputs), secrets marked as in inputs; undefined: none. */
    outputs?: Record<string, any>;
}

let recording: Registered[] | undefined;
/** The recorded registrations by URN, for their registered outputs. */
const recordedByUrn = new Map<string, Registered>();
const listeners = new Set<(registered: Registered) => void>();

/**
 * Calls `listener` with every registration of any mocked run, synchronously and before the mocks'
 * newResource sees it (test/e2e/harness uses this). Returns the function that removes the listener.
 */
export function onRegistration(listener: (registered: Registered) => void): () => void {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
}

const originalRegister = mocksModule.MockMonitor.prototype.registerResource;
mocksModule.MockMonitor.prototype.registerResource = function (req: any, callback: any) {
    if (recording || listeners.size) {
        const type = req.getType();
        const name = req.getName();
        const registered: Registered = {
            type,
            name,
            urn: this.newUrn(req.getParent(), type, name),
            parent: req.getParent(),
            custom: req.getCustom(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined(),
            retainOnDelete: req.getRetainondelete() === true,
            ignoreChanges: req.getIgnorechangesList(),
            dependencies: req.getDependenciesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            inputs: markSecrets(rpc.deserializeProperties(req.getObject(), true)),
        };
        if (recording) {
            recording.push(registered);
            recordedByUrn.set(registered.urn, registered);
        }
        for (const listener of listeners) listener(registered);
    }
    return originalRegister.call(this, req, callback);
};

// The mock monitor keeps a component's registered outputs as a protobuf Struct, which its
// getResource cannot return; keep them as the serialized object registerResource keeps, so a
// component rehydrated from a reference (opts.urn) reads its outputs as it does from the engine.
mocksModule.MockMonitor.prototype.registerResourceOutputs = function (req: any, callback: any) {
    const registered = this.resources.get(req.getUrn());
    if (!registered) return callback(new Error(`unknown resource ${req.getUrn()}`), undefined);
    registered.state = req.getOutputs()?.toJavaScript() ?? {};
    const recorded = recordedByUrn.get(req.getUrn());
    const outputs = req.getOutputs();
    if (recorded) recorded.outputs = outputs ? markSecrets(rpc.deserializeProperties(outputs, true)) : {};
    callback(null, {});
};

function markSecrets(value: any): any {
    if (value && typeof value === "object") {
        if (value[rpc.specialSigKey] === rpc.specialSecretSig) return { [SECRET]: true, value: markSecrets(value.value) };
        if (Array.isArray(value)) return value.map(markSecrets);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markSecrets(v)]));
    }
    return value;
}

export function isSecret(value: unknown): value is Secret {
    return typeof value === "object" && value !== null && (value as any)[SECRET] === true;
}
/** The value inside a secret marker (or the value itself). */
export function reveal(value: any): any {
    if (isSecret(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    return value;
}

/** Outputs the real providers compute, so the package's dependent values resolve under mocks. */
function providerState(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
    switch (args.type) {
        case "docker:index/image:Image":
            return { ...args.inputs, repoDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", imageName: args.inputs.imageName };
        case "docker:index/network:Network":
        case "docker:index/volume:Volume":
            return { ...args.inputs, name: args.inputs.name ?? `${args.name}-generated` };
        case DYNAMIC:
        case "cloudengine:index:GeneratedSecret": // the same resource, served by the plugin
            return { ...args.inputs, value: `generated-${args.name}` };
        case DYNAMIC_CERTIFICATE:
            return { ...args.inputs, certificate: `CERT(${args.inputs.hostname})`, privateKey: `KEY(${args.inputs.hostname})` };
        default:
            return args.inputs;
    }
}

let counter = 0;

export interface RunOptions {
    config?: Record<string, string>;
    preview?: boolean;
    stack?: string;
    /** The project name (default "proj"). */
    project?: string;
}

/** Runs `program` under mocks in a fresh stack; resolves with every registration once all settle. */
export async function run(program: () => unknown, options: RunOptions = {}): Promise<Registered[]> {
    const stack = options.stack ?? `test${++counter}`;
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.config ?? {})) config[k] = v;
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: providerState(args) }), call: (args) => args.inputs },
        options.project ?? "proj",
        stack,
        options.preview ?? false,
    );
    const registered: Registered[] = [];
    recording = registered;
    try {
        await program();
        await settings.waitForRPCs();
    } finally {
        recording = undefined;
        recordedByUrn.clear();
    }
    return registered;
}

/** Resolves an Output's value (undefined if unknown). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

export function only(resources: Registered[], type: string, name: string): Registered {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}: ${resources.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    return found[0];
}

export function ofType(resources: Registered[], type: string): Registered[] {
    return resources.filter((r) => r.type === type);
}

/** Path of a fixture directory under test/fixtures (source tree, not bin/). */
export function fixture(...parts: string[]): string {
    return path.join(__dirname, "..", "..", "test", "fixtures", ...parts);
}

export const CONTAINER = "docker:index/container:Container";
export const IMAGE = "docker:index/image:Image";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
/** The type token of GeneratedSecret (a dynamic resource). */
export const DYNAMIC = "pulumi-nodejs:dynamic/cloudengine:GeneratedSecret";
export const DYNAMIC_CERTIFICATE = "pulumi-nodejs:dynamic/cloudengine:GeneratedCertificate";
export const DYNAMIC_RELEASE = "pulumi-nodejs:dynamic/cloudengine:Release";
export const DYNAMIC_SITE = "pulumi-nodejs:dynamic/cloudengine:GatewaySite";
export const DYNAMIC_CACHE_SETTINGS = "pulumi-nodejs:dynamic/cloudengine:CacheSettings";
export const DYNAMIC_VOLUME_SIZE = "pulumi-nodejs:dynamic/cloudengine:VolumeSize";
export const DYNAMIC_CACHE_NODES = "pulumi-nodejs:dynamic/cloudengine:CacheNodes";

/** A real certificate for example.com and *.example.com with its key (test/fixtures/tls). */
export function tlsFixture(): { certificate: string; privateKey: string } {
    const read = (file: string) => fs.readFileSync(fixture("tls", file), "utf8");
    return { certificate: read("example.com.crt"), privateKey: read("example.com.key") };
}
