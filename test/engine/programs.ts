// The same small program in YAML (through the component provider), TypeScript (runtime: nodejs, the
// package used directly) and Python (runtime: python, the generated SDK): EnvGroups,
// LeanCacheInstances and EngineApps, each a Pulumi project run by the real CLI and its language host.
// EnvGroup has no child resources, and an invalid component fails before it registers any, so
// neither needs the Docker or Kubernetes provider plugins; valid caches and apps register Docker
// resources, which need dockerStub (the real plugin cannot be downloaded here).
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { pulumi as cli, pythonWithSdk, Ran, REPO, removeSandbox, Sandbox, sandbox } from "./support";
export interface Spec {
    /** Values may be anything (invalid ones too) or a ConfigRef. */
    groups?: Record<string, { variables?: Record<string, unknown>; secrets?: Record<string, unknown> }>;
    caches?: Record<string, Record<string, unknown>>;
    /** EngineApps by name; arguments as the schema names them (camelCase); `caches` lists resource names of `caches`. */
    apps?: Record<string, Record<string, unknown>>;
    /**
     * Stack config secrets of the project (`pulumi config set --secret`): a string, or a list set
     * item by item (`--path 'key[0]'`), where an item that is a whole number becomes a number.
     */
    config?: Record<string, string | string[]>;
}

/** In place of an argument's value: the stack config secret of that key (see Spec.config). */
export interface ConfigRef {
    config: string;
}

export interface Result {
    ok: boolean;
    /** What the CLI printed (and the error, when it failed). */
    log: string;
    /** After up: the stack outputs, secrets revealed. */
    outputs?: Record<string, unknown>;
}

export interface Driver {
    language: string;
    preview(spec: Spec): Promise<Result>;
    up(spec: Spec): Promise<Result>;
    /** Writes the program, then runs the CLI with these arguments on the stack (`--stack dev` added). */
    run(spec: Spec, ...args: string[]): Ran;
}

const PROGRAMS = path.join(REPO, "test", "engine", "programs");
/** Every program names the cloudengine plugin (this repository) the way a user's Pulumi.yaml would. */
const plugins = { providers: [{ name: "cloudengine", path: REPO }] };

/** A Pulumi project in the sandbox's work directory, run with preview / up by the CLI. */
function projectDriver(sb: Sandbox, language: string, write: (spec: Spec) => void, env: NodeJS.ProcessEnv = {}): Driver {
    const run = (...args: string[]) => cli(sb, sb.work, ...args, env);
    const must = (r: Ran) => {
        if (r.status !== 0) throw new Error(r.all);
    };
    const stack = (spec: Spec) => {
        if (!fs.existsSync(path.join(sb.work, ".stack"))) {
            must(run("stack", "init", "dev"));
            fs.writeFileSync(path.join(sb.work, ".stack"), "{}");
        }
        // Stack config secrets, set again only when they changed.
        const config = JSON.stringify(spec.config ?? {});
        if (fs.readFileSync(path.join(sb.work, ".stack"), "utf8") === config) return;
        for (const [key, value] of Object.entries(spec.config ?? {})) {
            run("config", "rm", key, "--stack", "dev"); // fails only when it was not set
            if (Array.isArray(value)) value.forEach((v, i) => must(run("config", "set", "--secret", "--path", `${key}[${i}]`, "--stack", "dev", v)));
            else must(run("config", "set", "--secret", key, "--stack", "dev", value));
        }
        fs.writeFileSync(path.join(sb.work, ".stack"), config);
    };
    return {
        language,
        run(spec, ...args) {
            write(spec);
            stack(spec);
            return run(...args, "--stack", "dev");
        },
        async preview(spec) {
            write(spec);
            stack(spec);
            const r = run("preview", "--stack", "dev");
            return { ok: r.status === 0, log: r.all };
        },
        async up(spec) {
            write(spec);
            stack(spec);
            const r = run("up", "--yes", "--skip-preview", "--stack", "dev");
            if (r.status !== 0) return { ok: false, log: r.all };
            const out = run("stack", "output", "--json", "--show-secrets", "--stack", "dev");
            return { ok: out.status === 0, log: r.all, outputs: JSON.parse(out.stdout) };
        },
    };
}

