// The load generator of bench/proxy: wrk (Debian package `wrk`, C, microsecond percentiles, little CPU),
// and the checks that its latency figures can be trusted.
//
// Why wrk and these checks: autocannon 9 (this bench's generator before) times responses from stale start
// times once nginx closes a keep-alive connection (after `keepalive_requests`, 1000 by default): 3.7 ms
// p50 where the truth was 0.44 ms, and on a bare nginx with one connection ~1 ms p50 at 27k requests/s,
// which one connection cannot do. Two checks catch that kind of error:
//   - every measurement (closed loop, C connections, X responses/s): the mean latency is at most C/X
//     (Little's law), so the median is at most 2·C/X (Markov's inequality); a reported p50 above
//     BOUND_SLACK × 2·C/X is impossible and fails the run;
//   - once per run, on a bare nginx (keepalive_requests at its default): wrk's p50 over one connection
//     must meet the same bound and agree with the median of a minimal sequential keep-alive client
//     (within 1/20..20×: a gross or units error; see REFERENCE_ABOVE)
//     (referenceMedian: a raw socket, one request at a time, its own high-resolution clock), which
//     also sees nginx close the connection after 1000 requests; best of 3 alternating rounds each.
//     Measured on a 2-core machine (nginx on 127.0.0.1): wrk 0.011 ms, reference 0.020 ms idle and up to
//     0.08 ms busy (its own event loop and wake-ups); autocannon 9 over one connection: 0.98 ms at 27,700
//     responses/s.
// wrk's mean and upper percentiles are corrected for coordinated omission (a response slower than the
// mean interval between requests adds the samples a steady client would have measured meanwhile), so
// on a busy machine its p99 includes the machine's stalls: compare p99s within one run only.
import { execFile } from "child_process";
import * as net from "net";

/** Connection errors tolerated per measurement, as a share of all requests; non-2xx always fail. */
export const MAX_ERROR_SHARE = 0.001;
/** Slack on the p50 ≤ 2·C/X bound (measurement windows, wrk's correction). */
export const BOUND_SLACK = 1.25;
/**
 * wrk's single-connection p50 may be at most this many times the reference client's median. The precise
 * check of a generator that counts time the responses did not take (autocannon's error: 8-50×) is
 * judge()'s bound, which every single-connection round must also meet; this comparison only catches a
 * gross or units error, since on a busy 2-core machine the two clients' medians were seen 6× apart
 * (wrk 0.114 ms, reference 0.019 ms, best of 3 each, in a CI run) with both within the bound.
 */
export const REFERENCE_ABOVE = 20;
/**
 * ... and at least the reference median divided by this: a minimal C client on a busy 2-core machine
 * reads up to ~8× below a Node.js one (0.010 vs 0.08 ms on 127.0.0.1); 20× below is a units error.
 */
export const REFERENCE_BELOW = 20;

export interface WrkResult {
    requests: number;
    rps: number;
    /** ms */
    p50: number;
    p99: number;
    mean: number;
    bytesPerResponse: number;
    non2xx: number;
    socketErrors: number;
    /** "connect 0, read 0, write 0, timeout 0" or "0". */
    errorText: string;
}

export interface WrkOptions {
    url: string;
    headers?: Record<string, string>;
    threads: number;
    connections: number;
    seconds: number;
}

/**
 * Makes sure wrk is on PATH: installs Debian's package with apt-get when it is missing and this runs as
 * root on Debian, otherwise fails with the command to run.
 */
export async function ensureWrk(log: (line: string) => void): Promise<void> {
    if (await hasWrk()) return;
    const hint = "bench/proxy needs the load generator wrk: apt-get install -y wrk (Debian/Ubuntu package `wrk`)";
    if (process.getuid?.() !== 0 || !(await succeeds("apt-get", ["--version"]))) throw new Error(hint);
    log("wrk is missing: installing Debian's package wrk (apt-get install -y wrk)");
    const install = ["install", "-y", "-qq", "--no-install-recommends", "wrk"];
    if (!(await succeeds("apt-get", install, 300_000))) {
        await exec("apt-get", ["update", "-qq"], 300_000).catch((err: Error) => { throw new Error(`${hint}\napt-get update failed: ${err.message}`); });
        await exec("apt-get", install, 300_000).catch((err: Error) => { throw new Error(`${hint}\napt-get install wrk failed: ${err.message}`); });
    }
    if (!(await hasWrk())) throw new Error(`${hint}\n(apt-get installed it, but wrk is still not on PATH)`);
}

