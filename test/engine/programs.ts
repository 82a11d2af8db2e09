// The same small program in YAML (through the component provider), TypeScript (the package used
// directly, an Automation API inline program run by programs/typescript.ts) and Python (the generated SDK, an Automation API
// inline program run by test/engine/programs/envgroups.py): EnvGroups and LeanCacheInstances.
// EnvGroup has no child resources, and an invalid LeanCacheInstance fails before it registers any,
// so neither needs the Docker or Kubernetes provider plugins.
import * as fs from "fs";
import * as path from "path";
import { pulumi as cli, pythonWithSdk, Ran, REPO, requireToolchain, runIn, Sandbox } from "./support";

export interface Spec {
    groups?: Record<string, { variables?: Record<string, string>; secrets?: Record<string, string> }>;
    caches?: Record<string, Record<string, unknown>>;
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

const pluginDirectory = { providers: [{ name: "cloudengine", path: REPO }] };

export function yamlDriver(sb: Sandbox): Driver {
    const write = (spec: Spec) => {
        const resources: Record<string, unknown> = {};
        const outputs: Record<string, string> = {};
        for (const [name, g] of Object.entries(spec.groups ?? {})) {
            const secrets = g.secrets && Object.fromEntries(Object.entries(g.secrets).map(([k, v]) => [k, { "fn::secret": v }]));
            resources[name] = { type: "cloudengine:index:EnvGroup", properties: { variables: g.variables, secrets } };
            outputs[`${name}Names`] = `\${${name}.names}`;
            outputs[`${name}Variables`] = `\${${name}.variables}`;
        }
        for (const [name, args] of Object.entries(spec.caches ?? {})) resources[name] = { type: "cloudengine:index:LeanCacheInstance", properties: args };
        // JSON is YAML.
        fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({ name: "ce-yaml", runtime: "yaml", plugins: pluginDirectory, resources, outputs }, null, 2));
    };
    const stack = () => {
        if (!fs.existsSync(path.join(sb.work, ".stack"))) {
            const r = cli(sb, sb.work, "stack", "init", "dev");
            if (r.status !== 0) throw new Error(r.all);
            fs.writeFileSync(path.join(sb.work, ".stack"), "dev");
        }
    };
    return {
        language: "YAML",
        async preview(spec) {
            write(spec);
            stack();
            const r = cli(sb, sb.work, "preview", "--stack", "dev");
            return { ok: r.status === 0, log: r.all };
        },
        async up(spec) {
            write(spec);
            stack();
            const r = cli(sb, sb.work, "up", "--yes", "--skip-preview", "--stack", "dev");
            if (r.status !== 0) return { ok: false, log: r.all };
            const out = cli(sb, sb.work, "stack", "output", "--json", "--show-secrets", "--stack", "dev");
            return { ok: out.status === 0, log: r.all, outputs: JSON.parse(out.stdout) };
        },
    };
}

export function typescriptDriver(sb: Sandbox): Driver {
    // The inline program's workspace needs @pulumi/pulumi next to it.
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(sb.work, "node_modules"));
    const driver = path.join(__dirname, "programs", "typescript.js");
    const run = (action: string, spec: Spec): Result => {
        const r = runIn(sb, sb.work, process.execPath, [driver, sb.work, action], { CE_PROGRAM: JSON.stringify(spec), CE_TOOLCHAIN: requireToolchain().dir });
        return parseDriverOutput(r);
    };
    return {
        language: "TypeScript",
        async preview(spec) {
            return run("preview", spec);
        },
        async up(spec) {
            return run("up", spec);
        },
    };
}

/** The last stdout line of a driver process: {ok, log, error?, outputs?}. */
function parseDriverOutput(r: Ran): Result {
    const line = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !line.startsWith("{")) return { ok: false, log: r.all };
    const parsed = JSON.parse(line);
    return { ok: parsed.ok, log: `${parsed.log ?? ""}\n${parsed.error ?? ""}\n${r.stderr}`, outputs: parsed.outputs };
}

export function pythonDriver(sb: Sandbox): Driver {
    const python = pythonWithSdk();
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), "name: ce-python\nruntime: python\n");
    const run = (action: string, spec: Spec): Result => {
        const r = runIn(sb, sb.work, python, [path.join(REPO, "test", "engine", "programs", "envgroups.py"), sb.work, action], { CE_PROGRAM: JSON.stringify(spec) });
        return parseDriverOutput(r);
    };
    return {
        language: "Python",
        async preview(spec) {
            return run("preview", spec);
        },
        async up(spec) {
            return run("up", spec);
        },
    };
}

/** "<op> <name>" for every cloudengine component step a preview or update printed, sorted. */
export function componentSteps(log: string): string[] {
    const steps = [...log.matchAll(/^\s*(\+|~|-|\+-)\s+cloudengine:index:(\w+)\s+(\S+)\s+(create|update|delete|replace)\b/gm)].map((m) => `${m[4]} ${m[2]} ${m[3]}`);
    return [...new Set(steps)].sort();
}
