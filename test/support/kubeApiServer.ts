import { execFile, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { freePorts } from "./ports";
import { scriptEnv } from "./scriptEnv";

// A real Kubernetes API server (etcd + kube-apiserver of the pinned Kubernetes version, see
// scripts/kube-apiserver.sh: the first call in a fresh cache builds both from the Go module proxy,
// minutes; later calls reuse ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}),
// all on 127.0.0.1, for validating manifests the way a cluster does: server-side dry run runs the
// API server's own validation (selectors against template labels, name and label formats, enum
// values, probe handlers, quantities, immutable and feature-gated fields, ...) and its admission
// plugins, which kubeconform's OpenAPI shape check does not.
//
// No controllers, scheduler or kubelet run: objects are never acted on, and every object is sent
// with dryRun=All, so nothing is stored except the namespaces they go into.
//
// The processes run in process groups of their own, stopped by stop(), killed when this process
// exits, and by a watchdog shell when it is killed.  KUBE_APISERVER_KEEP_DIR=1 keeps the temporary
// directory (certificates, etcd data, the logs etcd.log and kube-apiserver.log) for a look.

const execFileAsync = promisify(execFile);

export interface KubeApiServerBinaries {
    kubeApiServer: string;
    etcd: string;
    /** e.g. "1.31.14" */
    kubernetesVersion: string;
    /** e.g. "3.5.24" */
    etcdVersion: string;
}

export interface DryRunResult {
    /** true when the API server accepted every object. */
    ok: boolean;
    /** One line per refused object: "<Kind>/<name>: <the API server's message>". */
    errors: string[];
    /** Warnings the API server returned for accepted or refused objects: "<Kind>/<name>: <warning>". */
    warnings: string[];
}

export interface DryRunOptions {
    /**
     * "apply" (default): server-side apply, as the Pulumi Kubernetes provider does by default
     * (PATCH application/apply-patch+yaml, force, fieldValidation=Strict, dryRun=All); besides create
     * validation it checks list keys (e.g. two env entries with one name are refused).
     * "create": POST to the collection with dryRun=All and fieldValidation=Strict.
     */
    method?: "apply" | "create";
}

export interface KubeApiServer {
    /** https://127.0.0.1:<port> */
    url: string;
    /** Bearer token of a user in system:masters (authorization is AlwaysAllow anyway). */
    token: string;
    /** PEM of the CA that signed the serving certificate. */
    ca: string;
    /** The pinned versions and binaries. */
    binaries: KubeApiServerBinaries;
    /** Dry-runs the objects against this server (see dryRunApply). */
    dryRunApply(objects: object[], options?: DryRunOptions): Promise<DryRunResult>;
    /** One HTTP request with the token; the body (JSON) is returned parsed when it is JSON. */
    request(method: string, pathAndQuery: string, body?: unknown, contentType?: string): Promise<KubeResponse>;
    /** Stops kube-apiserver and etcd (their whole process groups) and removes their data. */
    stop(): Promise<void>;
}

export interface KubeResponse {
    status: number;
    body: any;
    text: string;
    warnings: string[];
}

/** Runs scripts/kube-apiserver.sh once per process (building the cache if needed) and returns its paths. */
export async function ensureKubeApiServerBinaries(): Promise<KubeApiServerBinaries> {
    const { script, env, stdout } = await scriptEnv("kube-apiserver.sh", 60 * 60_000);
    const b: KubeApiServerBinaries = {
        kubeApiServer: env.KUBE_APISERVER,
        etcd: env.ETCD,
        kubernetesVersion: env.KUBE_VERSION,
        etcdVersion: env.ETCD_VERSION,
    };
    if (!b.kubeApiServer || !b.etcd || !b.kubernetesVersion) throw new Error(`unexpected output of ${script} --print-env:\n${stdout}`);
    for (const f of [b.kubeApiServer, b.etcd]) if (!fs.existsSync(f)) throw new Error(`${f} does not exist`);
    return b;
}

// ------------------------------------------------------------------ processes ---

/** Process groups still running, killed when this process exits (by the watchdog if it is killed). */
const liveGroups = new Set<number>();
/** Temporary directories of servers not stopped yet, removed when this process exits. */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const pgid of liveGroups) {
            try {
                process.kill(-pgid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        if (process.env.KUBE_APISERVER_KEEP_DIR !== "1") for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
    });
}

// Runs the real program as a child of a small shell, in a process group of its own: the shell
// forwards SIGTERM, and kills the program when this Node.js process is gone (even by SIGKILL, when
// no exit hook runs).
const WATCHDOG = `parent=$1; shift
"$@" & child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT HUP
while kill -0 $child 2>/dev/null; do
  if ! kill -0 $parent 2>/dev/null; then
    kill -TERM $child 2>/dev/null; sleep 5; kill -KILL $child 2>/dev/null; break
  fi
  sleep 1 & wait $!
done
wait $child`;

