// Benchmark: what does a rollout cost the clients? One run on the local Docker engine (the e2e harness
// realizes the package's containers like `pulumi up` with the Docker provider): the echo app with 2
// instances behind the gateway on 127.0.0.1, a bounded open-loop load (200 req/s, half keep-alive, half a
// new connection each) during rollouts (changed variable and version tag → both instances replaced), one
// after the other until at least 10,000 requests were sent during them, then the same load for the same
// duration in steady state (the baseline). Prints a table and ends with
//   rollout: failed N of R, p99 ratio X, over 500 ms M
// (R: requests during the rollouts; X: their p99 over the steady p99; M: how many of them took over 500 ms).
// Exits non-zero (after printing) when a request failed, a phase had no requests or a ratio could not be
// computed: the package promises that a rollout fails no request.
// Everything it created is destroyed at the end, also on failure or Ctrl-C.
//
// Run: npm run bench:rollout [-- --quick] [-- --rate 50 --instances 2]
//   (or: npx tsc -p . && node bin/bench/rollout/run.js [--quick] [--rate 50] [--instances 2])
// --quick (CI): 50 req/s, one rollout, 1 s of load before the up, 3 s after it (longer than the gateway takes
// to notice instances come and go), and the steady phase at most 10 s; the whole path (deploy, rollout under load, steady state, ratios).
import * as path from "path";
import { EngineApp, Gateway } from "../../provider";
import { eventually, freePort, httpRequest, repoRoot } from "../../test/e2e/harness";
import { BenchResult, runBench, withBenchHarness } from "../harnessRun";
import { describeFailures, LoadSample, startLoad, summarize } from "./load";

const HOST = "echo.localhost";
const QUICK = process.argv.includes("--quick");
/** Load before the up starts and after it returned (the gateway follows ready instances within about a second). */
const LEAD_MS = QUICK ? 1_000 : 3_000;
const TAIL_MS = QUICK ? 3_000 : 5_000;
/** With --quick the steady phase is at most this long (else as long as the rollout phase). */
const QUICK_STEADY_MS = 10_000;
/** Rollouts follow each other until this many requests were sent during them (at most MAX_ROLLOUTS). */
const MIN_REQUESTS = QUICK ? 0 : 10_000;
const MAX_ROLLOUTS = 10;

