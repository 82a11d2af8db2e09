// A bounded open-loop HTTP load generator for 127.0.0.1: requests are started at a fixed rate whatever
// the answers take (so a slow or failing backend shows up as latency and failures, not as fewer requests),
// alternating between a keep-alive agent (connections reused) and one new connection per request.
// Bounded: a hard stop after maxDurationMs, at most maxInFlight requests open, a timeout per request.
// Used by bench/rollout/run.ts and test/e2e/rollout.test.ts.
import * as http from "http";

export interface LoadOptions {
    /** e.g. http://127.0.0.1:8080/ */
    url: string;
    /** Host header. */
    host: string;
    /** Requests started per second (both modes together). Default 50. */
    ratePerSecond?: number;
    /** Share of requests sent over the keep-alive agent (the rest open a connection each). Default 0.5. */
    keepAliveShare?: number;
    /** Per-request timeout. Default 30 s. */
    timeoutMs?: number;
    /** Hard stop: no request starts later than this after start(). Default 2 minutes. */
    maxDurationMs?: number;
    /** No more than this many requests open at once; a request that would exceed it is recorded as "skipped". Default 500. */
    maxInFlight?: number;
}

export interface LoadSample {
    /** Scheduled start, ms since the epoch. */
    at: number;
    latencyMs: number;
    keepAlive: boolean;
    /** HTTP status, 0 for a network error, a timeout or a skipped request. */
    status: number;
    body: string;
    error?: string;
}

export interface LoadRun {
    /** Stops starting requests, waits for the open ones, returns every sample in start order. */
    stop(): Promise<LoadSample[]>;
    /** Samples completed so far. */
    readonly samples: LoadSample[];
}

export function startLoad(options: LoadOptions): LoadRun {
    const rate = options.ratePerSecond ?? 50;
    const share = options.keepAliveShare ?? 0.5;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxDurationMs = options.maxDurationMs ?? 120_000;
    const maxInFlight = options.maxInFlight ?? 500;
    if (!(rate > 0 && rate <= 1000)) throw new Error(`load: ratePerSecond must be in (0, 1000], got ${rate}`);
    const target = new URL(options.url);
    if (target.hostname !== "127.0.0.1") throw new Error(`load: only 127.0.0.1 is allowed as a target, got ${target.hostname}`);

    const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const samples: LoadSample[] = [];
    const open = new Set<Promise<void>>();
    const t0 = Date.now();
    const interval = 1000 / rate;
    let n = 0;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;

    const one = (at: number, keepAlive: boolean): Promise<void> =>
        new Promise<void>((resolve) => {
            const started = performance.now();
            let done = false;
            const finish = (status: number, body: string, error?: string) => {
                if (done) return;
                done = true;
                samples.push({ at, latencyMs: performance.now() - started, keepAlive, status, body, error });
                resolve();
            };
            const req = http.request(target, {
                method: "GET",
                agent: keepAlive ? keepAliveAgent : false,
                headers: { host: options.host, ...(keepAlive ? {} : { connection: "close" }) },
                timeout: timeoutMs,
            }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString()));
                res.on("error", (err) => finish(0, "", `response: ${err.message}`));
            });
            req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
            req.on("error", (err) => finish(0, "", err.message));
            req.end();
        });

    const tick = () => {
        if (stopped) return;
        const now = Date.now();
        // Start every request that is due (catching up if the event loop was late), then sleep until the next.
        while (!stopped && t0 + n * interval <= now) {
            if (now - t0 > maxDurationMs) {
                stopped = true;
                break;
            }
            const at = Math.round(t0 + n * interval);
            const keepAlive = Math.floor((n + 1) * share) > Math.floor(n * share); // spread evenly
            n++;
            if (open.size >= maxInFlight) {
                samples.push({ at, latencyMs: 0, keepAlive, status: 0, body: "", error: "skipped: too many requests in flight" });
                continue;
            }
            const p = one(at, keepAlive);
            open.add(p);
            void p.then(() => open.delete(p));
        }
        if (!stopped) timer = setTimeout(tick, Math.max(0, t0 + n * interval - Date.now()));
    };
    tick();

    return {
        samples,
        async stop() {
            stopped = true;
            if (timer) clearTimeout(timer);
            while (open.size) await Promise.all([...open]);
            keepAliveAgent.destroy();
            return [...samples].sort((a, b) => a.at - b.at);
        },
    };
}

/** The p-th percentile (0..100) of values, nearest-rank; NaN for none. */
export function percentile(values: number[], p: number): number {
    if (!values.length) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1];
}

export interface LoadSummary {
    requests: number;
    /** Responses other than 200, network errors, timeouts and skipped requests. */
    failed: number;
    keepAlive: { requests: number; failed: number };
    fresh: { requests: number; failed: number };
    p50: number;
    p90: number;
    p99: number;
    max: number;
    seconds: number;
    /** Requests per second actually started. */
    rate: number;
}

export function summarize(samples: LoadSample[], ok: (s: LoadSample) => boolean = (s) => s.status === 200): LoadSummary {
    const lat = samples.filter((s) => !s.error?.startsWith("skipped")).map((s) => s.latencyMs);
    const seconds = samples.length > 1 ? (samples[samples.length - 1].at - samples[0].at) / 1000 : 0;
    const part = (keepAlive: boolean) => {
        const list = samples.filter((s) => s.keepAlive === keepAlive);
        return { requests: list.length, failed: list.filter((s) => !ok(s)).length };
    };
    return {
        requests: samples.length,
        failed: samples.filter((s) => !ok(s)).length,
        keepAlive: part(true),
        fresh: part(false),
        p50: percentile(lat, 50),
        p90: percentile(lat, 90),
        p99: percentile(lat, 99),
        max: lat.length ? Math.max(...lat) : NaN,
        seconds,
        rate: seconds > 0 ? (samples.length - 1) / seconds : 0,
    };
}

/** A short description of what failed: counts per kind of failure, with the time since `t0`. */
export function describeFailures(samples: LoadSample[], t0: number, ok: (s: LoadSample) => boolean = (s) => s.status === 200, limit = 8): string {
    const bad = samples.filter((s) => !ok(s));
    if (!bad.length) return "none";
    const kinds = new Map<string, number>();
    for (const s of bad) {
        const k = s.error ? `error ${s.error}` : `${s.status} ${s.body.split("\n").find((l) => /<title>/.test(l))?.replace(/<\/?title>/g, "").trim() ?? s.body.trim().slice(0, 60)}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const first = bad.slice(0, limit).map((s) => `+${((s.at - t0) / 1000).toFixed(2)}s ${s.keepAlive ? "keep-alive" : "new-conn"} ${s.error ?? s.status}`);
    return `${bad.length} failed (${[...kinds].map(([k, v]) => `${v}× ${k}`).join("; ")}); first: ${first.join(", ")}`;
}
