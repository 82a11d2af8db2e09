import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

// How to reach a live cluster's API, resolved the way the Kubernetes provider and kubectl resolve it:
// an explicit kubeconfig (contents or a path) and context when given, else KUBECONFIG (a list of files),
// else ~/.kube/config, else the pod's service account (running inside the cluster). Credentials are
// read when needed and never stored: a token, a token file, a client certificate, or an exec plugin
// (cloud clusters' `… get-token`).

export interface KubeAccess {
    server: URL;
    ca?: Buffer;
    insecure: boolean;
    token?: string;
    cert?: Buffer;
    key?: Buffer;
}

export interface KubeAccessConfig {
    /** A kubeconfig's contents or path (cloudengine:kubernetes.kubeconfig, or kubernetes:kubeconfig). */
    kubeconfig?: string;
    context?: string;
}

interface Named<T> { name: string; [key: string]: unknown; cluster?: T; user?: T; context?: T }

const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

function readConfigs(explicit?: string): { docs: any[]; base: string[] } {
    if (explicit !== undefined && /\bclusters\s*:/.test(explicit)) return { docs: [parse(explicit)], base: [process.cwd()] };
    const files = explicit !== undefined
        ? [explicit]
        : (process.env.KUBECONFIG ?? "").split(path.delimiter).filter(Boolean);
    const candidates = files.length ? files : [path.join(os.homedir(), ".kube", "config")];
    const present = candidates.filter((f) => fs.existsSync(f));
    if (explicit !== undefined && !present.length) throw new Error(`the kubeconfig ${explicit} does not exist`);
    return { docs: present.map((f) => parse(fs.readFileSync(f, "utf8")) ?? {}), base: present.map((f) => path.dirname(path.resolve(f))) };
}

function dataOrFile(data: unknown, file: unknown, base: string): Buffer | undefined {
    if (typeof data === "string" && data) return Buffer.from(data, "base64");
    if (typeof file === "string" && file) return fs.readFileSync(path.resolve(base, file));
    return undefined;
}

/** An exec credential plugin's answer (client.authentication.k8s.io ExecCredential). */
function execCredential(exec: any): { token?: string; cert?: Buffer; key?: Buffer } {
    const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e: any) => [e.name, e.value])) };
    const out = execFileSync(exec.command, exec.args ?? [], { env, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
    const status = JSON.parse(out).status ?? {};
    return {
        token: status.token,
        cert: status.clientCertificateData ? Buffer.from(status.clientCertificateData) : undefined,
        key: status.clientKeyData ? Buffer.from(status.clientKeyData) : undefined,
    };
}

function inCluster(): KubeAccess | undefined {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    if (!host || !fs.existsSync(`${SERVICE_ACCOUNT}/token`)) return undefined;
    return {
        server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? "443"}`),
        ca: fs.readFileSync(`${SERVICE_ACCOUNT}/ca.crt`),
        insecure: false,
        token: fs.readFileSync(`${SERVICE_ACCOUNT}/token`, "utf8").trim(),
    };
}

/** The API server and credentials of the kubeconfig's context. */
export function kubeAccess(config: KubeAccessConfig = {}): KubeAccess {
    const { docs, base } = readConfigs(config.kubeconfig);
    if (!docs.length) {
        const pod = inCluster();
        if (pod) return pod;
        throw new Error("no kubeconfig: set KUBECONFIG, write ~/.kube/config, or set cloudengine:kubernetes.kubeconfig");
    }
    // Merged as kubectl merges KUBECONFIG's files: the first file that names a thing wins.
    const find = <T>(key: "clusters" | "users" | "contexts", name: string): { item: T; base: string } | undefined => {
        for (let i = 0; i < docs.length; i++) {
            const hit = ((docs[i][key] ?? []) as Named<T>[]).find((n) => n.name === name);
            if (hit) return { item: (hit.cluster ?? hit.user ?? hit.context) as T, base: base[i] };
        }
        return undefined;
    };
    const contextName = config.context ?? docs.map((d) => d["current-context"]).find((c) => c);
    if (!contextName) throw new Error("the kubeconfig has no current-context: set cloudengine:kubernetes.context");
    const context = find<any>("contexts", contextName)?.item;
    if (!context) throw new Error(`the kubeconfig has no context ${contextName}`);
    const cluster = find<any>("clusters", context.cluster);
    const user = context.user ? find<any>("users", context.user) : undefined;
    if (!cluster?.item?.server) throw new Error(`the kubeconfig's context ${contextName} names no cluster with a server`);
    const u = user?.item ?? {};
    const userBase = user?.base ?? cluster.base;
    const plugin = u.exec ? execCredential(u.exec) : {};
    return {
        server: new URL(cluster.item.server),
        ca: dataOrFile(cluster.item["certificate-authority-data"], cluster.item["certificate-authority"], cluster.base),
        insecure: cluster.item["insecure-skip-tls-verify"] === true,
        token: plugin.token ?? u.token ?? (u.tokenFile ? fs.readFileSync(path.resolve(userBase, u.tokenFile), "utf8").trim() : undefined),
        cert: plugin.cert ?? dataOrFile(u["client-certificate-data"], u["client-certificate"], userBase),
        key: plugin.key ?? dataOrFile(u["client-key-data"], u["client-key"], userBase),
    };
}