interface Proc {
    name: string;
    pgid: number;
    log: string;
    exited: Promise<number | null>;
    hasExited(): boolean;
}

function startProcess(name: string, bin: string, args: string[], log: string): Proc {
    installExitHook();
    const fd = fs.openSync(log, "a");
    const child = spawn("bash", ["-c", WATCHDOG, "watchdog", String(process.pid), bin, ...args], {
        detached: true, // own process group
        stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    const pgid = child.pid;
    liveGroups.add(pgid);
    let done = false;
    const exited = new Promise<number | null>((resolve) => {
        child.on("exit", (code, signal) => {
            done = true;
            resolve(code ?? (signal ? 128 : null));
        });
        child.on("error", () => {
            done = true;
            resolve(null);
        });
    });
    // never keeps the test process alive by itself
    child.unref();
    return { name, pgid, log, exited, hasExited: () => done };
}

async function stopProcess(p: Proc): Promise<void> {
    const signal = (sig: NodeJS.Signals) => {
        try {
            process.kill(-p.pgid, sig);
        } catch {
            // already gone
        }
    };
    if (!p.hasExited()) {
        signal("SIGTERM");
        if (!(await exitsWithin(p, 15_000))) {
            signal("SIGKILL");
            await exitsWithin(p, 5_000);
        }
    }
    // stray members of the group (there should be none)
    signal("SIGKILL");
    liveGroups.delete(p.pgid);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** true when the process exits within ms. */
async function exitsWithin(p: Proc, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([p.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    } finally {
        clearTimeout(timer);
    }
}

function logTail(file: string, lines = 40): string {
    try {
        return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}


// ---------------------------------------------------------------------- certs ---

async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string; saKey: string; saPub: string }> {
    const f = (name: string) => path.join(dir, name);
    const openssl = async (args: string[]) => {
        try {
            await execFileAsync("openssl", args, { encoding: "utf8", timeout: 60_000 });
        } catch (e) {
            const err = e as { message: string; stderr?: string };
            throw new Error(`openssl ${args[0]} failed (openssl is needed for the API server's certificates): ${err.message}\n${err.stderr ?? ""}`);
        }
    };
    const days = "2";
    await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", days,
        "-subj", "/CN=cloudengine-test-kubernetes-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("apiserver.key"), "-out", f("apiserver.csr"), "-subj", "/CN=kube-apiserver"]);
    fs.writeFileSync(f("apiserver.ext"), [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
        "",
    ].join("\n"));
    await openssl(["x509", "-req", "-in", f("apiserver.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"),
        "-set_serial", "0x" + crypto.randomBytes(8).toString("hex"), "-days", days, "-extfile", f("apiserver.ext"), "-out", f("apiserver.crt")]);
    // service account token signing key
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(f("sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    fs.writeFileSync(f("sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    return { ca: f("ca.crt"), cert: f("apiserver.crt"), key: f("apiserver.key"), saKey: f("sa.key"), saPub: f("sa.pub") };
}

// ---------------------------------------------------------------------- start ---

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

async function waitFor(what: string, proc: Proc, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        if (proc.hasExited()) throw new Error(`${proc.name} exited before ${what}; its log (${proc.log}):\n${logTail(proc.log)}`);
        try {
            if (await check()) return;
        } catch (e) {
            last = (e as Error).message;
        }
        await sleep(250);
    }
    throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${last})` : ""}; ${proc.name}'s log (${proc.log}):\n${logTail(proc.log)}`);
}

/**
 * Starts etcd and kube-apiserver of the pinned Kubernetes version on free 127.0.0.1 ports, with
 * certificates and keys made for this run (a temporary directory, removed by stop()), static token
 * authentication and AlwaysAllow authorization; resolves once /readyz is ok.
 */
export async function startKubeApiServer(): Promise<KubeApiServer> {
    const bins = await ensureKubeApiServerBinaries();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-kube-apiserver-"));
    installExitHook();
    liveDirs.add(dir);
    const procs: Proc[] = [];
    let stopped = false;
    const stop = async () => {
        if (stopped) return;
        stopped = true;
        // kube-apiserver first: it still talks to etcd while it shuts down
        for (const p of [...procs].reverse()) await stopProcess(p);
        liveDirs.delete(dir);
        if (process.env.KUBE_APISERVER_KEEP_DIR !== "1") fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        const certs = await makeCertificates(dir);
        const token = crypto.randomBytes(24).toString("hex");
        fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},cloudengine-test,cloudengine-test,"system:masters"\n`, { mode: 0o600 });

        // etcd: one member, data in the temporary directory; fsync off (the data is thrown away)
        const [clientPort, peerPort, securePort] = await freePorts(3);
        const etcdUrl = `http://127.0.0.1:${clientPort}`;
        const etcd = startProcess("etcd", bins.etcd, [
            "--name=cloudengine-test",
            `--data-dir=${path.join(dir, "etcd")}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=cloudengine-test=http://127.0.0.1:${peerPort}`,
            "--initial-cluster-state=new",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ], path.join(dir, "etcd.log"));
        procs.push(etcd);
        await waitFor("etcd is healthy", etcd, 60_000, async () => {
            const r = await httpGet(`${etcdUrl}/health`, 2_000);
            return r.status === 200 && /"health":\s*"true"/.test(r.text);
        });

        const apiserver = startProcess("kube-apiserver", bins.kubeApiServer, [
            `--etcd-servers=${etcdUrl}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${securePort}`,
            `--cert-dir=${path.join(dir, "generated-certs")}`,
            `--tls-cert-file=${certs.cert}`,
            `--tls-private-key-file=${certs.key}`,
            `--token-auth-file=${path.join(dir, "tokens.csv")}`,
            "--anonymous-auth=false",
            "--authorization-mode=AlwaysAllow",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${certs.saPub}`,
            `--service-account-signing-key-file=${certs.saKey}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            // The default admission plugins, less ServiceAccount: it needs the service account
            // controllers of kube-controller-manager (every Pod would wait for "default").
            "--disable-admission-plugins=ServiceAccount",
            // as kubeadm and most clusters run it
            "--allow-privileged=true",
            // fewer moving parts for a single client
            "--enable-priority-and-fairness=false",
            "--endpoint-reconciler-type=none",
            "--profiling=false",
        ], path.join(dir, "kube-apiserver.log"));
        procs.push(apiserver);

        const ca = fs.readFileSync(certs.ca, "utf8");
        const url = `https://127.0.0.1:${securePort}`;
        const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 8 });
        const request = (method: string, pathAndQuery: string, body?: unknown, contentType = "application/json") =>
            kubeRequest(agent, url, token, method, pathAndQuery, body, contentType);
        await waitFor("kube-apiserver is ready (/readyz)", apiserver, 180_000, async () => {
            const r = await request("GET", "/readyz");
            return r.status === 200 && r.text.trim() === "ok";
        });
        const server: KubeApiServer = {
            url,
            token,
            ca,
            binaries: bins,
            request,
            dryRunApply: (objects, options) => dryRunApply(server, objects, options),
            stop: async () => {
                agent.destroy();
                await stop();
            },
        };
        return server;
    } catch (e) {
        await stop();
        throw e;
    }
}

