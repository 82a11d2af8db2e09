// Engine tests: programs run by the real Pulumi CLI (built by scripts/toolchain.sh) on a fresh
// temporary file backend each, never Pulumi Cloud. The cloudengine plugin is this repository
// (pulumi-resource-cloudengine runs bin/provider/main.js): YAML programs name it in Pulumi.yaml
// (plugins: providers: [{name: cloudengine, path: <repo>}]); Automation API programs find it on PATH.
import assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const REPO = path.join(__dirname, "..", "..", "..");
export const PULUMI_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")).version;
export const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
/** The Kubernetes provider plugin's version: that of the pinned @pulumi/kubernetes (its pulumi.version). */
export const KUBERNETES_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8")).pulumi.version;

export interface Toolchain {
    /** <cache>/pulumi-v<version>: bin/ holds pulumi, pulumi-language-yaml, ... */
    dir: string;
    bin: string;
    /** <dir>/home: the PULUMI_HOME scripts/toolchain.sh installed the provider plugins in (plugins/resource-kubernetes-v<version>/) */
    pluginsHome: string;
}

let located: Toolchain | undefined;

/** The toolchain, building it if needed (scripts/toolchain.sh); a test fails when it cannot be built. */
export function requireToolchain(): Toolchain {
    if (located !== undefined) return located;
    const printed = spawnSync("bash", [path.join(REPO, "scripts", "toolchain.sh"), "--print-path"], { encoding: "utf8" });
    const bin = /export PATH="([^:"]+):/.exec(printed.stdout ?? "")?.[1];
    if (!bin) throw new Error(`scripts/toolchain.sh --print-path failed: ${printed.stderr}`);
    const dir = path.dirname(bin);
    const pluginsHome = path.join(dir, "home");
    const ready = () =>
        fs.existsSync(path.join(dir, ".complete")) && fs.existsSync(path.join(bin, "pulumi")) && fs.existsSync(path.join(bin, "pulumi-language-yaml")) &&
        fs.existsSync(path.join(pluginsHome, "plugins", kubernetesPluginDir(), "pulumi-resource-kubernetes"));
    if (!ready()) {
        // its progress (steps, "still building ..." lines, where the logs are) goes straight to the test's stderr
        const built = spawnSync("bash", [path.join(REPO, "scripts", "toolchain.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        if (built.status !== 0 || !ready()) throw new Error(`the Pulumi toolchain could not be built (scripts/toolchain.sh exited ${built.status}; its last lines are above, its logs in ${path.join(dir, "logs")})`);
    }
    return (located = { dir, bin, pluginsHome });
}

/** The directory under <PULUMI_HOME>/plugins that holds the Kubernetes provider plugin. */
export function kubernetesPluginDir(): string {
    return `resource-kubernetes-v${KUBERNETES_VERSION}`;
}

/** A backend, PULUMI_HOME and work directory: fresh and temporary, or kept in a given directory. */
export interface Sandbox {
    root: string;
    work: string;
    env: NodeJS.ProcessEnv;
    /** The same settings, for the Automation API's envVars. */
    envVars: Record<string, string>;
}

/** `keptIn`: a directory to keep the sandbox in (made, or reused with its stacks), not a fresh temporary one. */
export function sandbox(label: string, keptIn?: string): Sandbox {
    const t = requireToolchain();
    const root = keptIn ?? fs.mkdtempSync(path.join(os.tmpdir(), `ce-engine-${label}-`));
    for (const d of ["backend", "home", "work"]) fs.mkdirSync(path.join(root, d), { recursive: true });
    // The installed provider plugins (the Kubernetes one, ~200 MB): hard links where possible. The
    // CLI lists only real directories under plugins/ (a symbolic link to the toolchain's would not do).
    const plugin = kubernetesPluginDir();
    fs.mkdirSync(path.join(root, "home", "plugins", plugin), { recursive: true });
    for (const f of fs.readdirSync(path.join(t.pluginsHome, "plugins", plugin))) {
        const from = path.join(t.pluginsHome, "plugins", plugin, f);
        const to = path.join(root, "home", "plugins", plugin, f);
        if (fs.existsSync(to) && fs.statSync(to).size === fs.statSync(from).size) continue;
        try {
            fs.linkSync(from, to);
        } catch {
            fs.copyFileSync(from, to);
            fs.chmodSync(to, fs.statSync(from).mode);
        }
    }
    const envVars: Record<string, string> = {
        PULUMI_HOME: path.join(root, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-test",
        PULUMI_SKIP_UPDATE_CHECK: "1",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // The CLI and the YAML host first; the repository root holds pulumi-resource-cloudengine.
        PATH: `${t.bin}:${REPO}:${process.env.PATH}`,
    };
    return { root, work: path.join(root, "work"), env: { ...process.env, ...envVars }, envVars };
}

export function removeSandbox(sb: Sandbox): void {
    fs.rmSync(sb.root, { recursive: true, force: true });
}

export interface Ran { status: number | null; stdout: string; stderr: string; all: string }

export function runIn(sb: Sandbox, cwd: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Ran {
    const r: SpawnSyncReturns<string> = spawnSync(command, args, { cwd, env: { ...sb.env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

/** The CLI with these arguments; a trailing object adds environment variables. */
export function pulumi(sb: Sandbox, cwd: string, ...args: (string | NodeJS.ProcessEnv)[]): Ran {
    const env = typeof args[args.length - 1] === "object" ? (args.pop() as NodeJS.ProcessEnv) : {};
    return runIn(sb, cwd, path.join(requireToolchain().bin, "pulumi"), [...(args as string[]), "--non-interactive"], env);
}

/** Runs pulumi and fails the test with its output unless it succeeds. */
export function pulumiOk(sb: Sandbox, cwd: string, ...args: string[]): Ran {
    const r = pulumi(sb, cwd, ...args);
    assert.equal(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.all}`);
    return r;
}

/** No JavaScript, Python or Go stack trace in what a failed command printed. */
export function assertNoStackTrace(text: string): void {
    assert.doesNotMatch(text, /^\s+at .+(\.js|\.ts|<anonymous>|node:internal).*$/m, `a JavaScript stack trace:\n${text}`);
    assert.doesNotMatch(text, /Traceback \(most recent call last\)/, `a Python traceback:\n${text}`);
    assert.doesNotMatch(text, /goroutine \d+ \[/, `a Go stack trace:\n${text}`);
}

let python: string | undefined;

/**
 * A Python with pulumi==<the pinned version> and pulumi_kubernetes==<the Kubernetes plugin's version>
 * (from PyPI, in a venv kept in the toolchain cache) and
 * the generated SDK sdk/python installed from a copy (pip writes build files next to the sources).
 */
export function pythonWithSdk(): string {
    if (python) return python;
    const venv = path.join(requireToolchain().dir, "python-venv");
    const bin = path.join(venv, "bin", "python");
    const versions = `assert m.version("pulumi") == "${PULUMI_VERSION}"; assert m.version("pulumi_kubernetes") == "${KUBERNETES_VERSION}"`;
    const check = () => spawnSync(bin, ["-c", `import pulumi, pulumi_kubernetes, importlib.metadata as m; ${versions}; import parver, semver`], { encoding: "utf8" }).status === 0;
    if (!fs.existsSync(bin) || !check()) {
        must(spawnSync("python3", ["-m", "venv", venv], { encoding: "utf8" }), "python3 -m venv");
        const packages = [`pulumi==${PULUMI_VERSION}`, `pulumi_kubernetes==${KUBERNETES_VERSION}`, "parver>=0.2.1", "semver>=2.8.1"];
        must(spawnSync(path.join(venv, "bin", "pip"), ["install", "-q", ...packages], { encoding: "utf8" }), `pip install ${packages.join(" ")}`);
    }
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "ce-engine-pysdk-"));
    fs.cpSync(path.join(REPO, "sdk", "python"), copy, { recursive: true });
    must(spawnSync(path.join(venv, "bin", "pip"), ["install", "-q", "--force-reinstall", "--no-deps", copy], { encoding: "utf8" }), "pip install sdk/python");
    fs.rmSync(copy, { recursive: true, force: true });
    return (python = bin);
}

function must(r: SpawnSyncReturns<string>, what: string): void {
    if (r.error) throw r.error;
    assert.equal(r.status, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Files under dir (relative paths), sorted. */
export function listFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) walk(full);
            else out.push(path.relative(dir, full));
        }
    };
    walk(dir);
    return out.sort();
}

/** The changes a `pulumi preview --json` reports, as "<op> <type> <name>" (same steps left out), sorted. */
export function previewChanges(ran: Ran): string[] {
    const preview = JSON.parse(ran.stdout);
    return (preview.steps ?? [])
        .filter((s: any) => s.op !== "same")
        .map((s: any) => `${s.op} ${s.urn.split("::")[2].split("$").pop()} ${s.urn.split("::").pop()}`)
        .sort();
}
