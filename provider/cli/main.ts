#!/usr/bin/env node
// `cloudengine`: the package's command for developers, like the LeanCloud CLI's `lean db` commands.
//
//   cloudengine cache proxy <NAME> [--port N] [--project P] [--stack S] [--platform docker|kubernetes]
//       publishes the LeanCache instance on 127.0.0.1:N (default: a free port) and prints its
//       redis://default:…@127.0.0.1:N URL; Ctrl-C ends it
//   cloudengine cache shell <NAME> [--project P] [--stack S] [--platform …] [-- redis-cli arguments]
//       redis-cli connected to the instance (its master)
//
// NAME is REDIS_URL_<NAME>'s NAME or the LeanCacheInstance's resource name. Docker platform (the
// default): the Docker host is DOCKER_HOST (default the local socket); shell uses the docker CLI.
// Kubernetes platform (--platform kubernetes, implied by --namespace or --context): kubectl, with its
// kubeconfig (KUBECONFIG) and the given context and namespace (default: default).
import { spawnSync } from "child_process";
import { dockerHostFromEnv, findCache, shellCommand, startRelay } from "./dockerCache";
import { findKubeCache, KubeTarget, kubeShellCommand, startPortForward } from "./kubernetesCache";

const USAGE = `usage: cloudengine cache proxy <NAME> [--port N] [--project P] [--stack S] [--platform docker|kubernetes] [--namespace NS] [--context C]
       cloudengine cache shell <NAME> [--project P] [--stack S] [--platform docker|kubernetes] [--namespace NS] [--context C] [-- redis-cli arguments]`;

class UsageError extends Error {}

interface Parsed {
    command: "proxy" | "shell";
    name: string;
    port: number;
    project?: string;
    stack?: string;
    /** Set for the Kubernetes platform. */
    kubernetes?: KubeTarget;
    rest: string[];
}

const FLAGS = ["--port", "--project", "--stack", "--platform", "--namespace", "--context"];

export function parseArgs(argv: string[]): Parsed {
    const [group, command, name, ...more] = argv;
    if (group !== "cache" || (command !== "proxy" && command !== "shell") || !name || name.startsWith("-")) throw new UsageError(USAGE);
    const parsed: Parsed = { command, name, port: 0, rest: [] };
    let platform: string | undefined;
    const kube: Partial<KubeTarget> = {};
    for (let i = 0; i < more.length; i++) {
        const flag = more[i];
        if (flag === "--") { parsed.rest = more.slice(i + 1); break; }
        const value = more[i + 1];
        if (value === undefined || !FLAGS.includes(flag)) throw new UsageError(`unknown argument ${flag}\n${USAGE}`);
        i++;
        if (flag === "--port") {
            parsed.port = Number(value);
            if (command !== "proxy" || !Number.isInteger(parsed.port) || parsed.port < 1 || parsed.port > 65535) throw new UsageError(`--port: a port from 1 to 65535 (proxy only); got ${value}`);
        } else if (flag === "--project") parsed.project = value;
        else if (flag === "--stack") parsed.stack = value;
        else if (flag === "--platform") {
            if (value !== "docker" && value !== "kubernetes") throw new UsageError(`--platform: docker or kubernetes; got ${value}`);
            platform = value;
        } else if (flag === "--namespace") kube.namespace = value;
        else kube.context = value;
    }
    if (parsed.rest.length && command !== "shell") throw new UsageError(`arguments after -- are for shell\n${USAGE}`);
    const kubeFlags = kube.namespace !== undefined || kube.context !== undefined;
    if (platform === "docker" && kubeFlags) throw new UsageError(`--namespace and --context are for --platform kubernetes\n${USAGE}`);
    if (platform === "kubernetes" || kubeFlags) parsed.kubernetes = { namespace: kube.namespace ?? "default", ...(kube.context ? { context: kube.context } : {}) };
    return parsed;
}

/** Runs until SIGINT/SIGTERM (then true) or until `ended` settles (then false). */
function untilInterrupted(ended?: Promise<unknown>): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
        // Signal listeners do not keep Node running; this does, until one arrives.
        const alive = setInterval(() => undefined, 60_000);
        const end = (interrupted: boolean) => { clearInterval(alive); resolve(interrupted); };
        process.once("SIGINT", () => end(true));
        process.once("SIGTERM", () => end(true));
        ended?.then(() => end(false));
    });
}

function runShell(tool: "docker" | "kubectl", args: string[]): number {
    const ran = spawnSync(tool, args, { stdio: "inherit" });
    if (ran.error) throw new Error(`cloudengine cache shell runs the ${tool} CLI: ${ran.error.message}`);
    return ran.status ?? 1;
}

async function onKubernetes(args: Parsed, target: KubeTarget): Promise<number> {
    const cache = findKubeCache(target, args);
    if (args.command === "shell") return runShell("kubectl", kubeShellCommand(target, cache, process.stdin.isTTY === true, args.rest));
    const forward = await startPortForward(target, cache, args.port);
    console.log(forward.url);
    console.error(`LeanCache ${args.name} (${cache.project}/${cache.stack}, namespace ${cache.namespace}) on 127.0.0.1:${forward.port}; Ctrl-C ends the proxy`);
    const interrupted = await untilInterrupted(forward.ended);
    await forward.stop();
    if (!interrupted) throw new Error("kubectl port-forward ended (the pod it forwarded to may have been replaced): run the command again");
    return 0;
}

async function onDocker(args: Parsed): Promise<number> {
    const host = dockerHostFromEnv();
    const cache = await findCache(host, args);
    if (args.command === "shell") return runShell("docker", shellCommand(cache, process.stdin.isTTY === true, args.rest));
    const relay = await startRelay(host, cache, args.port);
    console.log(relay.url);
    console.error(`LeanCache ${args.name} (${cache.project}/${cache.stack}) on 127.0.0.1:${relay.port}; Ctrl-C ends the proxy`);
    await untilInterrupted();
    await relay.stop();
    return 0;
}

async function main(argv: string[]): Promise<number> {
    const args = parseArgs(argv);
    return args.kubernetes ? onKubernetes(args, args.kubernetes) : onDocker(args);
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        console.error(err instanceof UsageError ? err.message : `cloudengine: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(err instanceof UsageError ? 2 : 1);
    });
}
