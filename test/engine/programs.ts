// The same small program in YAML (through the component provider), TypeScript (runtime: nodejs, the
// package used directly) and Python (runtime: python, the generated SDK): EnvGroups and
// LeanCacheInstances, each a Pulumi project run by the real CLI and its language host. EnvGroup has
// no child resources, and an invalid LeanCacheInstance fails before it registers any, so neither
// needs the Docker or Kubernetes provider plugins.
import * as fs from "fs";
import * as path from "path";
import { pulumi as cli, pythonWithSdk, REPO, Sandbox } from "./support";
export interface Spec {
    groups?: Record<string, { variables?: Record<string, string>; secrets?: Record<string, string> }>;
    caches?: Record<string, Record<string, unknown>>;
    /** EngineApps by name; arguments as the schema names them (camelCase). */
    apps?: Record<string, Record<string, unknown>>;
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
}

const PROGRAMS = path.join(REPO, "test", "engine", "programs");
/** Every program names the cloudengine plugin (this repository) the way a user's Pulumi.yaml would. */
const plugins = { providers: [{ name: "cloudengine", path: REPO }] };

/** A Pulumi project in the sandbox's work directory, run with preview / up by the CLI. */
function projectDriver(sb: Sandbox, language: string, write: (spec: Spec) => void, env: NodeJS.ProcessEnv = {}): Driver {
    const run = (...args: string[]) => cli(sb, sb.work, ...args, env);
    const stack = () => {
        if (fs.existsSync(path.join(sb.work, ".stack"))) return;
        const r = run("stack", "init", "dev");
        if (r.status !== 0) throw new Error(r.all);
        fs.writeFileSync(path.join(sb.work, ".stack"), "dev");
    };
    return {
        language,
        async preview(spec) {
            write(spec);
            stack();
            const r = run("preview", "--stack", "dev");
            return { ok: r.status === 0, log: r.all };
        },
        async up(spec) {
            write(spec);
            stack();
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

export function yamlDriver(sb: Sandbox): Driver {
    return projectDriver(sb, "YAML", (spec) => {
        const resources: Record<string, unknown> = {};
        const outputs: Record<string, string> = {};
        for (const [name, g] of Object.entries(spec.groups ?? {})) {
            const secrets = g.secrets && Object.fromEntries(Object.entries(g.secrets).map(([k, v]) => [k, { "fn::secret": v }]));
            resources[name] = { type: "cloudengine:index:EnvGroup", properties: { variables: g.variables, secrets } };
            outputs[`${name}Names`] = `\${${name}.names}`;
            outputs[`${name}Variables`] = `\${${name}.variables}`;
        }
        for (const [name, args] of Object.entries(spec.caches ?? {})) resources[name] = { type: "cloudengine:index:LeanCacheInstance", properties: args };
        for (const [name, args] of Object.entries(spec.apps ?? {})) resources[name] = { type: "cloudengine:index:EngineApp", properties: args };
        writeProject(sb, { name: "ce-yaml", runtime: "yaml", resources, outputs });
    });
}

export function typescriptDriver(sb: Sandbox): Driver {
    // node_modules as an installed package would have it: the repository's dependencies, and the
    // package itself under its npm name (same realpaths, so one @pulumi/pulumi for both).
    const modules = path.join(sb.work, "node_modules");
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
    fs.symlinkSync(REPO, path.join(modules, "pulumi-cloudengine"));
    fs.copyFileSync(path.join(PROGRAMS, "index.ts"), path.join(sb.work, "index.ts"));
    writeProject(sb, { name: "ce-typescript", runtime: "nodejs", main: "index.ts" });
    return projectDriver(sb, "TypeScript", (spec) => fs.writeFileSync(path.join(sb.work, "program.json"), JSON.stringify(spec)));
}

export function pythonDriver(sb: Sandbox): Driver {
    fs.copyFileSync(path.join(PROGRAMS, "__main__.py"), path.join(sb.work, "__main__.py"));
    writeProject(sb, { name: "ce-python", runtime: "python" });
    // The language host from the toolchain ignores runtime options (virtualenv): the venv comes by PULUMI_PYTHON_CMD.
    return projectDriver(sb, "Python", (spec) => fs.writeFileSync(path.join(sb.work, "program.json"), JSON.stringify(spec)), { PULUMI_PYTHON_CMD: pythonWithSdk() });
}

/** "<op> <name>" for every cloudengine component step a preview or update printed, sorted. */
export function componentSteps(log: string): string[] {
    const steps = [...log.matchAll(/^\s*(\+|~|-|\+-)\s+cloudengine:index:(\w+)\s+(\S+)\s+(create|update|delete|replace)\b/gm)].map((m) => `${m[4]} ${m[2]} ${m[3]}`);
    return [...new Set(steps)].sort();
}
