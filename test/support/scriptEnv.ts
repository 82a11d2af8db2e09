// Test tools built by a scripts/*.sh (once, cached outside the repo): the script's `--print-env`
// lines (NAME=value), read once per process; a failed run is retried by the next call.
// The script's stderr (its progress while it builds: "step 1/2: ...", "... still building ...: 2m30s so
// far; log: ...") is forwarded line by line to this process's stderr as it comes, so a first, cold
// `npm test` says what it is doing instead of going quiet for minutes.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

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

export interface PrintEnvResult {
    script: string;
    env: Record<string, string>;
    stdout: string;
}

/**
 * `bash <file> --print-env`: its stdout parsed (NAME=value lines); each stderr line is passed to
 * `onStderrLine` as it arrives (default: written to process.stderr). Rejects on a non-zero exit or
 * after timeoutMs, with the last 40 stderr lines.
 */
export function runPrintEnv(file: string, timeoutMs: number, onStderrLine: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<PrintEnvResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", [file, "--print-env"], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let partial = "";
        const tail: string[] = [];
        const line = (l: string) => {
            tail.push(l);
            if (tail.length > 40) tail.shift();
            onStderrLine(l);
        };
        child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
        child.stderr.setEncoding("utf8").on("data", (c: string) => {
            const lines = (partial + c).split("\n");
            partial = lines.pop() ?? "";
            for (const l of lines) line(l);
        });
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
        }, timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new Error(`${file} --print-env could not be run: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (partial) line(partial);
            if (code !== 0) {
                const why = timedOut ? `timed out after ${timeoutMs / 1000}s` : `exited with ${code ?? signal}`;
                reject(new Error(`${file} --print-env failed: ${why}\n${tail.join("\n")}`));
                return;
            }
            const env: Record<string, string> = {};
            for (const l of stdout.split("\n")) {
                const m = /^([A-Z_]+)=(.*)$/.exec(l.trim());
                if (m) env[m[1]] = m[2];
            }
            resolve({ script: file, env, stdout });
        });
    });
}

const runs = new Map<string, Promise<PrintEnvResult>>();

/** `bash scripts/<script> --print-env` (building what it caches if needed, its progress on stderr), parsed. */
export function scriptEnv(script: string, timeoutMs: number): Promise<PrintEnvResult> {
    let run = runs.get(script);
    if (!run) {
        run = runPrintEnv(path.join(repoRoot(script), "scripts", script), timeoutMs);
        runs.set(script, run);
        run.catch(() => runs.delete(script));
    }
    return run;
}
