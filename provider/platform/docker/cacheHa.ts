import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { CACHE_NODES, SENTINELS } from "../../config/spec";
import { HAPROXY_COMMAND, HAPROXY_CONF_PATH, HAPROXY_HEALTH_TEST, renderHaproxyConf } from "../../render/haproxyConf";
import { CacheTopology, renderSentinelStartScript, SENTINEL_PING_SCRIPT, SENTINEL_SCRIPT_PATH, sentinelId } from "../../render/redisHa";
import { REDIS_DATA_DIR, REDIS_START_SECONDS } from "../../render/redisConf";
import { containerHealthcheck } from "./healthcheck";
import { cacheDnsName, labels, stackPrefix } from "./naming";
import { tmpfsMount } from "./tmpfsMount";

// The parts of a highly available LeanCache instance on Docker besides its two nodes (cache.ts): three
// Sentinels and the endpoint that holds the instance's name, so REDIS_URL_<NAME> never changes. Docker
// restarts a process that dies (restart policy); a container stopped or removed by hand stays away until
// the next `pulumi up` creates it again, and it then rejoins as a replica (its start script asks).

const SENTINEL_TMPFS_BYTES = 1024 * 1024;

/** Host names on the stack network: below the instance's own name, so no other instance's name can equal them. */
export function cacheTopology(slug: string): CacheTopology {
    const below = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}.${cacheDnsName(slug)}`);
    return { nodes: below("node", CACHE_NODES), sentinels: below("sentinel", SENTINELS) };
}

/** On every container of an instance: its REDIS_URL_<NAME> suffix, by which `cloudengine cache` finds it. */
export function cacheLabels(m: CacheModel): Record<string, string> {
    return { "cloudengine.cache-name": m.envName };
}

/** The health check of a Redis node or Sentinel (`pingScript`: redis-cli, which reads REDISCLI_AUTH). */
export function redisHealthcheck(pingScript: string) {
    return containerHealthcheck({
        tests: ["CMD-SHELL", pingScript],
        intervalSeconds: 5,
        startIntervalSeconds: 1,
        startPeriodSeconds: REDIS_START_SECONDS,
        timeoutSeconds: 3,
        retries: 3,
    });
}

interface HaPlace {
    parent: pulumi.ComponentResource;
    m: CacheModel;
    password: pulumi.Output<string>;
    network: docker.Network;
    topology: CacheTopology;
}

export function cacheSentinels({ parent, m, password, network, topology, downAfterSeconds }: HaPlace & { downAfterSeconds: number }): docker.Container[] {
    return topology.sentinels.map((alias, index) => {
        const script = renderSentinelStartScript(topology, index, sentinelId(`${stackPrefix()}/${m.slug}/${index}`), { downAfterMs: downAfterSeconds * 1000 });
        return new docker.Container(`${m.name}-sentinel-${index}`, {
            image: m.image,
            command: ["sh", SENTINEL_SCRIPT_PATH],
            uploads: [{ file: SENTINEL_SCRIPT_PATH, content: script }],
            envs: [pulumi.secret(pulumi.interpolate`REDISCLI_AUTH=${password}`)],
            healthcheck: redisHealthcheck(SENTINEL_PING_SCRIPT),
            wait: true,
            waitTimeout: REDIS_START_SECONDS,
            // The image declares VOLUME /data, which a Sentinel does not use: a small tmpfs there instead of an
            // anonymous volume per container.
            mounts: [tmpfsMount(REDIS_DATA_DIR, SENTINEL_TMPFS_BYTES)],
            networksAdvanced: [{ name: network.name, aliases: [alias] }],
            restart: "unless-stopped",
            labels: labels("LeanCacheInstance", m.name, { ...cacheLabels(m), "cloudengine.cache-role": "sentinel" }),
        }, { parent });
    });
}

export function cacheEndpoint({ parent, m, password, network, topology, host, image }: HaPlace & { host: string; image: string }): docker.Container {
    return new docker.Container(`${m.name}-endpoint`, {
        image,
        command: HAPROXY_COMMAND,
        uploads: [{ file: HAPROXY_CONF_PATH, content: pulumi.secret(password.apply((p) => renderHaproxyConf(topology.nodes, p))) }],
        healthcheck: containerHealthcheck({
            tests: HAPROXY_HEALTH_TEST,
            intervalSeconds: 5, // engines before API 1.44 probe at this interval in the start period too
            startIntervalSeconds: 1,
            startPeriodSeconds: 10,
            timeoutSeconds: 5,
            retries: 3,
        }),
        wait: true,
        waitTimeout: 30,
        networksAdvanced: [{ name: network.name, aliases: [host] }],
        restart: "unless-stopped",
        labels: labels("LeanCacheInstance", m.name, { ...cacheLabels(m), "cloudengine.cache-role": "endpoint" }),
    }, { parent });
}
