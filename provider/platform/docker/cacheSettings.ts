import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "../../components/ownResource";
import { REDIS_MEMORY_CONF_PATH, renderRedisMemoryConf } from "../../render/redisConf";
import { dockerCall, dockerExec } from "./engineCall";
import { tar } from "./tar";

// A LeanCache node's memory (maxmemory and its eviction policy), changed while Redis runs: the new values
// are written to the container's memory.conf (which its redis.conf includes, so a restart keeps them) and
// set with CONFIG SET; the server is not restarted (its run id stays). A capacity below the memory the
// data uses now is refused when the change is previewed, before anything changes. The container itself
// ignores later changes of that file (ignoreChanges), so a resize never replaces it. The provider closure
// must stay self-contained: Pulumi serializes it into state.

export interface CacheSettingsInputs {
    /** Docker host, as docker:host / DOCKER_HOST (unix:// or tcp://). */
    host: string;
    /** What the user calls the instance in messages, e.g. `LeanCacheInstance "cache"`. */
    what: string;
    /** The Redis nodes' container IDs (one, or master and replica in either order). */
    containers: string[];
    /** The capacity as the user gave it (for messages), e.g. "256M". */
    capacity: string;
    maxmemoryBytes: number;
    evictionPolicy: string;
}

/** Bytes the data uses now (INFO memory's used_memory); redis-cli reads the password from REDISCLI_AUTH. */
async function usedMemory(inputs: CacheSettingsInputs, container: string): Promise<number> {
    const result = await dockerExec(inputs.host, container, ["redis-cli", "INFO", "memory"]);
    const used = /^used_memory:(\d+)\r?$/m.exec(result.output);
    if (result.exitCode !== 0 || !used) throw new Error(`${inputs.what}: cannot read the memory in use from Redis (exit ${result.exitCode}): ${result.output.trim()}`);
    return Number(used[1]);
}

async function refuseBelowUsed(inputs: CacheSettingsInputs): Promise<void> {
    // A replica holds the same data as its master: the largest figure counts.
    let used = 0;
    for (const container of inputs.containers) used = Math.max(used, await usedMemory(inputs, container));
    if (inputs.maxmemoryBytes < used) {
        throw new Error(`${inputs.what}: invalid capacity: got ${inputs.capacity} (${inputs.maxmemoryBytes} bytes); the data uses ${used} bytes now, `
            + "so the capacity must be at least that. Nothing was changed: delete data first or choose a larger capacity.");
    }
}

async function applySettings(inputs: CacheSettingsInputs): Promise<void> {
    for (const container of inputs.containers) await applyTo(inputs, container);
}

/** A replica gets the settings too: they are in effect the moment it is promoted. */
async function applyTo(inputs: CacheSettingsInputs, container: string): Promise<void> {
    const file = { name: REDIS_MEMORY_CONF_PATH.slice(1), type: "file" as const, mode: 0o644, data: Buffer.from(renderRedisMemoryConf(inputs)) };
    const written = await dockerCall(inputs.host, "PUT", `/containers/${encodeURIComponent(container)}/archive?path=/`, tar([file]));
    if (written.status !== 200) throw new Error(`${inputs.what}: cannot write the memory settings into the Redis container ${container.slice(0, 12)}: ${written.status} ${written.body.toString().trim()}`);
    // One parameter per CONFIG SET (Redis 6); the policy first, so what a new maxmemory evicts follows it.
    for (const [parameter, value] of [["maxmemory-policy", inputs.evictionPolicy], ["maxmemory", String(inputs.maxmemoryBytes)]]) {
        const set = await dockerExec(inputs.host, container, ["redis-cli", "CONFIG", "SET", parameter, value]);
        if (set.exitCode !== 0 || set.output.trim() !== "OK") throw new Error(`${inputs.what}: Redis refused ${parameter} ${value} (exit ${set.exitCode}): ${set.output.trim()}`);
    }
}

function sameContainers(a: CacheSettingsInputs, b: CacheSettingsInputs): boolean {
    const [x, y] = [a.containers ?? [], b.containers ?? []]; // state written before HA had one `container`
    return x.length === y.length && x.every((c, i) => c === y[i]);
}

function sameSettings(a: CacheSettingsInputs, b: CacheSettingsInputs): boolean {
    return a.host === b.host && sameContainers(a, b) && a.maxmemoryBytes === b.maxmemoryBytes && a.evictionPolicy === b.evictionPolicy;
}

export const cacheSettingsProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CacheSettingsInputs) {
        await applySettings(inputs);
        return { id: `${inputs.containers[0].slice(0, 12)}/memory`, outs: inputs };
    },
    // Runs in previews too: a shrink below the data in use fails there, before any step.
    async diff(_id: string, olds: CacheSettingsInputs, news: CacheSettingsInputs) {
        if (sameContainers(news, olds) && news.maxmemoryBytes < olds.maxmemoryBytes) await refuseBelowUsed(news);
        return { changes: !sameSettings(olds, news) || olds.what !== news.what || olds.capacity !== news.capacity };
    },
    async update(_id: string, olds: CacheSettingsInputs, news: CacheSettingsInputs) {
        if (!sameSettings(olds, news)) {
            // diff checked a shrink on the same container; a new container's data is only known now.
            if (!sameContainers(news, olds) && news.maxmemoryBytes < olds.maxmemoryBytes) await refuseBelowUsed(news);
            await applySettings(news);
        }
        return { outs: news };
    },
};

/** The memory settings of the Redis nodes' containers, applied once they run. */
export function cacheSettings(name: string, args: { [K in keyof CacheSettingsInputs]: pulumi.Input<CacheSettingsInputs[K]> }, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return ownResource("CacheSettings", cacheSettingsProvider, name, args, opts);
}
