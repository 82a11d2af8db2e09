// Small helpers for e2e tests: the repository root, free loopback ports, HTTP with a Host header,
// polling, and making sure the local Docker engine and base images are there.
import { demuxStream } from "../../../provider/platform/docker/engineCall";
import { execFile } from "child_process";
import Docker from "dockerode";
import * as fs from "fs";
import * as http from "http";
import { freePorts } from "../../support/ports";
import * as path from "path";

/** The repository root (works from test/e2e/harness and from bin/test/e2e/harness). */
export function repoRoot(): string {
    let dir = __dirname;
    for (;;) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "pulumi-cloudengine") return dir;
        const up = path.dirname(dir);
        if (up === dir) throw new Error(`harness: no pulumi-cloudengine package.json above ${__dirname}`);
        dir = up;
    }
}

export { freePort } from "../../support/ports";

/** The two distinct free ports a test gateway publishes HTTP and HTTPS on. */
export async function gatewayPorts(): Promise<{ httpPort: number; httpsPort: number }> {
    const [httpPort, httpsPort] = await freePorts(2);
    return { httpPort, httpsPort };
}

export interface HttpResponse {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

/** GET (or another method) with an explicit Host header; rejects on network errors and after timeoutMs. */
export function httpRequest(url: string, options: { host?: string; method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, {
            method: options.method ?? "GET",
            headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
            timeout: options.timeoutMs ?? 10_000,
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 10_000}ms: ${url}`)));
        req.on("error", reject);
        req.end();
    });
}

export { eventually } from "../../support/eventually";

/** The images the package uses by default; scripts/base-images.sh builds them locally. */
export const BASE_IMAGES = ["debian:bookworm-slim", "golang:1.26-bookworm", "golang:1.22-bookworm", "nginx:1.28-bookworm", "redis:6.2-bookworm", "haproxy:2.6-bookworm"];
/**
 * Base images whose checked version scripts/base-images.sh records in this label; one
 * without it is an earlier stand-in (Debian's nginx 1.22 / Redis 7.0 under these tags) and is rebuilt.
 */
export const VERSIONED_BASE_IMAGES = ["nginx:1.28-bookworm", "redis:6.2-bookworm", "haproxy:2.6-bookworm"];
export const BASE_IMAGE_VERSION_LABEL = "cloudengine.test-image.version";

/**
 * Makes sure a Docker engine answers (runs scripts/docker-up.sh if not) and the base images exist and hold
 * the versions their tags name (runs scripts/base-images.sh if not: minutes the first time). Never pulls.
 */
export async function ensureEngine(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Docker> {
    const docker = new Docker();
    const root = repoRoot();
    try {
        await docker.ping();
    } catch {
        log("harness: no Docker engine answers; running scripts/docker-up.sh");
        await run("bash", [path.join(root, "scripts/docker-up.sh")], 180_000);
        await docker.ping();
    }
    const missing: string[] = [];
    for (const image of BASE_IMAGES) {
        try {
            const info = await docker.getImage(image).inspect();
            if (VERSIONED_BASE_IMAGES.includes(image) && !info.Config?.Labels?.[BASE_IMAGE_VERSION_LABEL]) missing.push(`${image} (unchecked version)`);
        } catch {
            missing.push(image);
        }
    }
    if (missing.length) {
        log(`harness: missing base images ${missing.join(", ")}; running scripts/base-images.sh`);
        await run("bash", [path.join(root, "scripts/base-images.sh")], 30 * 60_000);
    }
    return docker;
}

function run(command: string, args: string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => {
            if (err) reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${String(stderr).split("\n").slice(-30).join("\n")}`));
            else resolve();
        });
    });
}

/** docker exec (as the container's user unless `user` is given); stdout and stderr together, and the exit code. */
export async function dockerExec(container: Docker.Container, cmd: string[], user?: string): Promise<{ exitCode: number; output: string }> {
    const e = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
    const stream = await e.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", resolve);
        stream.on("error", reject);
    });
    const info = await e.inspect();
    return { exitCode: info.ExitCode ?? -1, output: demuxStream(Buffer.concat(chunks)) };
}
