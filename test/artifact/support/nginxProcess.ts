// Running the real nginx in the artifact tests: the binary (NGINX 1.28, built by scripts/host-nginx.sh), a
// file root per test, throwaway certificates, nginx in its own process group, and a fake DNS server
// standing in for Docker's or the cluster's.
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ProxySite, tlsCertificatePath, tlsKeyPath } from "../../../provider/render/proxy/model";

// Needs: that nginx, built by scripts/host-nginx.sh (npm test runs it and passes the binary's path in
// CLOUDENGINE_TEST_NGINX), and openssl (scripts/preflight.sh checks before npm test starts). Missing nginx
// is a failure.

export const NGINX = process.env.CLOUDENGINE_TEST_NGINX ?? "(CLOUDENGINE_TEST_NGINX is not set)";
export const NGINX_HINT = "run the tests with npm test, which builds it (scripts/host-nginx.sh) and sets CLOUDENGINE_TEST_NGINX";
export const NOBODY = 65534;

// ---- helpers ------------------------------------------------------------------------------------------

export function makeRoot(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-nginx-"));
    // Workers run as nobody: they must reach the temp and cache directories nginx creates under root/tmp.
    fs.chmodSync(root, 0o755);
    fs.mkdirSync(path.join(root, "tmp"));
    fs.chmodSync(path.join(root, "tmp"), 0o1777);
    fs.mkdirSync(path.join(root, path.dirname(tlsCertificatePath("x"))), { recursive: true });
    return root;
}

/** A throwaway self-signed certificate, generated once and copied to every tls site's mount path. */
export function makeCertificate(dir: string): { cert: string; key: string } {
    const cert = path.join(dir, "test.crt");
    const key = path.join(dir, "test.key");
    const r = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=cloudengine-test", "-keyout", key, "-out", cert],
        { encoding: "utf8", timeout: 30_000 },
    );
    assert.equal(r.status, 0, `openssl failed: ${r.error ?? ""} ${r.stderr}`);
    return { cert, key };
}

export function installCertificates(root: string, sites: ProxySite[], pair: { cert: string; key: string }): void {
    for (const s of sites.filter((x) => x.tls)) {
        fs.copyFileSync(pair.cert, root + tlsCertificatePath(s.id));
        fs.copyFileSync(pair.key, root + tlsKeyPath(s.id));
    }
}

/** `nginx -t`: must succeed, and without warnings (duplicates, deprecations and the like). */
export function assertNginxAccepts(file: string): void {
    // stdout must not be a socket: nginx open()s /dev/stdout for the access log, which fails (ENXIO) on one.
    const r = spawnSync(NGINX, ["-t", "-c", file], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "ignore", "pipe"] });
    assert.equal(r.error, undefined, `could not run ${NGINX}: ${r.error}`);
    assert.equal(r.status, 0, `nginx -t rejected ${file}:\n${r.stderr}\n---\n${fs.readFileSync(file, "utf8")}`);
    // Only as non-root: `user` is then ignored with a warning, which says nothing about the config.
    const warnings = r.stderr.split("\n").filter((l) => /\[(warn|emerg|alert|crit)\]/.test(l) && !/"user" directive makes sense only/.test(l));
    assert.deepEqual(warnings, [], `nginx -t warned about ${file}`);
}

export function site(id: string, over: Partial<ProxySite> = {}): ProxySite {
    return { id, hostnames: [`${id}.example.com`], upstreamHost: `${id}.app.internal`, upstreamPort: 3000, forceHttps: false, tls: false, cdnCache: false, limits: "cloudengine", ...over };
}

export { freePorts } from "../../support/ports";

export function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const sock = net.connect({ host: "127.0.0.1", port });
        sock.once("connect", () => { sock.destroy(); resolve(true); });
        sock.once("error", () => resolve(false));
    });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunningNginx {
    output(): string;
    stop(): Promise<void>;
}