function kubeRequest(agent: https.Agent, base: string, token: string, method: string, pathAndQuery: string, body: unknown, contentType: string): Promise<KubeResponse> {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        const req = https.request(new URL(pathAndQuery, base), {
            method,
            agent,
            timeout: 60_000,
            headers: {
                Authorization: `Bearer ${token}`,
                Accept: "application/json",
                ...(data === undefined ? {} : { "Content-Type": contentType, "Content-Length": Buffer.byteLength(data) }),
            },
        }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (text += c));
            res.on("end", () => {
                let parsed: unknown = undefined;
                try {
                    parsed = JSON.parse(text);
                } catch {
                    // not JSON (e.g. /readyz)
                }
                resolve({ status: res.statusCode ?? 0, body: parsed, text, warnings: parseWarnings(res.headers.warning) });
            });
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${pathAndQuery}: timeout`)));
        req.on("error", reject);
        if (data !== undefined) req.write(data);
        req.end();
    });
}

/** Warning headers: `299 - "text"` (RFC 7234), possibly several, comma-joined. */
function parseWarnings(header: string | string[] | undefined): string[] {
    if (!header) return [];
    const out: string[] = [];
    for (const h of Array.isArray(header) ? header : [header]) {
        for (const m of h.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) out.push(m[1].replace(/\\(.)/g, "$1"));
    }
    return out;
}

// -------------------------------------------------------------------- dry run ---

/**
 * The object as it is sent: undefined members dropped (as JSON serialisation does), null object
 * members dropped (the API server treats an explicit null as "not set" on create; server-side apply
 * would read it as "remove").  Nulls inside arrays are kept (they are errors).
 */
function normalise(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
    if (value !== null && typeof value === "object") {
        const json = (value as { toJSON?: () => unknown }).toJSON;
        if (typeof json === "function") return normalise(json.call(value));
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            if (v === undefined || v === null || typeof v === "function" || typeof v === "symbol") continue;
            out[k] = normalise(v);
        }
        return out;
    }
    return value;
}

interface ApiResource {
    /** plural resource name, e.g. "deployments" */
    name: string;
    namespaced: boolean;
}

const discoveryCache = new WeakMap<KubeApiServer, Map<string, Promise<Map<string, ApiResource>>>>();
const namespaceCache = new WeakMap<KubeApiServer, Map<string, Promise<void>>>();

function groupVersionPath(apiVersion: string): string {
    return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Kind -> resource of one group/version, from the server's discovery document. */
function discover(server: KubeApiServer, apiVersion: string): Promise<Map<string, ApiResource>> {
    let byGv = discoveryCache.get(server);
    if (!byGv) discoveryCache.set(server, (byGv = new Map()));
    let found = byGv.get(apiVersion);
    if (!found) {
        found = (async () => {
            const r = await server.request("GET", groupVersionPath(apiVersion));
            const kinds = new Map<string, ApiResource>();
            if (r.status === 404) return kinds;
            if (r.status !== 200) throw new Error(`discovery of ${apiVersion}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
            for (const res of (r.body?.resources ?? []) as { name: string; kind: string; namespaced: boolean }[]) {
                if (res.name.includes("/")) continue; // subresources
                kinds.set(res.kind, { name: res.name, namespaced: res.namespaced });
            }
            return kinds;
        })();
        byGv.set(apiVersion, found);
        found.catch(() => byGv!.delete(apiVersion));
    }
    return found;
}

