import * as http from "http";
import * as pulumi from "@pulumi/pulumi";

// The Docker engine's API version decides one health-check field: engines older than 25 (API 1.44)
// refuse a start interval ("specify health-check start interval" requires API version 1.44), and
// Debian bookworm's and Ubuntu 22.04's packaged engines are older. The program asks the engine the
// Docker provider talks to (docker:host, else DOCKER_HOST, else the local socket); where it cannot
// ask (ssh:// or TLS hosts, an engine that does not answer), it leaves the field out, which every
// engine accepts. CLOUDENGINE_DOCKER_API_VERSION states the version instead of asking.

export const START_INTERVAL_MIN_API = "1.44";
const ASK_TIMEOUT_MS = 3000;

let asked: Promise<string | undefined> | undefined;

/** Whether the engine accepts a health-check start interval; false when that is not known. */
export function startIntervalSupported(): pulumi.Output<boolean> {
    return pulumi.output(engineApiVersion().then((v) => v !== undefined && apiAtLeast(v, START_INTERVAL_MIN_API)));
}

export function engineApiVersion(): Promise<string | undefined> {
    const stated = process.env.CLOUDENGINE_DOCKER_API_VERSION;
    if (stated) return Promise.resolve(stated);
    asked ??= askEngine(dockerHost());
    return asked;
}

/** The endpoint the default Docker provider uses. */
export function dockerHost(): string {
    return new pulumi.Config("docker").get("host") || process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
}

export function apiAtLeast(version: string, min: string): boolean {
    const [a1, a2] = version.split(".").map(Number);
    const [b1, b2] = min.split(".").map(Number);
    return a1 > b1 || (a1 === b1 && a2 >= b2);
}

function askEngine(host: string): Promise<string | undefined> {
    const target = requestTarget(host);
    if (!target) return Promise.resolve(undefined);
    return new Promise((resolve) => {
        const req = http.get({ ...target, path: "/version", timeout: ASK_TIMEOUT_MS }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (body += chunk));
            res.on("end", () => {
                try {
                    const version = JSON.parse(body).ApiVersion;
                    resolve(typeof version === "string" && /^\d+\.\d+$/.test(version) ? version : undefined);
                } catch {
                    resolve(undefined);
                }
            });
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(undefined));
    });
}

/** The Docker host when the program can talk to it itself (unix:// or plain tcp://), else undefined. */
export function reachableDockerHost(): string | undefined {
    const host = dockerHost();
    return requestTarget(host) ? host : undefined;
}

/**
 * The Docker host for the package's own resources (releases, gateway sites), which talk to the engine's API
 * themselves; a host they cannot reach is an error before anything is deployed.
 */
export function requireDockerHost(what: string, parent: pulumi.Resource): string {
    const host = reachableDockerHost();
    if (host === undefined) {
        throw new pulumi.ResourceError(
            `${what}: the Docker platform releases instances, loads sites into the gateway and applies cache settings through the Docker engine's API, ` +
            `which the program reaches only over unix:// or plain tcp:// (docker:host or DOCKER_HOST is ${dockerHost()}). For an ssh:// host, forward its socket ` +
            `(ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock user@host) and set DOCKER_HOST=unix:///tmp/docker.sock.`,
            parent,
            true,
        );
    }
    return host;
}

/** unix:// and plain tcp:// hosts can be asked; TLS (DOCKER_TLS_VERIFY) and ssh:// hosts are not. */
function requestTarget(host: string): http.RequestOptions | undefined {
    if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
    if (host.startsWith("tcp://") && !process.env.DOCKER_TLS_VERIFY) {
        const url = new URL(`http://${host.slice("tcp://".length)}`);
        return { host: url.hostname, port: Number(url.port || 2375) };
    }
    return undefined;
}
