// Long builds say what they do: scripts/lib/progress.sh (steps, a "still ..." line while a step runs, the
// tools' output in a log file the lines name), used by the five scripts that build things once; and the
// test helpers that run those scripts forward their progress to the test's stderr as it comes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { runPrintEnv } from "../support/scriptEnv";
import { repoRoot } from "./support";

const ROOT = repoRoot();
const LIB = path.join(ROOT, "scripts", "lib", "progress.sh");

function bash(script: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const child = spawn("/bin/bash", ["-c", script], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        // "close": every holder of the pipes is gone, as execFile and spawn-based callers wait for
        child.on("close", (status) => resolve({ status, stdout, stderr, ms: Date.now() - t0 }));
    });
}

describe("scripts/lib/progress.sh", { timeout: 60_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-progress-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const prelude = `set -euo pipefail; log() { printf '[t] %s\\n' "$*" >&2; }; source ${JSON.stringify(LIB)}`;

    it("steps, a 'still ...' line naming the log while a step runs, the tool's output only in the log", async () => {
        const logFile = path.join(tmp, "logs", "a.log");
        const r = await bash(`${prelude}
steps_total 2
step "first thing" "about 3 s cold"
quietly ${logFile} "sleeping" "about 3 s cold" bash -c 'echo noisy tool output; sleep 3.4'
step "second thing" ""
echo done`, { CLOUDENGINE_PROGRESS_INTERVAL: "1" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "done\n");
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines[0], "[t] step 1/2: first thing (about 3 s cold)");
        assert.equal(lines[lines.length - 1], "[t] step 2/2: second thing");
        const still = lines.filter((l) => l.startsWith("[t] ... still sleeping: "));
        assert.ok(still.length >= 2 && still.length <= 4, r.stderr);
        for (const l of still) assert.match(l, new RegExp(`^\\[t\\] \\.\\.\\. still sleeping: \\d+s so far \\(about 3 s cold\\); log: ${logFile}$`));
        assert.doesNotMatch(r.stderr, /noisy/);
        assert.match(fs.readFileSync(logFile, "utf8"), /=== \S+ sleeping\nnoisy tool output\n/);
        // nothing lingers holding the caller's pipes (the heartbeat's sleep is stopped with it)
        assert.ok(r.ms < 6_000, `took ${r.ms} ms`);
    });

    it("a failing step: its status, and the log's last lines on stderr", async () => {
        const logFile = path.join(tmp, "b.log");
        const r = await bash(`${prelude}
rc=0; quietly ${logFile} "compiling" "seconds" bash -c 'echo the real compiler error; exit 3' || rc=$?
echo "rc=$rc"`);
        assert.equal(r.stdout, "rc=3\n");
        assert.match(r.stderr, /^\[t\] compiling failed \(exit 3\) after \d+s; last lines of .*b\.log:\n/);
        assert.match(r.stderr, /the real compiler error/);
    });

    it("every script that builds once uses it, and says where its full log is", () => {
        for (const script of ["kube-apiserver.sh", "kube-validator.sh", "toolchain.sh", "kubernetes-plugin.sh", "base-images.sh", "docker-up.sh"]) {
            const text = fs.readFileSync(path.join(ROOT, "scripts", script), "utf8");
            assert.match(text, /^source .*\/lib\/progress\.sh"$/m, script);
            assert.match(text, /\bquietly\b|\bheartbeat_start\b/, script);
            assert.match(text, /full logs?: /, script);
        }
    });
});

describe("test/support/scriptEnv: a script's progress reaches the test's stderr", { timeout: 60_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-scriptenv-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("line by line while the script runs, and --print-env's lines are parsed", async () => {
        const script = path.join(tmp, "tool.sh");
        fs.writeFileSync(script, `[ "$1" = --print-env ] || exit 9
echo '[tool] step 1/1: building the tool (about 1 s cold; full log: /x.log)' >&2
sleep 1.5
printf '[tool] built' >&2
echo TOOL=/cache/tool
echo TOOL_VERSION=1.2.3
`);
        const seen: { line: string; at: number }[] = [];
        const t0 = Date.now();
        const r = await runPrintEnv(script, 30_000, (line) => seen.push({ line, at: Date.now() - t0 }));
        const done = Date.now() - t0;
        assert.deepEqual(r.env, { TOOL: "/cache/tool", TOOL_VERSION: "1.2.3" });
        assert.deepEqual(seen.map((s) => s.line), ["[tool] step 1/1: building the tool (about 1 s cold; full log: /x.log)", "[tool] built"]);
        assert.ok(done - seen[0].at >= 1_000, `the first line came ${done - seen[0].at} ms before the end: forwarded as it came`);
    });

    it("a failure says how it ended, with the script's last lines", async () => {
        const script = path.join(tmp, "broken.sh");
        fs.writeFileSync(script, "echo '[broken] ERROR: go is required' >&2; exit 1\n");
        await assert.rejects(runPrintEnv(script, 30_000, () => undefined), /broken\.sh --print-env failed: exited with 1\n\[broken\] ERROR: go is required/);
    });

    it("kubeValidator.ts and kubeApiServer.ts run their scripts through it", () => {
        for (const f of ["kubeValidator.ts", "kubeApiServer.ts"]) {
            const text = fs.readFileSync(path.join(ROOT, "test", "support", f), "utf8");
            assert.match(text, /scriptEnv\("kube-(validator|apiserver)\.sh"/, f);
        }
    });
});
