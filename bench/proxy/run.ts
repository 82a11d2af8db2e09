// Benchmark: what does the load balancer cost? The echo app (test/fixtures/echoapp, one instance) is deployed
// on the local Docker engine by the e2e harness, then GET / and GET /text (Accept-Encoding: gzip) are
// measured, in the same run, against:
//   app         the instance container itself (its address on the stack network, LEANCLOUD_APP_PORT)
//   router      the app's router container (its address, port 8080, Host: echo.localhost)
//   gateway     the gateway container (its address, port 80): gateway → router → app
//   published   the gateway's published port on 127.0.0.1, as clients reach it (adds Docker's port forwarding)
// Each measurement: a warm-up, then a fixed duration at fixed concurrency. Load generator: autocannon
// (default; percentiles from every response's own time, since its histogram keeps whole milliseconds), or
// wrk (BENCH_LOADGEN=wrk, Debian package `wrk`: C, less CPU, microsecond percentiles: better on 2 cores).
// Everything the run created is destroyed at the end, also on failure or Ctrl-C.
//
// Run: npx tsc -p . && node bin/bench/proxy/run.js
// Knobs (environment): BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (16),
// BENCH_LOADGEN (autocannon | wrk).
import { execFile } from "child_process";
import * as os from "os";
import * as path from "path";
import { EngineApp, Gateway } from "../../provider";
import { ROUTER_HTTP_PORT } from "../../provider/render/proxy/model";
import { DockerHarness, ensureEngine, eventually, freePort, httpRequest, repoRoot } from "../../test/e2e/harness";

const SECONDS = positive("BENCH_SECONDS", 10);
const WARMUP_SECONDS = positive("BENCH_WARMUP_SECONDS", 2);
const CONNECTIONS = positive("BENCH_CONNECTIONS", 16);
const LOADGEN = process.env.BENCH_LOADGEN || "autocannon";
/** Whole run, deploy included; past it everything is destroyed and the run fails. */
const RUN_LIMIT_MS = 15 * 60_000;
const APP_HOST = "echo.localhost";

interface Target {
    name: string;
    /** Base URL (scheme, address, port). */
    base: string;
    /** Host header; undefined: the URL's. */
    host?: string;
    what: string;
}

interface Workload {
    name: string;
    path: string;
    headers: Record<string, string>;
}

interface Measurement {
    target: string;
    workload: string;
    rps: number;
    p50: number;
    p99: number;
    mean: number;
    bytesPerResponse: number;
    responses: number;
    /** Connection errors by code (tolerated up to MAX_ERROR_SHARE). */
    errors: string;
    /** The host's 1-minute load average when the measurement ended: the machine may be shared. */
    load: number;
}

const WORKLOADS: Workload[] = [
    { name: "GET /", path: "/", headers: {} },
    { name: "GET /text gzip", path: "/text", headers: { "Accept-Encoding": "gzip" } },
];

type Autocannon = (opts: Record<string, unknown>) => Promise<any> & {
    on(event: "response", cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
    on(event: "reqError", cb: (err: NodeJS.ErrnoException) => void): void;
};

/**
 * Connection errors tolerated per measurement (a share of all requests): nginx closes a keep-alive
 * connection after `keepalive_requests` (1000) requests, and autocannon may already have written the next
 * request on it, which it then counts as an error. Anything above this fails the run; non-2xx always does.
 */
const MAX_ERROR_SHARE = 0.001;

function loadAutocannon(): Autocannon {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require("autocannon");
    } catch {
        throw new Error("bench/proxy needs the autocannon package: npm install --save-dev autocannon@9.0.0");
    }
}

