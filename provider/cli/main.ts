#!/usr/bin/env node
// `cloudengine`: the package's command for developers, like the LeanCloud CLI's `lean db` commands.
//
//   cloudengine cache proxy <NAME> [--port N] [--project P] [--stack S]
//       publishes the LeanCache instance on 127.0.0.1:N (default: a free port) and prints its
//       redis://default:…@127.0.0.1:N URL; Ctrl-C ends it
//   cloudengine cache shell <NAME> [--project P] [--stack S] [-- redis-cli arguments]
//       redis-cli connected to the instance (its master)
//
// NAME is REDIS_URL_<NAME>'s NAME or the LeanCacheInstance's resource name. Docker platform: the Docker
// host is DOCKER_HOST (default the local socket); shell uses the docker CLI.
import { spawnSync } from "child_process";
import { dockerHostFromEnv, findCache, shellCommand, startRelay } from "./dockerCache";

const USAGE = `usage: cloudengine cache proxy <NAME> [--port N] [--project P] [--stack S]
       cloudengine cache shell <NAME> [--project P] [--stack S] [-- redis-cli arguments]`;

class UsageError extends Error {}

interface Parsed {
    command: "proxy" | "shell";
    name: string;
    port: number;
    project?: string;
    stack?: string;
    rest: string[];
}

export function parseArgs(argv: string[]): Parsed {
    const [group, command, name, ...more] = argv;
    if (group !== "cache" || (command !== "proxy" && command !== "shell") || !name || name.startsWith("-")) throw new UsageError(USAGE);
    const parsed: Parsed = { command, name, port: 0, rest: [] };
    for (let i = 0; i < more.length; i++) {
        const flag = more[i];
        if (flag === "--") { parsed.rest = more.slice(i + 1); break; }
        const value = more[i + 1];
        if (value === undefined || !["--port", "--project", "--stack"].includes(flag)) throw new UsageError(`unknown argument ${flag}\n${USAGE}`);
        i++;
        if (flag === "--port") {
            parsed.port = Number(value);
            if (command !== "proxy" || !Number.isInteger(parsed.port) || parsed.port < 1 || parsed.port > 65535) throw new UsageError(`--port: a port from 1 to 65535 (proxy only); got ${value}`);
        } else if (flag === "--project") parsed.project = value;
        else parsed.stack = value;
    }
    if (parsed.rest.length && command !== "shell") throw new UsageError(`arguments after -- are for shell\n${USAGE}`);
    return parsed;
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv);
    const host = dockerHostFromEnv();
    const cache = await findCache(host, args);
    if (args.command === "shell") {
        const ran = spawnSync("docker", shellCommand(cache, process.stdin.isTTY === true, args.rest), { stdio: "inherit" });
        if (ran.error) throw new Error(`cloudengine cache shell runs the docker CLI: ${ran.error.message}`);
        return ran.status ?? 1;
    }
    const relay = await startRelay(host, cache, args.port);
    console.log(relay.url);
    console.error(`LeanCache ${args.name} (${cache.project}/${cache.stack}) on 127.0.0.1:${relay.port}; Ctrl-C ends the proxy`);
    await new Promise<void>((resolve) => {
        // Signal listeners do not keep Node running; this does, until one arrives.
        const alive = setInterval(() => undefined, 60_000);
        const end = () => { clearInterval(alive); resolve(); };
        process.once("SIGINT", end);
        process.once("SIGTERM", end);
    });
    await relay.stop();
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        console.error(err instanceof UsageError ? err.message : `cloudengine: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(err instanceof UsageError ? 2 : 1);
    });
}
