import { DEFAULT_HAPROXY_IMAGE } from "../config/models";
import { REDIS_PORT } from "../config/spec";
import { dockerCall } from "../platform/docker/engineCall";
import { CacheQuery, queryText } from "./cacheQuery";

// A LeanCache instance on a Docker host, from a developer's machine (like `lean db proxy` and
// `lean db shell`): found by the labels the package puts on its containers, reached through a relay
// container on the instance's network that publishes the Redis port on the Docker host's 127.0.0.1 (so it
// works wherever the Docker host is, with no route to container addresses), or through redis-cli inside
// a node's container.


export interface FoundCache {
    project: string;
    stack: string;
    /** The name clients use on the stack network (the endpoint's, or the one node's). */
    host: string;
    network: string;
    password: string;
    /** A running node container, for redis-cli. */
    node: string;
    /** An HAProxy image the host has (the endpoint's), for the relay. */
    relayImage: string;
}

interface ContainerSummary {
    Id: string;
    Labels: Record<string, string>;
    Image: string;
}

export function dockerHostFromEnv(): string {
    return process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

async function json<T>(host: string, method: string, path: string, body?: object): Promise<T> {
    const answer = await dockerCall(host, method, path, body);
    if (answer.status >= 300) throw new Error(`Docker engine: ${method} ${path.split("?")[0]}: ${answer.status} ${answer.body.toString().trim()}`);
    return (answer.body.length ? JSON.parse(answer.body.toString()) : undefined) as T;
}

/** The one instance the query names, or an error that says which exist. */
export async function findCache(host: string, q: CacheQuery): Promise<FoundCache> {
    const filters = encodeURIComponent(JSON.stringify({ label: ["cloudengine.component=LeanCacheInstance"], status: ["running"] }));
    const containers = await json<ContainerSummary[]>(host, "GET", `/containers/json?filters=${filters}`);
    const all = containers.filter((c) => c.Labels["cloudengine.cache-role"]);
    const named = all.filter((c) => c.Labels["cloudengine.cache-name"] === q.name || c.Labels["cloudengine.name"] === q.name)
        .filter((c) => (q.project === undefined || c.Labels["cloudengine.project"] === q.project) && (q.stack === undefined || c.Labels["cloudengine.stack"] === q.stack));
    const where = (c: ContainerSummary) => `${c.Labels["cloudengine.project"]}/${c.Labels["cloudengine.stack"]}`;
    const places = [...new Set(named.map(where))];
    if (places.length !== 1) {
        const known = [...new Set(all.map((c) => `${c.Labels["cloudengine.cache-name"] ?? c.Labels["cloudengine.name"]} (${where(c)})`))].sort();
        const wanted = queryText(q);
        throw new Error(places.length === 0
            ? `no running LeanCache instance ${wanted} on this Docker host; running: ${known.join(", ") || "none"}`
            : `${places.length} running LeanCache instances are named ${q.name} (${places.join(", ")}): give --project and --stack`);
    }
    const [project, stack] = places[0].split("/");
    const endpoint = named.find((c) => c.Labels["cloudengine.cache-role"] === "endpoint");
    const nodes = named.filter((c) => c.Labels["cloudengine.cache-role"] === "node");
    if (!nodes.length) throw new Error(`LeanCache instance ${q.name} (${places[0]}): no node is running`);
    const nodeInfo = await json<any>(host, "GET", `/containers/${nodes[0].Id}/json`);
    const [network, settings] = Object.entries<any>(nodeInfo.NetworkSettings.Networks ?? {})[0] ?? [];
    const addressed = endpoint ? await json<any>(host, "GET", `/containers/${endpoint.Id}/json`) : nodeInfo;
    const alias = (Object.values<any>(addressed.NetworkSettings.Networks ?? {})[0]?.Aliases ?? []).find((a: string) => a.includes("."));
    const password = (nodeInfo.Config.Env as string[]).find((e) => e.startsWith("REDISCLI_AUTH="))?.slice("REDISCLI_AUTH=".length);
    if (!network || !settings || !alias || !password) throw new Error(`LeanCache instance ${q.name} (${places[0]}): its containers are not as the package makes them`);
    return { project, stack, host: alias, network, password, node: nodes[0].Id, relayImage: endpoint?.Image ?? DEFAULT_HAPROXY_IMAGE };
}

export interface Relay {
    port: number;
    url: string;
    stop(): Promise<void>;
}

/** A relay container publishing the instance on the Docker host's 127.0.0.1:`port` (0: any free port). */
export async function startRelay(host: string, cache: FoundCache, port: number): Promise<Relay> {
    const conf = [
        "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 24h", "  timeout server 24h",
        "listen cache", `  bind :${REDIS_PORT}`, `  server instance ${cache.host}:${REDIS_PORT}`,
    ].join("\n");
    const created = await json<{ Id: string }>(host, "POST", "/containers/create", {
        Image: cache.relayImage,
        // The config through a variable: nothing to upload, nothing left behind.
        Env: [`RELAY_CONF=${conf}`],
        Entrypoint: ["sh", "-c", 'printf "%s\\n" "$RELAY_CONF" > /tmp/relay.cfg && exec haproxy -db -f /tmp/relay.cfg'],
        Cmd: [],
        Labels: { "cloudengine.project": cache.project, "cloudengine.stack": cache.stack, "cloudengine.cache-relay": "true" },
        ExposedPorts: { [`${REDIS_PORT}/tcp`]: {} },
        HostConfig: {
            AutoRemove: true,
            NetworkMode: cache.network,
            PortBindings: { [`${REDIS_PORT}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: port ? String(port) : "" }] },
        },
    });
    const stop = async () => {
        await dockerCall(host, "POST", `/containers/${created.Id}/stop?t=1`).catch(() => undefined);
        await dockerCall(host, "DELETE", `/containers/${created.Id}?force=true`).catch(() => undefined);
    };
    try {
        await json(host, "POST", `/containers/${created.Id}/start`);
        const info = await json<any>(host, "GET", `/containers/${created.Id}/json`);
        const published = Number(info.NetworkSettings.Ports?.[`${REDIS_PORT}/tcp`]?.[0]?.HostPort);
        if (!published) throw new Error("the relay container published no port");
        return { port: published, url: `redis://default:${cache.password}@127.0.0.1:${published}`, stop };
    } catch (err) {
        await stop();
        throw err;
    }
}

/** redis-cli inside a node's container, connected to the instance's name (the endpoint: the master). */
export function shellCommand(cache: FoundCache, interactive: boolean, args: string[]): string[] {
    return ["exec", interactive ? "-it" : "-i", cache.node, "redis-cli", "-h", cache.host, "-p", String(REDIS_PORT), ...args];
}
