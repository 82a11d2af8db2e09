// Benchmark: what does the load balancer cost? The echo app (test/fixtures/echoapp, one instance) is deployed
// on the local Docker engine by the e2e harness, then GET / and GET /text (Accept-Encoding: gzip) are
// measured at 16 and 64 connections, in the same run, against:
//   app         the instance container itself (its address on the stack network, LEANCLOUD_APP_PORT): the baseline
//   anchor      one hand-tuned nginx container (same image, keep-alive upstream to the instance, access log off,
//               gzip as the package's gateway) published on 127.0.0.1 like the gateway: what a careful user
//               would put in front of the app by hand; the package's path is measured against it
//   gateway     the gateway container (its address, port 80, Host: echo.localhost): gateway → app
//   published   the gateway's published port on 127.0.0.1, as clients reach it: the package's path
// Each measurement: a warm-up, then a fixed duration at fixed concurrency, with wrk (Debian package `wrk`,
// installed with apt-get when missing). First the run checks the load generator on a bare nginx container
// (loadgen.ts: wrk against an independent sequential client; and the p50 bound every measurement must
// meet) and fails if its latency cannot be trusted. Prints a table and the ratios, and ends with one line
// for the worst workload (lowest throughput ratio at any connection count, highest added p50 at the fewest
// connections, all errors):
//   proxy vs anchor: throughput 0.85, p50 added 0.62 ms, errors 0
// (throughput: published/anchor; p50 added: published p50 - app p50; errors: the package path's socket errors).
// Everything the run created is destroyed at the end, also on failure or Ctrl-C.
//
// Run: npm run bench:proxy [-- --quick]   (or: npx tsc -p . && node bin/bench/proxy/run.js [--quick])
// --quick (CI): 1 s warm-up and 2 s per measurement, 1 s per wrk run of the generator check; the whole path (deploy,
// generator check, every target, workload and connection count, ratios); the numbers are rough.
// Knobs (environment): BENCH_SECONDS (10; 2 with --quick), BENCH_WARMUP_SECONDS (2; 1), BENCH_CONNECTIONS (16,64),
// BENCH_ROUNDS (3; 1): rounds of every target per workload, interleaved; each target's median is reported.
import type Docker from "dockerode";
import * as os from "os";
import * as path from "path";
import { EngineApp, Gateway } from "../../provider";
import { GZIP_COMP_LEVEL, GZIP_MIN_LENGTH, GZIP_TYPES } from "../../provider/render/proxy/siteConf";
import { DockerHarness, eventually, freePort, httpRequest, repoRoot } from "../../test/e2e/harness";
import { BenchResult, runBench, withBenchHarness } from "../harnessRun";
import { median } from "../stats";
import { BOUND_SLACK, checkGenerator, ensureWrk, GeneratorCheck, REFERENCE_ABOVE, REFERENCE_BELOW, wrk } from "./loadgen";

const QUICK = process.argv.includes("--quick");
for (const a of process.argv.slice(2)) if (a !== "--quick") throw new Error(`bench/proxy: unknown argument ${a} (only --quick)`);
const SECONDS = positive("BENCH_SECONDS", QUICK ? 2 : 10);
const WARMUP_SECONDS = positive("BENCH_WARMUP_SECONDS", QUICK ? 1 : 2);
const CONNECTIONS = positiveList("BENCH_CONNECTIONS", [16, 64]);
/** Rounds per workload and connection count (the median is reported): one run alone varies by a fifth here. */
const ROUNDS = positive("BENCH_ROUNDS", QUICK ? 1 : 3);
/** wrk threads: two (this class of machine has 2 cores), never more than connections. */
const threads = (connections: number) => Math.min(2, connections);
/** Seconds of each wrk run of the load generator check. */
const CHECK_SECONDS = QUICK ? 1 : 2;
/** Whole run, deploy included; past it everything is destroyed and the run fails. */
const RUN_LIMIT_MS = 25 * 60_000;
const APP_HOST = "echo.localhost";
const BARE_NGINX_IMAGE = "nginx:1.28-bookworm";
/** The bare nginx of the load generator check: a fixed small answer; keepalive_requests is nginx's default (1000). */
const BARE_NGINX_CONF = `worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events {}
http {
    access_log off;
    server {
        listen 80;
        location / { return 200 "ok\\n"; }
    }
}
`;

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
    connections: number;
    rps: number;
    p50: number;
    p99: number;
    mean: number;
    bytesPerResponse: number;
    responses: number;
    /** wrk's socket errors (tolerated up to MAX_ERROR_SHARE of the requests). */
    errors: string;
    socketErrors: number;
    /** The host's 1-minute load average when the measurement ended: the machine may be shared. */
    load: number;
}

