// HTTP(S) requests as the load balancer tests make them (the Docker e2e tests and the Kubernetes tests):
// every hostname resolves to 127.0.0.1, each request on a connection of its own, the TLS certificate the
// server presented, exact request heads (for the header limits) and bodies streamed against a declared
// Content-Length (for the body limit).
import assert from "node:assert/strict";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as tls from "tls";

/** What /request of the echo app reports (Go's canonical header names). */
export interface Echo {
    remoteAddr: string;
    host: string;
    uri: string;
    headers: Record<string, string[]>;
}

export interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
    text: string;
    /** TLS only: the server's certificate as presented in the handshake. */
    cert?: tls.DetailedPeerCertificate;
    ms: number;
}

export interface Req {
    scheme?: "http" | "https";
    hostname: string;
    /** Default: the client's HTTP or HTTPS port. */
    port?: number;
    path?: string;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string | Buffer;
    /** HTTPS: trust exactly this PEM certificate (full verification incl. hostname); without: no verification. */
    ca?: string;
    timeoutMs?: number;
}

/** DNS for the test hostnames: everything is 127.0.0.1 (where the tests publish). */
export const toLoopback = ((_hostname: string, options: any, callback: any) => {
    const cb = typeof options === "function" ? options : callback;
    if (options && typeof options === "object" && options.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
    else cb(null, "127.0.0.1", 4);
}) as unknown as net.LookupFunction;

/** Requests to the HTTP and HTTPS ports a load balancer publishes on 127.0.0.1. */
export class LoopbackClient {
    constructor(readonly ports: { http: number; https: number }) {}

    request(r: Req): Promise<Reply> {
        const scheme = r.scheme ?? "http";
        const port = r.port ?? (scheme === "https" ? this.ports.https : this.ports.http);
        const timeoutMs = r.timeoutMs ?? 15_000;
        const t0 = Date.now();
        return new Promise((resolve, reject) => {
            const options: https.RequestOptions = {
                hostname: r.hostname,
                port,
                path: r.path ?? "/",
                method: r.method ?? "GET",
                headers: r.headers,
                lookup: toLoopback,
                agent: false,
                timeout: timeoutMs,
            };
            if (scheme === "https") {
                options.servername = r.hostname;
                options.rejectUnauthorized = r.ca !== undefined;
                if (r.ca !== undefined) options.ca = [r.ca];
            }
            const req = (scheme === "https" ? https : http).request(options, (res) => {
                const cert = scheme === "https" ? (res.socket as tls.TLSSocket).getPeerCertificate(true) : undefined;
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    const body = Buffer.concat(chunks);
                    resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString(), cert, ms: Date.now() - t0 });
                });
                res.on("error", reject);
            });
            const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${timeoutMs} ms: ${scheme}://${r.hostname}:${port}${r.path ?? "/"}`)), timeoutMs);
            req.on("close", () => clearTimeout(timer));
            req.on("timeout", () => req.destroy(new Error(`idle for ${timeoutMs} ms: ${scheme}://${r.hostname}:${port}${r.path ?? "/"}`)));
            req.on("error", reject);
            req.end(r.body);
        });
    }

    /** GET /request: what the app received. */
    async echo(r: Omit<Req, "path"> & { marker: string }): Promise<{ reply: Reply; echo: Echo }> {
        const reply = await this.request({ ...r, path: `/request?probe=${r.marker}` });
        assert.equal(reply.status, 200, `GET /request on ${r.hostname}: ${reply.status} ${reply.text.slice(0, 300)}`);
        const parsed = JSON.parse(reply.text) as Echo;
        assert.equal(parsed.uri, `/request?probe=${r.marker}`, "the app answered this very request");
        return { reply, echo: parsed };
    }

    /** POST `declared` bytes (Content-Length) in 64 KiB chunks of one buffer, stopping at `maxSend` or at the response. */
    streamBody(hostname: string, p: string, declared: number, maxSend: number): Promise<{ status: number; sent: number; ms: number; text: string }> {
        const chunk = Buffer.alloc(64 * 1024, "x");
        const t0 = Date.now();
        return new Promise((resolve, reject) => {
            let sent = 0;
            let answered = false;
            const req = http.request({
                hostname, port: this.ports.http, path: p, method: "POST", lookup: toLoopback, agent: false,
                headers: { "Content-Length": String(declared), "Content-Type": "application/octet-stream" },
            }, (res) => {
                answered = true;
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => {
                    resolve({ status: res.statusCode ?? 0, sent, ms: Date.now() - t0, text: Buffer.concat(chunks).toString() });
                    req.destroy();
                });
                res.on("error", () => undefined);
            });
            const timer = setTimeout(() => req.destroy(new Error(`no answer within 90 s (sent ${sent} bytes)`)), 90_000);
            req.on("close", () => clearTimeout(timer));
            req.on("error", (err) => { if (!answered) reject(err); });
            const pump = () => {
                while (!answered && sent < Math.min(declared, maxSend)) {
                    const n = Math.min(chunk.length, declared - sent);
                    sent += n;
                    if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
                        req.once("drain", pump);
                        return;
                    }
                }
                if (sent === declared) req.end();
            };
            pump();
        });
    }
}