/** Creates the namespace for real (not a dry run) unless it exists. */
function ensureNamespace(server: KubeApiServer, name: string): Promise<void> {
    let byName = namespaceCache.get(server);
    if (!byName) namespaceCache.set(server, (byName = new Map()));
    let done = byName.get(name);
    if (!done) {
        done = (async () => {
            const r = await server.request("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
            if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${name} could not be created: ${statusMessage(r)}`);
        })();
        byName.set(name, done);
        done.catch(() => byName!.delete(name));
    }
    return done;
}

function statusMessage(r: KubeResponse): string {
    const b = r.body;
    if (b && typeof b === "object" && b.kind === "Status") {
        let msg = String(b.message ?? b.reason ?? `HTTP ${r.status}`);
        // causes not already spelled out in the message
        for (const c of (b.details?.causes ?? []) as { field?: string; message?: string }[]) {
            const text = [c.field, c.message].filter(Boolean).join(": ");
            if (text && !msg.includes(c.message ?? text)) msg += `; ${text}`;
        }
        return msg;
    }
    return `HTTP ${r.status}: ${r.text.slice(0, 1000)}`;
}

/**
 * Sends each object to the API server with server-side dry run (nothing is stored), after creating
 * its namespace ("default" when it names none) for real.  Every refusal is an error
 * "<Kind>/<name>: <message>"; so is a kind the server does not serve.
 */
export async function dryRunApply(server: KubeApiServer, objects: object[], options: DryRunOptions = {}): Promise<DryRunResult> {
    const method = options.method ?? "apply";
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const original of objects) {
        const obj = normalise(original) as { apiVersion?: string; kind?: string; metadata?: { name?: string; generateName?: string; namespace?: string } };
        const kind = String(obj?.kind ?? "(no kind)");
        const label = `${kind}/${obj?.metadata?.name ?? obj?.metadata?.generateName ?? "(no name)"}`;
        if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string") {
            errors.push(`${label}: no apiVersion or kind`);
            continue;
        }
        const resource = (await discover(server, obj.apiVersion)).get(obj.kind);
        if (!resource) {
            errors.push(`${label}: the API server serves no kind ${obj.kind} in ${obj.apiVersion}`);
            continue;
        }
        let collection = groupVersionPath(obj.apiVersion);
        if (resource.namespaced) {
            const ns = obj.metadata?.namespace ?? "default";
            await ensureNamespace(server, ns);
            collection += `/namespaces/${encodeURIComponent(ns)}`;
        }
        collection += `/${resource.name}`;
        const name = obj.metadata?.name;
        let r: KubeResponse;
        if (method === "apply" && name) {
            const q = "dryRun=All&fieldValidation=Strict&force=true&fieldManager=cloudengine-dry-run";
            r = await server.request("PATCH", `${collection}/${encodeURIComponent(name)}?${q}`, obj, "application/apply-patch+yaml");
        } else {
            r = await server.request("POST", `${collection}?dryRun=All&fieldValidation=Strict&fieldManager=cloudengine-dry-run`, obj);
        }
        for (const w of r.warnings) warnings.push(`${label}: ${w}`);
        if (r.status < 200 || r.status >= 300) errors.push(`${label}: ${statusMessage(r)}`);
    }
    return { ok: errors.length === 0, errors, warnings };
}