function writeProject(sb: Sandbox, project: Record<string, unknown>): void {
    // JSON is YAML.
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({ ...project, plugins }, null, 2));
}

/** A ConfigRef in place of a value: ${key} in YAML. */
function yamlValue(value: unknown): unknown {
    if (isConfigRef(value)) return `\${${value.config}}`;
    if (Array.isArray(value)) return value.map(yamlValue);
    if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, yamlValue(v)]));
    return value;
}

function isConfigRef(value: unknown): value is ConfigRef {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as ConfigRef).config === "string";
}

export function yamlDriver(sb: Sandbox): Driver {
    return projectDriver(sb, "YAML", (spec) => {
        const resources: Record<string, unknown> = {};
        const outputs: Record<string, string> = {};
        // Stack config the program reads, typed (a config secret stays secret through ${key}).
        const config = Object.fromEntries(Object.entries(spec.config ?? {}).map(([k, v]) => [k, Array.isArray(v) ? { type: "array", items: { type: v.every((x) => /^\d+$/.test(x)) ? "integer" : "string" } } : { type: "string" }]));
        for (const [name, g] of Object.entries(spec.groups ?? {})) {
            // String secrets as users write them (fn::secret); anything else as given, for validation to see.
            const secrets = g.secrets && Object.fromEntries(Object.entries(g.secrets).map(([k, v]) => [k, typeof v === "string" ? { "fn::secret": v } : yamlValue(v)]));
            resources[name] = { type: "cloudengine:index:EnvGroup", properties: { variables: yamlValue(g.variables), secrets } };
            outputs[`${name}Names`] = `\${${name}.names}`;
            outputs[`${name}Variables`] = `\${${name}.variables}`;
        }
        for (const [name, args] of Object.entries(spec.caches ?? {})) resources[name] = { type: "cloudengine:index:LeanCacheInstance", properties: yamlValue(args) };
        for (const [name, args] of Object.entries(spec.apps ?? {})) {
            const caches = Array.isArray(args.caches) ? { caches: args.caches.map((c) => `\${${c}}`) } : {};
            resources[name] = { type: "cloudengine:index:EngineApp", properties: { ...(yamlValue(args) as object), ...caches } };
        }
        writeProject(sb, { name: "ce-yaml", runtime: "yaml", ...(Object.keys(config).length && { config }), resources, outputs });
    });
}

/**
 * program.json for the TypeScript and Python programs: the spec, with each stack config secret's
 * value replaced by its kind (the program reads values from the stack config, as a user's would).
 */
function programJson(spec: Spec): string {
    const config = spec.config && Object.fromEntries(Object.entries(spec.config).map(([k, v]) => [k, typeof v === "string" ? "string" : "object"]));
    return JSON.stringify({ ...spec, config });
}

/**
 * node_modules in the work directory as an installed package would have it: the repository's
 * dependencies, and the package itself under its npm name (same realpaths, so one @pulumi/pulumi for both).
 */
export function installPackage(sb: Sandbox): void {
    const modules = path.join(sb.work, "node_modules");
    fs.rmSync(modules, { recursive: true, force: true });
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
    fs.symlinkSync(REPO, path.join(modules, "pulumi-cloudengine"));
}

export function typescriptDriver(sb: Sandbox): Driver {
    installPackage(sb);
    fs.copyFileSync(path.join(PROGRAMS, "index.ts"), path.join(sb.work, "index.ts"));
    writeProject(sb, { name: "ce-typescript", runtime: "nodejs", main: "index.ts" });
    return projectDriver(sb, "TypeScript", (spec) => fs.writeFileSync(path.join(sb.work, "program.json"), programJson(spec)));
}

