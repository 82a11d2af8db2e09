// A Pulumi project deployed by the real CLI (scripts/toolchain.sh) with the real Kubernetes provider
// plugin onto the local cluster: a fresh file backend and PULUMI_HOME (test/engine/support.ts), the
// cluster's KUBECONFIG, and the Docker provider's stand-in (../docker-provider) first on PATH, which
// builds images on the local Docker engine and pushes them to the cluster's registry.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { installPackage } from "../../engine/programs";
import { pulumi, Ran, removeSandbox, requireToolchain, Sandbox, sandbox } from "../../engine/support";
import { ClusterEnv, REPO } from "./cluster";

export const DOCKER_PROVIDER_DIR = path.join(REPO, "test", "k8s", "docker-provider");

export class KubeStack {
    readonly sb: Sandbox;

    /** A TypeScript project in a sandbox (`keptIn`: see sandbox): `files` are copied into its work directory (directories too). */
    constructor(label: string, cluster: ClusterEnv, files: Record<string, string>, keptIn?: string) {
        this.sb = sandbox(label, keptIn);
        installPackage(this.sb);
        for (const [to, from] of Object.entries(files)) fs.cpSync(from, path.join(this.sb.work, to), { recursive: true });
        this.sb.env.PATH = `${DOCKER_PROVIDER_DIR}:${this.sb.env.PATH}`;
        this.sb.env.KUBECONFIG = cluster.KUBECONFIG;
    }

    get work(): string {
        return this.sb.work;
    }

    run(...args: (string | NodeJS.ProcessEnv)[]): Ran {
        return pulumi(this.sb, this.sb.work, ...args);
    }

    /** The CLI without blocking this process (load and watches run meanwhile). */
    runAsync(...args: string[]): Promise<Ran> {
        return new Promise((resolve, reject) => {
            const child = spawn(path.join(requireToolchain().bin, "pulumi"), [...args, "--non-interactive"], { cwd: this.sb.work, env: this.sb.env });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c) => (stdout += c));
            child.stderr.on("data", (c) => (stderr += c));
            child.on("error", reject);
            child.on("close", (status) => resolve({ status, stdout, stderr, all: `${stdout}\n${stderr}` }));
        });
    }

    /** Sets one stack config value (a string). */
    set(key: string, value: string): void {
        this.ok("config", "set", key, value);
    }

    ok(...args: string[]): Ran {
        const r = this.run(...args);
        assert.equal(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.all.slice(-20_000)}`);
        return r;
    }

    /** `pulumi stack select --create`, then the stack's config (plain values and objects) added to its settings file. */
    init(stack: string, config: Record<string, unknown>): void {
        this.ok("stack", "select", "--create", stack);
        this.configure(config, stack);
    }

    /** Sets config keys (plain values and objects, each replacing the key's whole value) in a stack's settings file. */
    configure(config: Record<string, unknown>, stack = "dev"): void {
        const file = path.join(this.sb.work, `Pulumi.${stack}.yaml`);
        const settings = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) ?? {}) : {};
        settings.config = { ...(settings.config ?? {}), ...config };
        fs.writeFileSync(file, stringify(settings));
    }

    outputs(): Record<string, any> {
        return JSON.parse(this.ok("stack", "output", "--json", "--show-secrets").stdout);
    }

    /** The stack's state (pulumi stack export). */
    state(): any {
        return JSON.parse(this.ok("stack", "export").stdout);
    }

    remove(): void {
        removeSandbox(this.sb);
    }
}
