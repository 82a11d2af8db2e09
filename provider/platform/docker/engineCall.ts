// Calls to the Docker engine's API from the package's own resources (releases, gateway sites), over the
// same endpoint the Docker provider uses (unix:// or plain tcp://). Used inside serialized dynamic
// providers: only Node's own modules, required where they are used.

export interface DockerAnswer {
    status: number;
    body: Buffer;
}

/** One API call; `body`: JSON (an object) or a tar archive (a Buffer). */
export async function dockerCall(host: string, method: string, path: string, body?: object | Buffer): Promise<DockerAnswer> {
    const http = require("http");
    const target: Record<string, unknown> = {};
    if (host.startsWith("unix://")) target.socketPath = host.slice("unix://".length);
    else if (host.startsWith("tcp://")) {
        const url = new URL(`http://${host.slice("tcp://".length)}`);
        target.host = url.hostname;
        target.port = Number(url.port || 2375);
    } else throw new Error(`cannot reach the Docker engine at ${host}: only unix:// and tcp:// hosts are supported`);
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const headers = payload === undefined ? {} : { "Content-Type": Buffer.isBuffer(body) ? "application/x-tar" : "application/json", "Content-Length": payload.length };
    return new Promise((resolve, reject) => {
        const req = http.request({ ...target, method, path, headers }, (res: any) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
            res.on("error", reject);
        });
        req.on("error", (err: Error) => reject(new Error(`cannot reach the Docker engine at ${host}: ${err.message}`)));
        req.end(payload);
    });
}

/** The text of a multiplexed stream (logs, exec output without a TTY): 8-byte frame headers (stream, 0, 0, 0, length). */
export function demuxStream(body: Buffer): string {
    const parts: Buffer[] = [];
    for (let at = 0; at + 8 <= body.length;) {
        const size = body.readUInt32BE(at + 4);
        parts.push(body.subarray(at + 8, at + 8 + size));
        at += 8 + size;
    }
    // Decoded once: a character split across two frames stays whole.
    return Buffer.concat(parts).toString("utf8");
}

/** Runs a command in a running container as root and waits for it: its exit code and output (stdout and stderr). */
export async function dockerExec(host: string, container: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
    const created = await dockerCall(host, "POST", `/containers/${encodeURIComponent(container)}/exec`, { AttachStdout: true, AttachStderr: true, Tty: false, User: "root", Cmd: cmd });
    if (created.status !== 201) throw new Error(`Docker engine: exec in ${container.slice(0, 12)}: ${created.status} ${created.body.toString().trim()}`);
    const id = JSON.parse(created.body.toString()).Id as string;
    // Answered once the command has ended: the body is its whole output.
    const started = await dockerCall(host, "POST", `/exec/${id}/start`, { Detach: false, Tty: false });
    if (started.status !== 200) throw new Error(`Docker engine: exec in ${container.slice(0, 12)}: ${started.status} ${started.body.toString().trim()}`);
    const inspected = await dockerCall(host, "GET", `/exec/${id}/json`);
    if (inspected.status !== 200) throw new Error(`Docker engine: exec in ${container.slice(0, 12)}: ${inspected.status} ${inspected.body.toString().trim()}`);
    return { exitCode: JSON.parse(inspected.body.toString()).ExitCode as number, output: demuxStream(started.body) };
}