export function pythonDriver(sb: Sandbox): Driver {
    fs.copyFileSync(path.join(PROGRAMS, "__main__.py"), path.join(sb.work, "__main__.py"));
    writeProject(sb, { name: "ce-python", runtime: "python" });
    // The language host from the toolchain ignores runtime options (virtualenv): the venv comes by PULUMI_PYTHON_CMD.
    return projectDriver(sb, "Python", (spec) => fs.writeFileSync(path.join(sb.work, "program.json"), programJson(spec)), { PULUMI_PYTHON_CMD: pythonWithSdk() });
}

/** "<op> <name>" for every cloudengine component step a preview or update printed, sorted. */
export function componentSteps(log: string): string[] {
    // The CLI's progress dots ("@ previewing update....") may share a line with the step that follows them.
    const steps = [...log.matchAll(/^(?:@ [a-z ]+\.*)?\s*(\+|~|-|\+-)\s+cloudengine:index:(\w+)\s+(\S+)\s+(create|update|delete|replace)\b/gm)].map((m) => `${m[4]} ${m[2]} ${m[3]}`);
    return [...new Set(steps)].sort();
}

export const LANGUAGES: [string, (sb: Sandbox) => Driver][] = [
    ["yaml", yamlDriver],
    ["typescript", typescriptDriver],
    ["python", pythonDriver],
];

/** A fresh sandbox and a driver of the language in it, removed afterwards. */
export async function withDriver(label: string, make: (sb: Sandbox) => Driver, body: (driver: Driver, sb: Sandbox) => Promise<void>): Promise<void> {
    const sb = sandbox(label);
    try {
        await body(make(sb), sb);
    } finally {
        removeSandbox(sb);
    }
}

/**
 * When a component the engine constructs fails, the engine cancels the program, and the Python SDK
 * (pulumi 3.248.0) and its language host print their own tracebacks after the package's error: the
 * program's pending RegisterResource ("resource monitor shut down") or a KeyboardInterrupt in the
 * exec script's thread pool. Those are tolerated when every frame is the Pulumi runtime's (SDK, grpc,
 * the standard library, pulumi-language-python-exec); a frame of the program or of the generated
 * SDK fails the test. Returns the log with those tracebacks marked, for assertNoStackTrace.
 */
export function withPythonRuntimeTracebacksOnly(log: string): string {
    const runtime = /\/site-packages\/(pulumi|grpc)\/|\/grpcio\/grpc\/_cython\/|\/lib\/python3\.\d+\/(?!site-packages)|\/pulumi-language-python-exec"/;
    for (const [, file] of log.matchAll(/File "([^"]+)", line \d+/g)) {
        assert.ok(runtime.test(`/${file}"`) && !/pulumi_cloudengine|__main__\.py/.test(file), `a traceback frame outside the Pulumi runtime: ${file}\n${log}`);
    }
    return log.replaceAll("Traceback (most recent call last):", "(a traceback of the Pulumi runtime's own frames)");
}

/**
 * Puts the Docker provider's stand-in (programs/docker-stub) first on the sandbox's PATH, and points
 * DOCKER_HOST at a stand-in of the Engine API (programs/docker-stub/engine-api.js, which the package's own
 * resources call), so programs with valid caches and apps can preview and update without Docker or the
 * real plugin. Returns what the engine asked of the provider so far: "<call> <urn>" lines (check, diff,
 * create, update, delete).
 */
export function dockerStub(sb: Sandbox): () => string[] {
    const log = path.join(sb.root, "docker-stub.log");
    fs.writeFileSync(log, "");
    sb.env.PATH = `${path.join(PROGRAMS, "docker-stub")}:${sb.env.PATH}`;
    sb.env.CE_DOCKER_STUB_LOG = log;
    const socket = path.join(sb.root, "engine-api.sock");
    const api = spawn(process.execPath, [path.join(PROGRAMS, "docker-stub", "engine-api.js"), socket], { stdio: "ignore", detached: true });
    api.unref();
    // Programs run right after this returns (synchronously): wait here until the socket exists.
    const until = Date.now() + 10_000;
    while (!fs.existsSync(socket)) {
        if (Date.now() > until) throw new Error("the Engine API stand-in did not start within 10 s");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    sb.env.DOCKER_HOST = `unix://${socket}`;
    return () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
}