function arg(name: string, def: number): number {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(process.argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
    return v;
}

async function main(): Promise<BenchResult> {
    for (let i = 2; i < process.argv.length; i++) {
        const a = process.argv[i];
        if (a === "--quick") continue;
        if (a === "--rate" || a === "--instances") { i++; continue; }
        throw new Error(`unknown argument ${a} (--quick, --rate N, --instances N)`);
    }
    const rate = arg("rate", QUICK ? 50 : 200);
    const instances = arg("instances", 2);
    if (rate > 200) throw new Error("--rate: at most 200 requests a second");
    if (instances > 5) throw new Error("--instances: at most 5");

    return withBenchHarness("bench-rollout", async (harness) => {
        const httpPort = await freePort();
        let httpsPort = await freePort();
        while (httpsPort === httpPort) httpsPort = await freePort();
        const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
        const program = (release: string) => () => {
            const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
            const app = new EngineApp("echo", { source, gateway, instances, startupTimeout: 15, versionTag: release, variables: { RELEASE: release } });
            return { versionTag: app.versionTag };
        };
        const url = `http://127.0.0.1:${httpPort}/`;
        const ok = (s: LoadSample) => s.status === 200 && /^echoapp production v[0-9]+\n$/.test(s.body);

        log(`deploying v1 (${instances} instances) ...`);
        const first = await harness.up(program("v1"));
        log(`v1 up in ${first.seconds.toFixed(1)}s`);
        const seen = new Set<string>();
        await eventually(async () => {
            const res = await httpRequest(`http://127.0.0.1:${httpPort}/whoami`, { host: HOST });
            if (res.status !== 200) throw new Error(`GET /whoami: ${res.status}`);
            seen.add(JSON.parse(res.body).hostname);
            if (seen.size < instances) throw new Error(`${seen.size} of ${instances} instances answered`);
        }, { timeoutMs: 60_000, intervalMs: 100 });

        // Rollouts under load, until enough requests were sent during them.
        const rolloutLoad = startLoad({ url, host: HOST, ratePerSecond: rate, maxDurationMs: 15 * 60_000 });
        const t0 = Date.now();
        const ups: { release: string; start: number; end: number }[] = [];
        let failedUp: Error | undefined;
        for (let n = 2; n < 2 + MAX_ROLLOUTS; n++) {
            const release = `v${n}`;
            log(`rollout v${n - 1} → ${release} under ${rate} req/s ...`);
            await sleep(LEAD_MS);
            const start = Date.now();
            const up = await harness.up(program(release)).catch((err) => err as Error);
            ups.push({ release, start, end: Date.now() });
            if (up instanceof Error) {
                failedUp = up;
                break;
            }
            log(`rollout to ${release} took ${((Date.now() - start) / 1000).toFixed(1)}s: ${up.changes.map((c) => `${c.op} ${c.name}${c.op === "replace" ? (c.deleteBeforeReplace ? " (delete first)" : " (create first)") : ""}`).join(", ")}`);
            if ((Date.now() - t0 + TAIL_MS) * rate / 1000 >= MIN_REQUESTS) break;
        }
        await sleep(TAIL_MS);
        const rollout = await rolloutLoad.stop();
        if (failedUp) throw failedUp;
        const durationMs = Date.now() - t0;
        const upStart = ups[0].start;
        const upEnd = ups[ups.length - 1].end;

        // Steady state, the baseline: same load, same duration (at most QUICK_STEADY_MS with --quick).
        const steadyMs = QUICK ? Math.min(durationMs, QUICK_STEADY_MS) : durationMs;
        log(`steady state under ${rate} req/s for ${(steadyMs / 1000).toFixed(1)}s ...`);
        const steadyLoad = startLoad({ url, host: HOST, ratePerSecond: rate, maxDurationMs: steadyMs });
        await sleep(steadyMs);
        const steady = await steadyLoad.stop();

        const r = summarize(rollout, ok);
        const s = summarize(steady, ok);
        const rows: [string, string, string][] = [
            ["", "rollout", "steady"],
            ["duration (s)", r.seconds.toFixed(1), s.seconds.toFixed(1)],
            ["requests", String(r.requests), String(s.requests)],
            ["rate (req/s)", r.rate.toFixed(1), s.rate.toFixed(1)],
            ["failed", String(r.failed), String(s.failed)],
            ["  keep-alive failed/requests", `${r.keepAlive.failed}/${r.keepAlive.requests}`, `${s.keepAlive.failed}/${s.keepAlive.requests}`],
            ["  new-conn failed/requests", `${r.fresh.failed}/${r.fresh.requests}`, `${s.fresh.failed}/${s.fresh.requests}`],
            ["p50 (ms)", r.p50.toFixed(1), s.p50.toFixed(1)],
            ["p90 (ms)", r.p90.toFixed(1), s.p90.toFixed(1)],
            ["p99 (ms)", r.p99.toFixed(1), s.p99.toFixed(1)],
            ["max (ms)", r.max.toFixed(1), s.max.toFixed(1)],
            ["> 500 ms", String(rollout.filter((x) => x.latencyMs > 500).length), String(steady.filter((x) => x.latencyMs > 500).length)],
        ];
        const w = [Math.max(...rows.map((x) => x[0].length)), ...[1, 2].map((i) => Math.max(...rows.map((x) => x[i].length)))];
        console.log("");
        for (const row of rows) console.log(`${row[0].padEnd(w[0])}  ${row[1].padStart(w[1])}  ${row[2].padStart(w[2])}`);
        console.log("");
        if (r.failed) console.log(`rollout failures: ${describeFailures(rollout, upStart, ok)}`);
        if (s.failed) console.log(`steady failures: ${describeFailures(steady, steady[0]?.at ?? 0, ok)}`);
        const slow = rollout.filter((x) => x.latencyMs > 500);
        if (slow.length) {
            console.log(`slow rollout requests (> 500 ms), started at (s after the first up started; the ups: ${ups.map((u) => `+${((u.start - upStart) / 1000).toFixed(1)}..+${((u.end - upStart) / 1000).toFixed(1)}`).join(", ")}): ` +
                slow.slice(0, 20).map((x) => `+${((x.at - upStart) / 1000).toFixed(2)} ${x.keepAlive ? "ka" : "new"} ${x.latencyMs.toFixed(0)}ms`).join(", "));
        }
        const ratio = s.p99 > 0 ? r.p99 / s.p99 : NaN;
        const p50Ratio = s.p50 > 0 ? r.p50 / s.p50 : NaN;
        const problems: string[] = [];
        if (r.requests === 0 || s.requests === 0) problems.push(`no requests (rollout ${r.requests}, steady ${s.requests})`);
        if (r.failed) problems.push(`${r.failed} requests failed during the rollout`);
        if (s.failed) problems.push(`${s.failed} requests failed in steady state`);
        if (!Number.isFinite(ratio) || !Number.isFinite(p50Ratio)) problems.push(`no latency ratio (p99 ${r.p99} vs ${s.p99} ms, p50 ${r.p50} vs ${s.p50} ms)`);
        console.log(`${ups.length} rollout(s) in ${((upEnd - upStart) / 1000).toFixed(1)}s; steady: failed ${s.failed} of ${s.requests}; `
            + `p99 ${r.p99.toFixed(1)} ms vs ${s.p99.toFixed(1)} ms steady, p50 ratio ${p50Ratio.toFixed(1)} (${r.p50.toFixed(1)} ms vs ${s.p50.toFixed(1)} ms)${QUICK ? "; quick mode: rough numbers" : ""}`);
        const summary = `rollout: failed ${r.failed} of ${r.requests}, p99 ratio ${ratio.toFixed(2)}, over 500 ms ${slow.length}`;
        return { summary, problems };
    });
}

function log(line: string): void {
    process.stderr.write(`[bench rollout] ${line}\n`);
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

runBench("rollout", main);
