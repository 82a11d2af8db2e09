// For an app's own code (Node.js with ioredis), not for Pulumi programs: a client of a LeanCache instance
// as the spec recommends one. Import it as "pulumi-cloudengine/redis"; ioredis is the app's dependency.
import Redis, { RedisOptions } from "ioredis";
import { CACHE_NAME, REDIS_URL_PREFIX } from "../config/spec";

/** Where a local run finds Redis: the spec's "the local Redis server's address will be used". */
export const LOCAL_REDIS_URL = "redis://127.0.0.1:6379";
/** Longest wait between reconnection attempts: a failover's new master is reached within it. */
export const MAX_RECONNECT_DELAY_MS = 1000;
/** Reconnection attempts a queued command waits through before it fails (about 20 s at the longest delay). */
export const QUEUED_COMMAND_ATTEMPTS = 20;

export interface LeanCacheOptions {
    /** Where REDIS_URL_<NAME> is read; default process.env. */
    env?: NodeJS.ProcessEnv;
    /** Receives the client's connection errors; default: console.error with the instance name. */
    onError?: (err: Error) => void;
    /** More ioredis options; they win over the ones set here. */
    redis?: RedisOptions;
}

/** The instance's URL: REDIS_URL_<NAME> as the platform injects it, or the local Redis when it is not set (a local run). */
export function leanCacheUrl(name: string, env: NodeJS.ProcessEnv = process.env): string {
    if (!CACHE_NAME.test(name)) throw new Error(`LeanCache instance name ${JSON.stringify(name)}: letters, digits and _ (1 to 64), as in REDIS_URL_<NAME>`);
    return env[`${REDIS_URL_PREFIX}${name}`] || LOCAL_REDIS_URL;
}

/**
 * A client of the LeanCache instance `name`. Connections drop (network, failover, resize): it reconnects
 * with a short backoff, queues commands meanwhile and sends them once connected, resends a write refused
 * by a demoted master ("READONLY") after reconnecting, and reports errors instead of leaving them unhandled.
 * The URL (it holds the password) is never logged.
 */
export function connectLeanCache(name: string, options: LeanCacheOptions = {}): Redis {
    const url = leanCacheUrl(name, options.env);
    const client = new Redis(url, {
        retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
        maxRetriesPerRequest: QUEUED_COMMAND_ATTEMPTS,
        enableOfflineQueue: true,
        // 2: reconnect, then resend the refused command (to whatever the endpoint now leads to: the new master).
        reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
        ...options.redis,
    });
    const onError = options.onError ?? ((err: Error) => console.error(`LeanCache ${name}: ${err.message}`));
    client.on("error", onError);
    return client;
}
