import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { REDIS_AUTH_CONF_PATH, REDIS_CONF_PATH, REDIS_DATA_DIR, REDIS_MEMORY_CONF_PATH, REDIS_PING_SCRIPT, REDIS_START_SECONDS, REDIS_STOP_SECONDS, renderRedisAuthConf, renderRedisConf, renderRedisMemoryConf } from "../../render/redisConf";
import { CacheResult } from "../platform";
import { cacheSettings } from "./cacheSettings";
import { requireDockerHost } from "./engineApi";
import { containerHealthcheck } from "./healthcheck";
import { cacheDnsName, labels } from "./naming";
import { stackNetwork } from "./network";

/** The container's uploads, in this order: ignoreChanges names the memory file by its index. */
const MEMORY_UPLOAD = 1;

export function dockerCache(parent: pulumi.ComponentResource, m: CacheModel, password: pulumi.Output<string>): CacheResult {
    const what = `LeanCacheInstance "${m.name}"`;
    const dockerHost = requireDockerHost(what, parent);
    const network = stackNetwork();
    // The AOF lives on a volume, so data survives container replacement (a new image, a resize).
    const volume = new docker.Volume(`${m.name}-data`, { labels: labels("LeanCacheInstance", m.name) }, { parent });
    const host = cacheDnsName(m.slug);
    const memory = { maxmemoryBytes: m.maxmemoryBytes, evictionPolicy: m.evictionPolicy };
    const container = new docker.Container(m.name, {
        image: m.image,
        command: ["redis-server", REDIS_CONF_PATH],
        uploads: [
            { file: REDIS_CONF_PATH, content: renderRedisConf({ ...memory, memoryConfPath: REDIS_MEMORY_CONF_PATH }) },
            // The first memory settings; later ones are the settings resource's (below).
            { file: REDIS_MEMORY_CONF_PATH, content: renderRedisMemoryConf(memory) },
            { file: REDIS_AUTH_CONF_PATH, content: pulumi.secret(password.apply(renderRedisAuthConf)) },
        ],
        // redis-cli reads the password from REDISCLI_AUTH, so it never appears in a command line.
        envs: [pulumi.secret(pulumi.interpolate`REDISCLI_AUTH=${password}`)],
        healthcheck: containerHealthcheck({
            tests: ["CMD-SHELL", REDIS_PING_SCRIPT],
            intervalSeconds: 5,
            startIntervalSeconds: 1,
            startPeriodSeconds: REDIS_START_SECONDS,
            timeoutSeconds: 3,
            retries: 3,
        }),
        wait: true,
        waitTimeout: REDIS_START_SECONDS,
        // Every option the provider reads back after `pulumi refresh`, so a refreshed stack previews no change.
        mounts: [{ type: "volume", source: volume.name, target: REDIS_DATA_DIR, readOnly: false }],
        networksAdvanced: [{ name: network.name, aliases: [host] }],
        restart: "unless-stopped",
        destroyGraceSeconds: REDIS_STOP_SECONDS,
        labels: labels("LeanCacheInstance", m.name),
    }, {
        parent,
        deleteBeforeReplace: true, // one writer per AOF file at a time
        // A new capacity or policy is applied to the running server, not by a new container.
        ignoreChanges: [`uploads[${MEMORY_UPLOAD}].content`],
    });
    // Attached apps depend on the LeanCacheInstance, so on this too: they start once the settings apply.
    cacheSettings(`${m.name}-memory`, {
        host: dockerHost,
        what,
        // Through the password: one refused when it arrives fails this at once too (the container's id would
        // never arrive, since the container cannot register).
        container: pulumi.unsecret(password.apply(() => container.id)),
        capacity: m.capacity,
        ...memory,
    }, { parent });
    return { host: pulumi.output(host) };
}