/** The single value of a header as the app received it. */
export function one(e: Echo, name: string): string {
    const values = e.headers[name];
    assert.ok(values && values.length === 1, `the app got exactly one ${name} header, got ${JSON.stringify(values)} (all: ${JSON.stringify(e.headers)})`);
    return values[0];
}

/** Bytes of a request head as Node writes it (request line, header lines, blank line). */
export function headSize(p: string, headers: Record<string, string>): number {
    return Buffer.byteLength(`GET ${p} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
}

/** Headers (Host, Connection: close, X-Fill-NNN…) making a GET head of exactly `total` bytes, fill lines of `lineBytes` incl. CRLF. */
export function fillHead(host: string, p: string, total: number, lineBytes: number): Record<string, string> {
    const headers: Record<string, string> = { Host: host, Connection: "close" };
    let i = 0;
    const line = (bytes: number) => {
        const name = `X-Fill-${String(i++).padStart(3, "0")}`;
        headers[name] = "f".repeat(bytes - name.length - 4);
    };
    while (total - headSize(p, headers) >= lineBytes + 64) line(lineBytes);
    const rest = total - headSize(p, headers); // 64 ≤ rest < lineBytes + 64
    if (rest > lineBytes) {
        line(Math.floor(rest / 2));
        line(total - headSize(p, headers));
    } else {
        line(rest);
    }
    assert.equal(headSize(p, headers), total);
    return headers;
}

/**
 * `requests` GETs of `/?<tag>-<i>` with the given Host to 127.0.0.1:`port`, from `clients` workers sharing
 * `clients` kept-alive connections (each worker sends its next request when the last is answered).
 * Returns every status and how many client connections carried them.
 */
export async function keepAliveGets(port: number, host: string, tag: string, clients: number, requests: number): Promise<{ statuses: number[]; clientConnections: number }> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const sockets = new Set<unknown>();
    const get = (i: number) => new Promise<number>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path: `/?${tag}-${i}`, headers: { Host: host }, agent, timeout: 15_000 }, (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("socket", (socket) => sockets.add(socket));
        req.on("timeout", () => req.destroy(new Error(`GET /?${tag}-${i}: no answer within 15 s`)));
        req.on("error", reject);
    });
    try {
        const perWorker = await Promise.all(Array.from({ length: clients }, async (_, worker) => {
            const mine: number[] = [];
            for (let i = worker; i < requests; i += clients) mine.push(await get(i));
            return mine;
        }));
        return { statuses: perWorker.flat(), clientConnections: sockets.size };
    } finally {
        agent.destroy();
    }
}
