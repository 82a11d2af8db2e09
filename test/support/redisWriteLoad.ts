import Redis from "ioredis";

// A steady, bounded write load on a Redis endpoint, and what it saw: each write is one SET of a numbered
// key, sent every `intervalMs` whether or not the last one was answered (at most one in flight; a write
// that is not answered within `timeoutMs` counts as failed, never as acknowledged). The client retries its
// connection every 50 ms, so the load sees a new master as soon as the endpoint leads to it.

export interface WriteSample {
    key: string;
    sentAt: number;
    /** When the server acknowledged it (undefined: failed or timed out). */
    ackedAt?: number;
}

export interface WriteLoadOptions {
    host: string;
    port: number;
    password: string;
    prefix: string;
    intervalMs?: number;
    timeoutMs?: number;
}

export function redisClient(o: { host: string; port: number; password: string }, timeoutMs = 1_000): Redis {
    const client = new Redis({
        host: o.host,
        port: o.port,
        password: o.password,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
        retryStrategy: () => 50,
        // A demoted master answers writes with READONLY: reconnect, which the endpoint leads to the new one.
        reconnectOnError: (err) => err.message.startsWith("READONLY"),
    });
    client.on("error", () => undefined); // failures are counted per write
    return client;
}

/** A client for one-off commands: connected (and authenticated) before it is returned. */
export async function readyClient(o: { host: string; port: number; password: string }, timeoutMs = 30_000, commandTimeoutMs = 1_000): Promise<Redis> {
    const client = redisClient(o, commandTimeoutMs);
    if (client.status !== "ready") {
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no connection to ${o.host}:${o.port} within ${timeoutMs} ms`)), timeoutMs);
            client.once("ready", () => { clearTimeout(timer); resolve(); });
        }).catch((err) => { client.disconnect(); throw err; });
    }
    return client;
}

export class WriteLoad {
    readonly samples: WriteSample[] = [];
    private readonly client: Redis;
    private running = true;
    private readonly done: Promise<void>;

    constructor(private readonly o: WriteLoadOptions) {
        this.client = redisClient(o, o.timeoutMs ?? 1_000);
        this.done = this.loop();
    }

    private async loop(): Promise<void> {
        const interval = this.o.intervalMs ?? 20;
        for (let n = 0; this.running; n++) {
            const sample: WriteSample = { key: `${this.o.prefix}:${n}`, sentAt: Date.now() };
            this.samples.push(sample);
            try {
                if ((await this.client.set(sample.key, String(sample.sentAt))) === "OK") sample.ackedAt = Date.now();
            } catch {
                // not acknowledged
            }
            const wait = sample.sentAt + interval - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
    }

    /** Resolves once a write sent at or after `t` was acknowledged (its sample), or rejects after timeoutMs. */
    async ackedSince(t: number, timeoutMs: number): Promise<WriteSample> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const acked = this.samples.find((s) => s.sentAt >= t && s.ackedAt !== undefined);
            if (acked) return acked;
            if (Date.now() > deadline) throw new Error(`no write sent after the event was acknowledged within ${timeoutMs} ms`);
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    async stop(): Promise<WriteSample[]> {
        this.running = false;
        await this.done;
        this.client.disconnect();
        return this.samples;
    }
}

/** Acknowledged writes whose key is not there now (asked through `client`). */
export async function lostWrites(client: Redis, samples: WriteSample[]): Promise<WriteSample[]> {
    const acked = samples.filter((s) => s.ackedAt !== undefined);
    const lost: WriteSample[] = [];
    for (let i = 0; i < acked.length; i += 500) {
        const batch = acked.slice(i, i + 500);
        const values = await client.mget(...batch.map((s) => s.key));
        batch.forEach((s, j) => values[j] === null && lost.push(s));
    }
    return lost;
}

/**
 * Writes through a new connection each time (every `intervalMs`, one at a time): what a client that
 * connects now is led to, e.g. while an old master is back from a partition and not yet demoted.
 */
export class NewConnectionWrites {
    readonly samples: WriteSample[] = [];
    private running = true;
    private readonly done: Promise<void>;

    constructor(o: WriteLoadOptions) {
        this.done = (async () => {
            for (let n = 0; this.running; n++) {
                const sample: WriteSample = { key: `${o.prefix}:${n}`, sentAt: Date.now() };
                this.samples.push(sample);
                const client = await readyClient(o, o.timeoutMs ?? 1_000).catch(() => undefined);
                try {
                    if (client && (await client.set(sample.key, String(sample.sentAt))) === "OK") sample.ackedAt = Date.now();
                } catch {
                    // not acknowledged (READONLY from a demoted node, a timeout)
                } finally {
                    client?.disconnect();
                }
                await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
            }
        })();
    }

    async stop(): Promise<WriteSample[]> {
        this.running = false;
        await this.done;
        return this.samples;
    }
}
