import * as https from "https";
import * as http from "http";
import WebSocket from "ws";
import { KubeAccess } from "./kubeAccess";

// Calls to a live cluster's API for what the Kubernetes provider does not do (running a command in a
// pod, resizing a pod in place): JSON requests, and exec over WebSocket (the v4.channel.k8s.io
// protocol: one byte of channel, then data; channel 3 carries the command's final status).

export interface KubeAnswer {
    status: number;
    body: any;
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

const TIMEOUT_MS = 30_000;

function tls(access: KubeAccess) {
    return {
        ca: access.ca,
        cert: access.cert,
        key: access.key,
        rejectUnauthorized: !access.insecure,
        headers: access.token ? { Authorization: `Bearer ${access.token}` } : {},
    };
}

export function kubeRequest(access: KubeAccess, method: string, pathAndQuery: string, body?: unknown, contentType = "application/json"): Promise<KubeAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const { headers, ...security } = tls(access);
    const client = access.server.protocol === "http:" ? http : https;
    return new Promise((resolve, reject) => {
        const req = client.request({
            ...security,
            host: access.server.hostname.replace(/^\[|\]$/g, ""),
            port: access.server.port || (access.server.protocol === "http:" ? 80 : 443),
            path: `${access.server.pathname.replace(/\/$/, "")}${pathAndQuery}`,
            method,
            headers: { ...headers, Accept: "application/json", ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}) },
            timeout: TIMEOUT_MS,
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed: unknown = text;
                try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
                resolve({ status: res.statusCode ?? 0, body: parsed });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${pathAndQuery}: no answer from ${access.server.host} within ${TIMEOUT_MS / 1000} s`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** The body of a successful answer, or an error naming the call and what the API said. */
export async function kubeOk(access: KubeAccess, method: string, pathAndQuery: string, body?: unknown, contentType?: string): Promise<any> {
    const answer = await kubeRequest(access, method, pathAndQuery, body, contentType);
    if (answer.status < 200 || answer.status >= 300) {
        const message = typeof answer.body === "object" && answer.body?.message ? answer.body.message : String(answer.body).trim();
        throw new Error(`Kubernetes API: ${method} ${pathAndQuery.split("?")[0]}: ${answer.status} ${message}`);
    }
    return answer.body;
}

/** Runs `command` in a pod's container (no stdin), as `kubectl exec` does. */
export function kubeExec(access: KubeAccess, namespace: string, pod: string, container: string, command: string[]): Promise<ExecResult> {
    const pairs: [string, string][] = [["container", container], ["stdout", "true"], ["stderr", "true"], ...command.map((c): [string, string] => ["command", c])];
    const query = new URLSearchParams(pairs);
    const url = new URL(`${access.server.pathname.replace(/\/$/, "")}/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`, access.server);
    url.protocol = access.server.protocol === "http:" ? "ws:" : "wss:";
    return new Promise((resolve, reject) => {
        const socket = new WebSocket(url, ["v4.channel.k8s.io"], { ...tls(access), handshakeTimeout: TIMEOUT_MS });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let status: any;
        const timer = setTimeout(() => socket.terminate(), 5 * TIMEOUT_MS);
        socket.on("message", (data: Buffer) => {
            const channel = data[0];
            const rest = data.subarray(1);
            if (channel === 1) out.push(rest);
            else if (channel === 2) err.push(rest);
            else if (channel === 3) {
                try { status = JSON.parse(rest.toString("utf8")); } catch { status = { status: "Failure", message: rest.toString("utf8") }; }
            }
        });
        socket.on("unexpected-response", (_req, res) => {
            clearTimeout(timer);
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8").trim();
                let message = text;
                try { message = JSON.parse(text).message ?? text; } catch { /* not JSON: the text */ }
                reject(new Error(`Kubernetes API: exec in pod ${pod}: ${res.statusCode} ${message}`));
            });
        });
        socket.on("error", (e) => { clearTimeout(timer); reject(new Error(`Kubernetes API: exec in pod ${pod}: ${e.message}`)); });
        socket.on("close", () => {
            clearTimeout(timer);
            if (!status) return reject(new Error(`Kubernetes API: exec in pod ${pod}: the stream ended without the command's status`));
            const code = status.status === "Success" ? 0 : Number(status.details?.causes?.find((c: any) => c.reason === "ExitCode")?.message ?? NaN);
            if (Number.isNaN(code)) return reject(new Error(`Kubernetes API: exec in pod ${pod}: ${status.message ?? JSON.stringify(status)}`));
            resolve({ exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
        });
    });
}