async function main(): Promise<void> {
    if (LOADGEN !== "autocannon" && LOADGEN !== "wrk") throw new Error(`BENCH_LOADGEN must be autocannon or wrk, got ${JSON.stringify(LOADGEN)}`);
    const measure = LOADGEN === "wrk" ? await wrkMeasure() : autocannonMeasure(loadAutocannon());
    await ensureEngine();
    await DockerHarness.sweep();
    const h = new DockerHarness({ stack: "bench-proxy" });
    let destroyed: Promise<void> | undefined;
    const destroy = () => (destroyed ??= h.destroy());
    const onSignal = (signal: NodeJS.Signals) => {
        process.stderr.write(`\n${signal}: destroying the bench deployment\n`);
        void destroy().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const limit = setTimeout(() => {
        process.stderr.write(`bench/proxy: over ${RUN_LIMIT_MS / 60_000} minutes, giving up\n`);
        void destroy().finally(() => process.exit(1));
    }, RUN_LIMIT_MS);
    limit.unref();

    try {
        const httpPort = await freePort();
        let httpsPort = await freePort();
        while (httpsPort === httpPort) httpsPort = await freePort();
        const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
        const up = await h.up(() => {
            const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
            const app = new EngineApp("echo", { source, gateway, instances: 1 });
            return { url: app.url };
        });
        log(`deployed in ${up.seconds.toFixed(1)} s: ${up.outputs.url}`);

        const instance = await h.docker.getContainer(h.container("echo-production-0").id).inspect();
        const appPort = Number((instance.Config.Env ?? []).find((e) => e.startsWith("LEANCLOUD_APP_PORT="))?.split("=")[1]);
        const targets: Target[] = [
            { name: "app", base: `http://${address(instance)}:${appPort}`, what: "instance container, no proxy" },
            { name: "router", base: `http://${address(await inspect(h, "echo-router"))}:${ROUTER_HTTP_PORT}`, host: APP_HOST, what: "router container → app" },
            { name: "gateway", base: `http://${address(await inspect(h, "edge"))}:80`, host: APP_HOST, what: "gateway container → router → app" },
            { name: "published", base: `http://127.0.0.1:${httpPort}`, host: APP_HOST, what: "127.0.0.1 published port → gateway → router → app" },
        ];
        for (const t of targets) {
            await eventually(async () => {
                const r = await httpRequest(`${t.base}/`, { host: t.host, timeoutMs: 5_000 });
                if (r.status !== 200) throw new Error(`${t.name}: ${r.status}`);
            }, { timeoutMs: 60_000 });
            const gz = await httpRequest(`${t.base}/text`, { host: t.host, headers: { "Accept-Encoding": "gzip" } });
            log(`${t.name.padEnd(9)} ${t.base.padEnd(26)} ${t.what}; /text with gzip: ${gz.headers["content-encoding"] ?? "identity"}`);
        }

        log(`each measurement: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s at ${CONNECTIONS} connections (${LOADGEN}); ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
        const results: Measurement[] = [];
        for (const w of WORKLOADS) {
            for (const t of targets) {
                const m = await measure(t, w);
                results.push(m);
                log(`${w.name.padEnd(15)} ${t.name.padEnd(9)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms`);
            }
        }
        report(results, targets);
    } finally {
        await destroy();
        clearTimeout(limit);
    }
}

type Measure = (t: Target, w: Workload) => Promise<Measurement>;

function autocannonMeasure(autocannon: Autocannon): Measure {
    return (t, w) => measureAutocannon(autocannon, t, w);
}

async function measureAutocannon(autocannon: Autocannon, t: Target, w: Workload): Promise<Measurement> {
    const opts = {
        url: `${t.base}${w.path}`,
        connections: CONNECTIONS,
        pipelining: 1,
        headers: { ...(t.host ? { host: t.host } : {}), ...w.headers },
        timeout: 10,
    };
    await autocannon({ ...opts, duration: WARMUP_SECONDS });
    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const run = autocannon({ ...opts, duration: SECONDS });
    run.on("response", (_client, status, _bytes, ms) => {
        if (status === 200) latencies.push(ms);
    });
    run.on("reqError", (err) => errors.set(err.code ?? err.message, (errors.get(err.code ?? err.message) ?? 0) + 1));
    const r = await run;
    const errorText = [...errors].map(([k, n]) => `${n}× ${k}`).join(", ");
    if (r.non2xx > 0 || r.timeouts > 0 || r.errors > MAX_ERROR_SHARE * r.requests.total) {
        throw new Error(`${w.name} on ${t.name}: ${r.errors} errors (${errorText}), ${r.timeouts} timeouts, ${r.non2xx} non-2xx of ${r.requests.total}`);
    }
    latencies.sort((a, b) => a - b);
    const seconds = r.duration as number;
    return {
        target: t.name,
        workload: w.name,
        rps: latencies.length / seconds,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        bytesPerResponse: r.throughput.total / Math.max(1, r.requests.total),
        responses: latencies.length,
        errors: errorText || "0",
        load: os.loadavg()[0],
    };
}

/** wrk (2 threads, --latency): its own summary, parsed. */
async function wrkMeasure(): Promise<Measure> {
    await exec("wrk", ["--version"], 10_000).catch((err: Error) => {
        // wrk --version exits 1 after printing; only a missing binary is an error.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error("BENCH_LOADGEN=wrk needs wrk: apt-get install -y wrk");
    });
    return async (t, w) => {
        const args = (seconds: number) => [
            "-t", "2", "-c", String(CONNECTIONS), "-d", `${seconds}s`, "--latency", "--timeout", "10s",
            ...Object.entries({ ...(t.host ? { Host: t.host } : {}), ...w.headers }).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
            `${t.base}${w.path}`,
        ];
        await exec("wrk", args(WARMUP_SECONDS), (WARMUP_SECONDS + 30) * 1000);
        const out = await exec("wrk", args(SECONDS), (SECONDS + 30) * 1000);
        const num = (re: RegExp) => {
            const m = re.exec(out);
            if (!m) throw new Error(`wrk output without ${re}:\n${out}`);
            return m[1] === undefined ? 0 : ms(m[1], m[2]);
        };
        const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
        const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
        const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
        const errors = socket ? socket.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0;
        const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
        const bytesPerSec = transfer ? Number(transfer[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[transfer[2]] : NaN;
        if (non2xx > 0 || errors > MAX_ERROR_SHARE * requests) throw new Error(`${w.name} on ${t.name}: ${non2xx} non-2xx, socket errors ${socket?.[0] ?? 0} of ${requests}`);
        return {
            target: t.name,
            workload: w.name,
            rps,
            p50: num(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m),
            p99: num(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m),
            mean: num(/^\s+Latency\s+([\d.]+)(us|ms|s)/m),
            bytesPerResponse: bytesPerSec / rps,
            responses: requests,
            errors: socket ? socket[0].replace("Socket errors: ", "") : "0",
            load: os.loadavg()[0],
        };
    };
}

function ms(value: string, unit: string): number {
    return Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];
}

function exec(cmd: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
            if (err) reject(Object.assign(err, { message: `${cmd} ${args.join(" ")}: ${err.message}\n${stderr}` }));
            else resolve(String(stdout));
        });
    });
}

function report(results: Measurement[], targets: Target[]): void {
    const rows = [["workload", "target", "req/s", "p50 ms", "p99 ms", "mean ms", "bytes/resp", "responses", "conn. errors", "load"]];
    for (const m of results) {
        rows.push([m.workload, m.target, m.rps.toFixed(0), m.p50.toFixed(3), m.p99.toFixed(3), m.mean.toFixed(3), m.bytesPerResponse.toFixed(0), String(m.responses), m.errors, m.load.toFixed(1)]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log("");
    console.log(line(rows[0]));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows.slice(1)) console.log(line(r));
    console.log("");
    // Ratios against the app itself: throughput < 1 and latency > 1 is what the proxies cost.
    const label: Record<string, string> = { published: "proxy", gateway: "proxy (gateway container, no port forwarding)", router: "router only" };
    for (const w of WORKLOADS) {
        const base = results.find((m) => m.workload === w.name && m.target === "app")!;
        for (const t of targets.filter((x) => x.name !== "app").reverse()) {
            const m = results.find((x) => x.workload === w.name && x.target === t.name)!;
            console.log(`${label[t.name]} [${w.name}]: throughput ratio ${(m.rps / base.rps).toFixed(2)}, p50 ratio ${(m.p50 / base.p50).toFixed(1)}, p99 ratio ${(m.p99 / base.p99).toFixed(1)}`);
        }
    }
}

function percentile(sorted: number[], q: number): number {
    if (!sorted.length) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function inspect(h: DockerHarness, name: string) {
    return h.docker.getContainer(h.container(name).id).inspect();
}

/** The container's address on its (first) network that has one. */
function address(info: { NetworkSettings: { Networks?: Record<string, { IPAddress: string }> } }): string {
    const ip = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
    if (!ip) throw new Error("container has no network address");
    return ip;
}

function positive(name: string, fallback: number): number {
    const v = process.env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
}

function log(line: string): void {
    process.stderr.write(`[bench/proxy] ${line}\n`);
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`bench/proxy failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        process.exit(1);
    },
);