const WORKLOADS: Workload[] = [
    { name: "GET /", path: "/", headers: {} },
    { name: "GET /text gzip", path: "/text", headers: { "Accept-Encoding": "gzip" } },
];

async function main(): Promise<BenchResult> {
    await ensureWrk(log);
    return withBenchHarness("bench-proxy", async (h) => {
        // First, before minutes of deploying: can wrk's latency be trusted on this machine?
        const check = await checkLoadGenerator(h);

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
        const anchorPort = await freePort();
        await startAnchor(h, instance, appPort, anchorPort);
        const targets: Target[] = [
            { name: "app", base: `http://${address(instance)}:${appPort}`, what: "instance container, no proxy" },
            { name: "anchor", base: `http://127.0.0.1:${anchorPort}`, host: APP_HOST, what: "127.0.0.1 published port → one hand-tuned nginx (keep-alive) → app" },
            { name: "gateway", base: `http://${address(await inspect(h, "edge"))}:80`, host: APP_HOST, what: "gateway container → app (pooled)" },
            { name: "published", base: `http://127.0.0.1:${httpPort}`, host: APP_HOST, what: "127.0.0.1 published port → gateway → app" },
        ];
        for (const t of targets) {
            await eventually(async () => {
                const r = await httpRequest(`${t.base}/`, { host: t.host, timeoutMs: 5_000 });
                if (r.status !== 200) throw new Error(`${t.name}: ${r.status}`);
            }, { timeoutMs: 60_000 });
            const gz = await httpRequest(`${t.base}/text`, { host: t.host, headers: { "Accept-Encoding": "gzip" } });
            log(`${t.name.padEnd(9)} ${t.base.padEnd(26)} ${t.what}; /text with gzip: ${gz.headers["content-encoding"] ?? "identity"}`);
        }

        log(`each measurement: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s at ${CONNECTIONS.join(" and ")} connections (wrk, 2 threads); ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
        const results: Measurement[] = [];
        for (const c of CONNECTIONS) {
            for (const w of WORKLOADS) {
                // Rounds interleave the targets (in a rotated order each time), so a slow spell of the shared
                // machine lands on all of them; each target's median round is reported.
                const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
                for (let round = 0; round < ROUNDS; round++) {
                    for (const t of [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)]) {
                        const m = await measure(t, w, c);
                        rounds.get(t.name)!.push(m);
                        log(`${w.name.padEnd(15)} c${String(c).padEnd(4)} ${t.name.padEnd(9)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50.toFixed(3)} ms  p99 ${m.p99.toFixed(3)} ms${ROUNDS > 1 ? `  (round ${round + 1} of ${ROUNDS})` : ""}`);
                    }
                }
                for (const t of targets) results.push(medianRound(rounds.get(t.name)!));
            }
        }
        // report() throws when a ratio is not a number: the bench fails with what is missing.
        return { summary: report(results, targets, check), problems: [] };
    }, RUN_LIMIT_MS);
}

/**
 * Starts a bare nginx container (labelled like the harness's resources, so destroy() and sweeps remove it)
 * and checks wrk's latency on it against the reference client (loadgen.ts); removes it again.
 */
async function checkLoadGenerator(h: DockerHarness): Promise<GeneratorCheck> {
    const container = await h.docker.createContainer({
        name: `${h.stack}-bare-nginx-${process.pid}`,
        Image: BARE_NGINX_IMAGE,
        Entrypoint: ["sh", "-c", 'printf "%s" "$BARE_NGINX_CONF" > /tmp/bare.conf && exec nginx -c /tmp/bare.conf -g "daemon off;"'],
        Cmd: [],
        Env: [`BARE_NGINX_CONF=${BARE_NGINX_CONF}`],
        Labels: h.labels,
        HostConfig: { NetworkMode: "bridge" },
    });
    try {
        await container.start();
        const base = `http://${address(await container.inspect())}:80`;
        await eventually(async () => {
            const r = await httpRequest(`${base}/`, { timeoutMs: 2_000 });
            if (r.status !== 200 || r.body !== "ok\n") throw new Error(`bare nginx: ${r.status} ${JSON.stringify(r.body)}`);
        }, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (err: Error) => {
            throw new Error(`bare nginx (${BARE_NGINX_IMAGE}) did not answer: ${err.message}\n${await logsOf(container)}`);
        });
        const check = await checkGenerator(`${base}/`, { threads: threads(CONNECTIONS[0]), connections: CONNECTIONS[0], seconds: CHECK_SECONDS });
        log(`load generator check on a bare nginx (${base}, keepalive_requests 1000): over one connection wrk p50 ${check.sequential.p50.toFixed(3)} ms `
            + `(${check.sequential.rps.toFixed(0)} req/s), the sequential reference client's median ${check.reference.median.toFixed(3)} ms (best of ${check.rounds} rounds each; `
            + `${check.reference.requests} requests, connection closed by nginx ${check.reference.serverCloses}×): ratio ${check.ratio.toFixed(2)}, allowed 1/${REFERENCE_BELOW}..${REFERENCE_ABOVE}; `
            + `at ${CONNECTIONS[0]} connections wrk p50 ${check.loaded.p50.toFixed(3)} ms at ${check.loaded.rps.toFixed(0)} req/s `
            + `(bound ${BOUND_SLACK}·2·C/X = ${((BOUND_SLACK * 2000 * CONNECTIONS[0]) / check.loaded.rps).toFixed(3)} ms)`);
        return check;
    } finally {
        await container.remove({ force: true }).catch(() => undefined);
    }
}

async function logsOf(container: Docker.Container): Promise<string> {
    try {
        return String(await container.logs({ stdout: true, stderr: true, tail: 20 }));
    } catch {
        return "(no logs)";
    }
}

/** A warm-up run, then the measured run, with wrk (loadgen.ts fails a run with errors or an impossible p50). */
async function measure(t: Target, w: Workload, connections: number): Promise<Measurement> {
    const url = `${t.base}${w.path}`;
    const headers = { ...(t.host ? { Host: t.host } : {}), ...w.headers };
    const run = (seconds: number, what: string) => wrk({ url, headers, threads: threads(connections), connections, seconds }).catch((err: Error) => {
        throw new Error(`${w.name} at ${connections} connections on ${t.name}${what}: ${err.message}`);
    });
    await run(WARMUP_SECONDS, " (warm-up)");
    const r = await run(SECONDS, "");
    return {
        target: t.name,
        workload: w.name,
        connections,
        rps: r.rps,
        p50: r.p50,
        p99: r.p99,
        mean: r.mean,
        bytesPerResponse: r.bytesPerResponse,
        responses: r.requests,
        errors: r.errorText,
        socketErrors: r.socketErrors,
        load: os.loadavg()[0],
    };
}

/** One target's rounds as one measurement: the median of each figure, all responses and socket errors. */
function medianRound(rounds: Measurement[]): Measurement {
    const of = (f: (m: Measurement) => number) => median(rounds.map(f));
    return {
        ...rounds[0],
        rps: of((m) => m.rps),
        p50: of((m) => m.p50),
        p99: of((m) => m.p99),
        mean: of((m) => m.mean),
        bytesPerResponse: of((m) => m.bytesPerResponse),
        responses: rounds.reduce((sum, m) => sum + m.responses, 0),
        errors: rounds.map((m) => m.errors).join(" + "),
        socketErrors: rounds.reduce((sum, m) => sum + m.socketErrors, 0),
        load: Math.max(...rounds.map((m) => m.load)),
    };
}

/** Prints the table and the ratios; returns the one-line summary (throws when a ratio is not a number). */
function report(results: Measurement[], targets: Target[], check: GeneratorCheck): string {
    const rows = [["workload", "conns", "target", "req/s", "p50 ms", "p99 ms", "mean ms", "bytes/resp", "responses", "socket errors", "load"]];
    for (const m of results) {
        rows.push([m.workload, String(m.connections), m.target, m.rps.toFixed(0), m.p50.toFixed(3), m.p99.toFixed(3), m.mean.toFixed(3), m.bytesPerResponse.toFixed(0), String(m.responses), m.errors, m.load.toFixed(1)]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log("");
    console.log(line(rows[0]));
    console.log(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows.slice(1)) console.log(line(r));
    console.log("wrk's mean and p99 are corrected for coordinated omission (bench/proxy/loadgen.ts)");
    console.log("");
    const of = (target: string, w: Workload, c: number) => results.find((m) => m.target === target && m.workload === w.name && m.connections === c)!;
    const finite = (what: string, v: number) => {
        if (!Number.isFinite(v)) throw new Error(`no ${what}: ${JSON.stringify(results)}`);
        return v;
    };
    let worstRatio = Infinity;
    let worstAdded = -Infinity;
    let errors = 0;
    for (const c of CONNECTIONS) {
        for (const w of WORKLOADS) {
            const [app, anchor, pkg] = [of("app", w, c), of("anchor", w, c), of("published", w, c)];
            for (const t of targets.filter((x) => x.name !== "app")) {
                const m = of(t.name, w, c);
                console.log(`${`${w.name} at ${c}`.padEnd(21)} ${t.name.padEnd(9)} throughput vs app ${(m.rps / app.rps).toFixed(2)}, vs anchor ${(m.rps / anchor.rps).toFixed(2)}; `
                    + `p50 added ${(m.p50 - app.p50).toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms`);
            }
            worstRatio = Math.min(worstRatio, finite(`${w.name} ${c} throughput ratio`, pkg.rps / anchor.rps));
            // At more connections a closed loop's p50 is about connections/throughput (Little's law) on any path,
            // so the latency a path adds is read at the fewest connections.
            if (c === Math.min(...CONNECTIONS)) worstAdded = Math.max(worstAdded, finite(`${w.name} ${c} p50 added`, pkg.p50 - app.p50));
            errors += pkg.socketErrors;
        }
    }
    console.log(`wrk checked on a bare nginx: p50 ${check.sequential.p50.toFixed(3)} ms vs reference ${check.reference.median.toFixed(3)} ms${QUICK ? "; quick mode: rough numbers" : ""}`);
    return `proxy vs anchor: throughput ${worstRatio.toFixed(2)}, p50 added ${worstAdded.toFixed(2)} ms, errors ${errors}`;
}

/**
 * The anchor: one nginx container, configured as a careful user would by hand (keep-alive upstream pool to
 * the instance, access log off, gzip like the package's gateway), on the instance's network and published on
 * 127.0.0.1 like the gateway. Labelled like the harness's resources, so destroy() and sweeps remove it.
 */
async function startAnchor(h: DockerHarness, instance: Docker.ContainerInspectInfo, appPort: number, port: number): Promise<void> {
    const network = Object.keys(instance.NetworkSettings.Networks ?? {})[0];
    if (!network) throw new Error("the instance has no network");
    const conf = `worker_processes auto;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    gzip on;
    gzip_proxied any;
    gzip_comp_level ${GZIP_COMP_LEVEL};
    gzip_min_length ${GZIP_MIN_LENGTH};
    gzip_types ${GZIP_TYPES.join(" ")};
    upstream app {
        server ${address(instance)}:${appPort};
        keepalive 64;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }
    }
}
`;
    const container = await h.docker.createContainer({
        name: `${h.stack}-anchor-${process.pid}`,
        Image: BARE_NGINX_IMAGE,
        Entrypoint: ["sh", "-c", 'printf "%s" "$ANCHOR_CONF" > /tmp/anchor.conf && exec nginx -c /tmp/anchor.conf -g "daemon off;"'],
        Cmd: [],
        Env: [`ANCHOR_CONF=${conf}`],
        Labels: h.labels,
        ExposedPorts: { "80/tcp": {} },
        HostConfig: { NetworkMode: network, PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] } },
    });
    await container.start();
    await eventually(async () => {
        const r = await httpRequest(`http://127.0.0.1:${port}/`, { host: APP_HOST, timeoutMs: 2_000 });
        if (r.status !== 200) throw new Error(`anchor: ${r.status}`);
    }, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (err: Error) => {
        throw new Error(`the anchor nginx did not answer: ${err.message}\n${await logsOf(container)}`);
    });
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

function positiveList(name: string, fallback: number[]): number[] {
    const v = process.env[name];
    if (v === undefined || v === "") return fallback;
    const list = v.split(",").map((x) => Number(x.trim()));
    if (!list.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`${name} must be positive integers separated by commas, got ${JSON.stringify(v)}`);
    return list;
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

runBench("proxy", main);