export const started = new Set<ChildProcess>();
// Last resort if the runner dies mid-test: no nginx left behind (its whole process group).
process.on("exit", () => {
    for (const p of started) if (p.exitCode === null && p.pid) try { process.kill(-p.pid, "SIGKILL"); } catch { /* gone */ }
});

/** `nginx -c conf -g 'daemon off;'` in its own process group, ready once every port accepts connections. */
export async function startNginx(conf: string, ports: number[], uid?: number): Promise<RunningNginx> {
    // Logs go to a file, not a pipe from Node: libuv's pipes are sockets, and nginx cannot open() /dev/stdout
    // on a socket (a container runtime's stdout is a real pipe or file).
    const logFile = `${conf}.log`;
    // Append mode: nginx opens /dev/stdout again (O_APPEND); both must append or they overwrite each other.
    const fd = fs.openSync(logFile, "a");
    if (uid !== undefined) fs.fchownSync(fd, uid, uid); // nginx reopens /dev/stdout as that user
    const proc = spawn(NGINX, ["-c", conf, "-g", "daemon off;"], { detached: true, stdio: ["ignore", fd, fd], ...(uid === undefined ? {} : { uid, gid: uid }) });
    fs.closeSync(fd);
    started.add(proc);
    const output = () => fs.readFileSync(logFile, "utf8");
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    const stop = async () => {
        if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return;
        try { process.kill(-proc.pid, "SIGTERM"); } catch { /* gone */ }
        const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
        if (!done) try { process.kill(-proc.pid, "SIGKILL"); } catch { /* gone */ }
        await Promise.race([exited, sleep(2000)]);
        started.delete(proc);
    };
    const deadline = Date.now() + 10_000;
    for (const port of ports) {
        while (!(await canConnect(port))) {
            if (proc.exitCode !== null || Date.now() > deadline) {
                await stop();
                throw new Error(`nginx -c ${conf} did not come up on port ${port}:\n${output()}`);
            }
            await sleep(50);
        }
    }
    return { output, stop };
}

/** A DNS server for A queries: enough of RFC 1035 for nginx's resolver. Unknown names get NXDOMAIN. */
export async function startDns(table: Record<string, string[]>): Promise<{ port: number; queries: string[]; socket: dgram.Socket }> {
    const socket = dgram.createSocket("udp4");
    const queries: string[] = [];
    socket.on("message", (msg, rinfo) => {
        if (msg.length < 17) return;
        let off = 12;
        const labels: string[] = [];
        while (off < msg.length && msg[off] !== 0) {
            labels.push(msg.subarray(off + 1, off + 1 + msg[off]).toString("latin1"));
            off += 1 + msg[off];
        }
        const qtype = msg.readUInt16BE(off + 1);
        const questionEnd = off + 5;
        const name = labels.join(".").toLowerCase();
        queries.push(name);
        const known = table[name];
        const addrs = known && qtype === 1 ? known : [];
        const header = Buffer.alloc(12);
        msg.copy(header, 0, 0, 2); // id
        // QR, the query's RD, RA; RCODE 3 (NXDOMAIN) for unknown names.
        header.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x0100) | 0x0080 | (known ? 0 : 3), 2);
        header.writeUInt16BE(1, 4);
        header.writeUInt16BE(addrs.length, 6);
        const answers = addrs.map((a) => {
            const b = Buffer.alloc(16);
            b.writeUInt16BE(0xc00c, 0); // name: pointer to the question
            b.writeUInt16BE(1, 2); // A
            b.writeUInt16BE(1, 4); // IN
            b.writeUInt32BE(1, 6); // TTL
            b.writeUInt16BE(4, 10);
            a.split(".").forEach((o, i) => (b[12 + i] = Number(o)));
            return b;
        });
        socket.send(Buffer.concat([header, msg.subarray(12, questionEnd), ...answers]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    return { port: socket.address().port, queries, socket };
}

