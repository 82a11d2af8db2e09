// Test tools built by a scripts/*.sh (once, cached outside the repo): the script's `--print-env`
// lines (NAME=value), read once per process; a failed run is retried by the next call.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const execFileAsync = promisify(execFile);

function repoRoot(script: string): string {
    // test/support (ts-node) or bin/test/support (compiled)
    let dir = __dirname;
    for (;;) {
        if (fs.existsSync(path.join(dir, "scripts", script))) return dir;
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`scripts/${script} not found above ${__dirname}`);
        dir = parent;
    }
}

const runs = new Map<string, Promise<{ script: string; env: Record<string, string>; stdout: string }>>();

/** `bash scripts/<script> --print-env` (building what it caches if needed), parsed. */
export function scriptEnv(script: string, timeoutMs: number): Promise<{ script: string; env: Record<string, string>; stdout: string }> {
    let run = runs.get(script);
    if (!run) {
        run = (async () => {
            const file = path.join(repoRoot(script), "scripts", script);
            let stdout: string;
            try {
                ({ stdout } = await execFileAsync("bash", [file, "--print-env"], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }));
            } catch (e) {
                const err = e as { message: string; stderr?: string };
                throw new Error(`${file} --print-env failed: ${err.message}\n${(err.stderr ?? "").split("\n").slice(-40).join("\n")}`);
            }
            const env: Record<string, string> = {};
            for (const line of stdout.split("\n")) {
                const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
                if (m) env[m[1]] = m[2];
            }
            return { script: file, env, stdout };
        })();
        runs.set(script, run);
        run.catch(() => runs.delete(script));
    }
    return run;
}