/** Runs wrk once; fails on non-2xx, too many socket errors, no responses or an impossible p50. */
export async function wrk(o: WrkOptions): Promise<WrkResult> {
    const args = [
        "-t", String(o.threads), "-c", String(o.connections), "-d", `${o.seconds}s`, "--latency", "--timeout", "10s",
        ...Object.entries(o.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
        o.url,
    ];
    const out = await exec("wrk", args, (o.seconds + 30) * 1000);
    const r = parseWrk(out);
    const problem = judge(r, o.connections);
    if (problem) throw new Error(`wrk -t${o.threads} -c${o.connections} -d${o.seconds}s ${o.url}: ${problem}\n${out}`);
    return r;
}

/** Why a closed-loop measurement over `connections` connections cannot be used, or undefined. */
export function judge(r: Pick<WrkResult, "requests" | "rps" | "p50" | "p99" | "non2xx" | "socketErrors" | "errorText">, connections: number): string | undefined {
    if (!(r.requests > 0) || !(r.rps > 0)) return "no responses";
    if (r.non2xx > 0 || r.socketErrors > MAX_ERROR_SHARE * r.requests) return `${r.non2xx} non-2xx responses, socket errors ${r.errorText} of ${r.requests} requests`;
    if (!(r.p50 > 0 && Number.isFinite(r.p50) && Number.isFinite(r.p99))) return "no latency percentiles";
    const bound = (2 * connections / r.rps) * 1000;
    if (r.p50 > BOUND_SLACK * bound) {
        return `p50 ${r.p50.toFixed(3)} ms is impossible at ${r.rps.toFixed(0)} responses/s over ${connections} connections `
            + `(at most 2·C/X = ${bound.toFixed(3)} ms): the load generator's latency is wrong`;
    }
    return undefined;
}

export function parseWrk(out: string): WrkResult {
    const time = (re: RegExp): number => {
        const m = re.exec(out);
        return m ? Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2]] : NaN;
    };
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket ? socket.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0;
    const transfer = /Transfer\/sec:\s+([\d.]+)([KMG]?B)/.exec(out);
    const bytesPerSec = transfer ? Number(transfer[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[transfer[2]] : NaN;
    return {
        requests,
        rps,
        p50: time(/^\s+50%\s+([\d.]+)(us|ms|s|m|h)\s*$/m),
        p99: time(/^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m),
        mean: time(/^\s+Latency\s+([\d.]+)(us|ms|s|m|h)/m),
        bytesPerResponse: bytesPerSec / rps,
        non2xx,
        socketErrors,
        errorText: socket ? socket[0].replace("Socket errors: ", "") : "0",
    };
}

export interface Reference {
    /** ms */
    median: number;
    p90: number;
    requests: number;
    /** Times the server closed the keep-alive connection (Connection: close) and the client reconnected. */
    serverCloses: number;
}

/**
 * The independent measurement: `count` GETs, one at a time, over one keep-alive connection (a new one
 * when the server closes it), each timed from writing the request to the last byte of the response with
 * process.hrtime; the first `warmup` are not counted. Needs a Content-Length response (nginx `return`).
 */
export async function referenceMedian(host: string, port: number, options: { count?: number; warmup?: number; timeoutMs?: number } = {}): Promise<Reference> {
    const count = options.count ?? 1200;
    const warmup = options.warmup ?? 100;
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: bench-reference\r\n\r\n`, "latin1");
    const connect = () => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host, port, noDelay: true }, () => { s.off("error", reject); resolve(s); });
        s.once("error", reject);
    });
    const one = (s: net.Socket) => new Promise<{ ms: number; close: boolean }>((resolve, reject) => {
        let buf: Buffer = Buffer.alloc(0);
        const cleanup = () => { s.off("data", onData); s.off("error", onError); s.off("close", onClose); clearTimeout(timer); };
        const onError = (err: Error) => { cleanup(); reject(err); };
        const onClose = () => { cleanup(); reject(new Error("reference client: connection closed before the response ended")); };
        const timer = setTimeout(() => { cleanup(); reject(new Error("reference client: no response within 10 s")); }, 10_000);
        const onData = (d: Buffer) => {
            buf = buf.length ? Buffer.concat([buf, d]) : d;
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = buf.subarray(0, end).toString("latin1");
            const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
            if (!Number.isFinite(length)) { cleanup(); reject(new Error(`reference client: response without Content-Length: ${head.split("\r\n")[0]}`)); return; }
            if (buf.length < end + 4 + length) return;
            const ms = Number(process.hrtime.bigint() - start) / 1e6;
            cleanup();
            if (!/^HTTP\/1\.1 200 /.test(head)) { reject(new Error(`reference client: ${head.split("\r\n")[0]}`)); return; }
            resolve({ ms, close: /\r\nconnection:\s*close/i.test(head) });
        };
        s.on("data", onData);
        s.on("error", onError);
        s.on("close", onClose);
        const start = process.hrtime.bigint();
        s.write(request);
    });
    let socket = await connect();
    const times: number[] = [];
    let serverCloses = 0;
    try {
        for (let i = 0; i < count; i++) {
            if (Date.now() > deadline) throw new Error(`reference client: ${i} of ${count} requests in ${options.timeoutMs ?? 60_000} ms`);
            const r = await one(socket);
            if (i >= warmup) times.push(r.ms);
            if (r.close) {
                serverCloses++;
                socket.destroy();
                socket = await connect();
            }
        }
    } finally {
        socket.destroy();
    }
    times.sort((a, b) => a - b);
    return { median: times[times.length >> 1], p90: times[Math.floor(times.length * 0.9)], requests: times.length, serverCloses };
}

export interface GeneratorCheck {
    /** The reference round with the lowest median. */
    reference: Reference;
    /** wrk, 1 thread, 1 connection: the round with the lowest p50. */
    sequential: WrkResult;
    /** wrk at the bench's threads and connections */
    loaded: WrkResult;
    /** sequential.p50 / reference.median */
    ratio: number;
    rounds: number;
}

/**
 * Measures a bare nginx at `url` (keepalive_requests at its default of 1000) with the reference client and
 * with wrk over one connection, alternating, `rounds` times, and compares the best of each (a busy machine
 * slows single rounds of either; a generator that times responses wrongly is wrong in every round). Fails
 * unless every single-connection wrk round passes judge()'s p50 bound, wrk's best p50 is within
 * 1/REFERENCE_BELOW..REFERENCE_ABOVE times the reference median, the reference saw nginx close its
 * keep-alive connection, and one wrk run at the bench's concurrency passes the p50 bound.
 */
export async function checkGenerator(url: string, options: { threads: number; connections: number; seconds: number; rounds?: number }): Promise<GeneratorCheck> {
    const target = new URL(url);
    const rounds = options.rounds ?? 3;
    const references: Reference[] = [];
    const sequentials: WrkResult[] = [];
    for (let i = 0; i < rounds; i++) {
        references.push(await referenceMedian(target.hostname, Number(target.port || 80)));
        sequentials.push(await wrk({ url, threads: 1, connections: 1, seconds: options.seconds }));
    }
    const reference = references.reduce((a, b) => (b.median < a.median ? b : a));
    const sequential = sequentials.reduce((a, b) => (b.p50 < a.p50 ? b : a));
    if (references.some((r) => r.serverCloses < 1)) throw new Error(`load generator check: nginx did not close the keep-alive connection within ${reference.requests + 100} requests (keepalive_requests is not 1000?)`);
    const loaded = await wrk({ url, threads: options.threads, connections: options.connections, seconds: options.seconds });
    for (const round of sequentials) {
        const problem = judge(round, 1);
        if (problem) throw new Error(`load generator check failed on a bare nginx, over one connection: ${problem}`);
    }
    const ratio = sequential.p50 / reference.median;
    if (!Number.isFinite(ratio) || ratio > REFERENCE_ABOVE || ratio < 1 / REFERENCE_BELOW) {
        throw new Error(`load generator check failed on a bare nginx: over one connection wrk's p50 is ${sequential.p50.toFixed(3)} ms `
            + `(best of ${rounds}: ${sequentials.map((r) => r.p50.toFixed(3)).join(", ")}), the sequential reference client's median `
            + `${reference.median.toFixed(3)} ms (best of ${rounds}: ${references.map((r) => r.median.toFixed(3)).join(", ")}): `
            + `ratio ${ratio.toFixed(2)}, outside 1/${REFERENCE_BELOW}..${REFERENCE_ABOVE}, so wrk's latency cannot be trusted here`);
    }
    return { reference, sequential, loaded, ratio, rounds };
}

function hasWrk(): Promise<boolean> {
    // `wrk --version` prints "wrk <version> ..." and its usage, and exits 1.
    return new Promise((resolve) => execFile("wrk", ["--version"], { timeout: 10_000 }, (_err, stdout, stderr) => resolve(/^wrk /m.test(`${stdout}${stderr}`))));
}

function succeeds(cmd: string, args: string[], timeoutMs = 10_000): Promise<boolean> {
    return exec(cmd, args, timeoutMs).then(() => true, () => false);
}

export function exec(cmd: string, args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }, (err, stdout, stderr) => {
            if (err) reject(Object.assign(err, { message: `${cmd} ${args.join(" ")}: ${err.message}\n${stderr}` }));
            else resolve(String(stdout));
        });
    });
}
