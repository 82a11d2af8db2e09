import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { CACHE_NODES } from "../../config/spec";
import { NODE_SCRIPT_PATH, renderNodeStartScript } from "../../render/redisHa";
import { REDIS_AUTH_CONF_PATH, REDIS_CONF_PATH, REDIS_DATA_DIR, REDIS_MEMORY_CONF_PATH, REDIS_PING_SCRIPT, REDIS_START_SECONDS, REDIS_STOP_SECONDS, renderRedisAuthConf, renderRedisConf, renderRedisMemoryConf } from "../../render/redisConf";
import { CacheResult } from "../platform";
import { cacheEndpoint, cacheLabels, cacheSentinels, cacheTopology, redisHealthcheck } from "./cacheHa";
import { cacheSettings } from "./cacheSettings";
import { requireDockerHost } from "./engineApi";
import { cacheDnsName, labels } from "./naming";
import { stackNetwork } from "./network";

// A LeanCache instance on Docker: one Redis node, or (highAvailability) two behind an endpoint with
// Sentinels (cacheHa.ts). Node 0 is the same container and volume in both forms, so an instance that
// becomes highly available keeps its data: node 0 restarts on its AOF as the master and node 1 copies it.

/** The container's uploads, in this order: ignoreChanges names the memory file by its index. */
const MEMORY_UPLOAD = 1;

export function dockerCache(parent: pulumi.ComponentResource, m: CacheModel, password: pulumi.Output<string>): CacheResult {
    const what = `LeanCacheInstance "${m.name}"`;
    const dockerHost = requireDockerHost(what, parent);
    const network = stackNetwork();
    const host = cacheDnsName(m.slug);
    const topology = m.highAvailability && cacheTopology(m.slug);
    const nodes = Array.from({ length: topology ? CACHE_NODES : 1 }, (_, index) => {
        const node = { parent, m, password, network, index };
        if (!topology) return redisNode(node, { aliases: [host], command: ["redis-server", REDIS_CONF_PATH] });
        return redisNode(node, {
            aliases: [topology.nodes[index]],
            announceHostname: topology.nodes[index],
            command: ["sh", NODE_SCRIPT_PATH],
            script: { file: NODE_SCRIPT_PATH, content: renderNodeStartScript(topology, index, REDIS_CONF_PATH) },
        });
    });
    if (topology && m.highAvailability) {
        cacheSentinels({ parent, m, password, network, topology, downAfterSeconds: m.highAvailability.downAfterSeconds });
        cacheEndpoint({ parent, m, password, network, topology, host, image: m.highAvailability.endpointImage });
    }
    // Attached apps depend on the LeanCacheInstance, so on this too: they start once the settings apply.
    cacheSettings(`${m.name}-memory`, {
        host: dockerHost,
        what,
        // Through the password: one refused when it arrives fails this at once too (the containers' ids would
        // never arrive, since the containers cannot register).
        containers: pulumi.unsecret(pulumi.all([password, ...nodes.map((n) => n.id)]).apply(([, ...ids]) => ids)),
        capacity: m.capacity,
        maxmemoryBytes: m.maxmemoryBytes,
        evictionPolicy: m.evictionPolicy,
    }, { parent });
    return { host: pulumi.output(host), network: network.name };
}

interface NodePlace {
    parent: pulumi.ComponentResource;
    m: CacheModel;
    password: pulumi.Output<string>;
    network: docker.Network;
    index: number;
}

interface NodeRole {
    aliases: string[];
    command: string[];
    announceHostname?: string;
    /** HA: the start script that picks master or replica. */
    script?: { file: string; content: string };
}

/** Redis node `index` on its own volume: the AOF survives container replacement (a new image, a new role). */
function redisNode({ parent, m, password, network, index }: NodePlace, role: NodeRole): docker.Container {
    // Node 0 keeps the names a one-node instance always had, so its data volume and container carry over.
    const name = index === 0 ? m.name : `${m.name}-${index}`;
    const volume = new docker.Volume(`${name}-data`, { labels: labels("LeanCacheInstance", m.name) }, { parent });
    const memory = { maxmemoryBytes: m.maxmemoryBytes, evictionPolicy: m.evictionPolicy };
    return new docker.Container(name, {
        image: m.image,
        command: role.command,
        uploads: [
            { file: REDIS_CONF_PATH, content: renderRedisConf({ ...memory, memoryConfPath: REDIS_MEMORY_CONF_PATH, announceHostname: role.announceHostname }) },
            // The first memory settings; later ones are the settings resource's (cacheSettings).
            { file: REDIS_MEMORY_CONF_PATH, content: renderRedisMemoryConf(memory) },
            { file: REDIS_AUTH_CONF_PATH, content: pulumi.secret(password.apply(renderRedisAuthConf)) },
            ...(role.script ? [role.script] : []),
        ],
        // redis-cli reads the password from REDISCLI_AUTH, so it never appears in a command line.
        envs: [pulumi.secret(pulumi.interpolate`REDISCLI_AUTH=${password}`)],
        healthcheck: redisHealthcheck(REDIS_PING_SCRIPT),
        wait: true,
        waitTimeout: REDIS_START_SECONDS,
        // Every option the provider reads back after `pulumi refresh`, so a refreshed stack previews no change.
        mounts: [{ type: "volume", source: volume.name, target: REDIS_DATA_DIR, readOnly: false }],
        networksAdvanced: [{ name: network.name, aliases: role.aliases }],
        restart: "unless-stopped",
        destroyGraceSeconds: REDIS_STOP_SECONDS,
        labels: labels("LeanCacheInstance", m.name, { ...cacheLabels(m), "cloudengine.cache-role": "node", "cloudengine.cache-node": String(index) }),
    }, {
        parent,
        deleteBeforeReplace: true, // one writer per AOF file at a time
        // A new capacity or policy is applied to the running server, not by a new container.
        ignoreChanges: [`uploads[${MEMORY_UPLOAD}].content`],
    });
}
