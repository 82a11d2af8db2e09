import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { REDIS_AUTH_CONF_PATH, REDIS_CONF_PATH, REDIS_DATA_DIR, REDIS_PING_SCRIPT, REDIS_START_SECONDS, REDIS_STOP_SECONDS, renderRedisAuthConf, renderRedisConf } from "../../render/redisConf";
import { CacheResult } from "../platform";
import { containerHealthcheck } from "./healthcheck";
import { cacheDnsName, labels } from "./naming";
import { stackNetwork } from "./network";

export function dockerCache(parent: pulumi.ComponentResource, m: CacheModel, password: pulumi.Output<string>): CacheResult {
    const network = stackNetwork();
    // The AOF lives on a volume, so data survives container replacement (a new image, a resize).
    const volume = new docker.Volume(`${m.name}-data`, { labels: labels("LeanCacheInstance", m.name) }, { parent });
    const host = cacheDnsName(m.slug);
    new docker.Container(m.name, {
        image: m.image,
        command: ["redis-server", REDIS_CONF_PATH],
        uploads: [
            { file: REDIS_CONF_PATH, content: renderRedisConf({ maxmemoryBytes: m.maxmemoryBytes, evictionPolicy: m.evictionPolicy }) },
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
    }, { parent, deleteBeforeReplace: true }); // one writer per AOF file at a time
    return { host: pulumi.output(host) };
}
