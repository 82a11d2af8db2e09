import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import forwardedParse from "forwarded-parse";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as zlib from "node:zlib";
import { PLATFORM_VARIABLES, SANDBOX_MOUNTS } from "../../provider/config/spec";
import { fillHead, keepAliveGets, LoopbackClient, one, Req } from "../support/httpClient";
import { ClusterEnv, ensureCluster, Kube, podExec, REPO } from "./support/cluster";
import { deployEcho, EchoDeployment, OWN, removeEcho } from "./support/echo";

// The echo app (test/fixtures/echoapp) built from source by the package, on real pods of the local
// cluster through the real `pulumi up`: the injected environment, the sandbox (uid 1000, read-only
// root, the writable places and their budget, no capabilities) and the load balancer's behaviour
// through the real Services (client-address headers, gzip, TLS with the Domain's certificate, the body
// and header limits). Requests go to the NodePorts on 127.0.0.1.

const PROJECT = "ce-k8s-echo";
const STACK_LABEL = `cloudengine.io/stack=${PROJECT}.dev`;
const NS = "/api/v1/namespaces/default";
const MiB = 1024 * 1024;
/** The spec's limits, restated: the test checks the deployed behaviour against the spec's numbers. */
const BODY_LIMIT = 100 * 1024 * 1024;

interface WriteResult {
    written: number;
    error: string;
    /** The pod that took the write (the next request may reach the other one). */
    hostname: string;
}

describe("the echo app from source on the local cluster: environment, sandbox, load balancer", { timeout: 40 * 60_000 }, () => {
    let cluster: ClusterEnv;
    let kube: Kube;
    let d: EchoDeployment;
    let outputs: Record<string, any>;
    let appHost = "";
    /** The app's own load balancer (HTTP) and the Domain's (HTTP and HTTPS). */
    let app: LoopbackClient;
    let own: LoopbackClient;

    const get = async (p: string, timeoutMs = 60_000) => {
        const r = await app.request({ hostname: appHost, path: p, timeoutMs });
        assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text.slice(0, 300)}`);
        return r;
    };
    const write = async (file: string, bytes: number, keep = false): Promise<WriteResult> =>
        JSON.parse((await get(`/write?path=${encodeURIComponent(file)}&bytes=${bytes}${keep ? "&keep=1" : ""}`, 120_000)).text);
    const appPods = async () =>
        (await kube.list(`${NS}/pods?labelSelector=${encodeURIComponent(`${STACK_LABEL},app.kubernetes.io/name=engine-app,cloudengine.io/env=production`)}`))
            .filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp);

    before(async () => {
        cluster = ensureCluster();
        kube = new Kube(cluster.KUBECONFIG);
        d = await deployEcho(PROJECT, cluster, kube);
        ({ outputs, appHost, app, own } = d);
    });
    after(() => removeEcho(d));

    // ---- Environment -------------------------------------------------------------------------------

    it("the app's environment is exactly what the package injected (its env Secret), plus the runtime's basics", async () => {
        const env = JSON.parse((await get("/env")).text) as Record<string, string>;
        const [pod] = await appPods();
        const secretName = pod.spec.containers[0].envFrom[0].secretRef.name;
        const secret = await kube.get(`${NS}/secrets/${secretName}`);
        const injected = Object.fromEntries(Object.entries<string>(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
        for (const name of PLATFORM_VARIABLES) assert.ok(name in injected, `${name} is injected`);
        assert.equal(injected.LEANCLOUD_APP_ENV, "production");
        assert.equal(injected.LEANCLOUD_VERSION_TAG, outputs.versionTag);
        assert.equal(injected.RELEASE, "1", "the app's own variable");
        // Besides: the runtime's PATH and HOSTNAME, the working directory, and the API server's address,
        // which the kubelet gives every pod whatever enableServiceLinks says (no other Service's; and no
        // credentials: no service account token is mounted).
        const extra = Object.keys(env).filter((k) => !(k in injected) && !/^KUBERNETES_(SERVICE_(HOST|PORT|PORT_HTTPS)|PORT(_443_TCP(_ADDR|_PORT|_PROTO)?)?)$/.test(k)).sort();
        assert.deepEqual(extra, ["HOSTNAME", "PATH", "PWD"], "nothing else: no Service links of the namespace");
        for (const [k, v] of Object.entries(injected)) assert.equal(env[k], v, k);
        const token = podExec(cluster, pod, ["sh", "-c", "ls /var/run/secrets/kubernetes.io 2>&1; echo"]);
        assert.match(token.stdout, /No such file or directory/, "no service account credentials in the pod");
    });

    // ---- Sandbox -----------------------------------------------------------------------------------

    it("the app runs as uid 1000 with no capabilities and no_new_privs; uid 0 inside cannot chown", async (t) => {
        const me = JSON.parse((await get("/whoami")).text);
        assert.equal(me.uid, 1000);
        assert.equal(me.gid, 1000);
        const [pod] = (await appPods()).filter((p) => p.metadata.name === me.hostname);
        assert.ok(pod, `the pod that answered (${me.hostname})`);
        for (const pid of ["1", String(me.pid)]) {
            const status = podExec(cluster, pod, ["sh", "-c", `grep -E '^(Uid|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/${pid}/status`]);
            t.diagnostic(`pid ${pid}: ${status.stdout.trim().replace(/\s*\n\s*/g, "; ").replace(/\t/g, " ")}`);
            assert.equal(status.status, 0, status.stderr);
            assert.match(status.stdout, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, `pid ${pid} runs as 1000`);
            for (const cap of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) assert.match(status.stdout, new RegExp(`^${cap}:\\s+0000000000000000$`, "m"), `pid ${pid} ${cap}`);
            assert.match(status.stdout, /^NoNewPrivs:\s+1$/m, `pid ${pid} NoNewPrivs`);
        }
        // Even uid 0 inside the container has no capabilities: changing a file's owner is refused.
        const chown = podExec(cluster, pod, ["sh", "-c", "echo x > /tmp/owned && chown 1000:1000 /tmp/owned; s=$?; rm -f /tmp/owned; exit $s"], { user: "0" });
        t.diagnostic(`chown as uid 0: exit ${chown.status}: ${chown.stderr.trim()}`);
        assert.notEqual(chown.status, 0);
        assert.match(chown.stderr, /Operation not permitted/);
    });

    it("writing outside /tmp and /home/leanengine fails (read-only root); 10 MB in each works", async () => {
        for (const file of ["/app/x", "/x", "/etc/x", "/home/x", "/var/tmp/x", "/cloudengine/x"]) {
            const r = await write(file, 1);
            assert.equal(r.written, 0, file);
            assert.match(r.error, /read-only file system/, `${file}: ${r.error}`);
        }
        for (const dir of ["/tmp", "/home/leanengine"]) {
            const r = await write(`${dir}/ten-mb`, 10_000_000);
            assert.deepEqual({ written: r.written, error: r.error }, { written: 10_000_000, error: "" }, dir);
        }
    });

    it("only /tmp, /home/leanengine and /dev/shm are writable; /dev/shm holds no more than its share", async (t) => {
        const [pod] = await appPods();
        const mounts = podExec(cluster, pod, ["cat", "/proc/mounts"]).stdout;
        const rw = mounts.trim().split("\n").map((l) => l.split(" ")).filter(([, , type, opts]) => opts.split(",").includes("rw") && !["proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue"].includes(type));
        const writable: string[] = [];
        for (const [, target] of rw) {
            const probe = podExec(cluster, pod, ["sh", "-c", `f=${target}/.cloudengine-probe-$$; if : > "$f" 2>/dev/null; then rm -f "$f"; echo writable; else echo not writable; fi`]);
            if (probe.stdout.trim() === "writable") writable.push(target);
        }
        t.diagnostic(`writable by uid 1000: ${writable.join(", ")}`);
        assert.deepEqual(writable.sort(), Object.keys(SANDBOX_MOUNTS).sort());
        const shm = await write("/dev/shm/big", SANDBOX_MOUNTS["/dev/shm"] + 16 * MiB);
        assert.match(shm.error, /no space left on device/, "memory-backed /dev/shm is a tmpfs of its size");
        assert.ok(shm.written <= SANDBOX_MOUNTS["/dev/shm"], `/dev/shm took ${shm.written}`);
    });

    // ---- Load balancer -----------------------------------------------------------------------------

    it("client-address headers: X-Real-IP, X-Forwarded-For and Forwarded carry the address the load balancer saw; a client's own are not trusted", async (t) => {
        const { echo: e } = await app.echo({ hostname: appHost, marker: "addr" });
        const seen = one(e, "X-Real-Ip");
        t.diagnostic(`the load balancer saw the client as ${seen}; the app's TCP peer: ${e.remoteAddr}`);
        // From 127.0.0.1 a NodePort connection is masqueraded to the node's address (kube-proxy).
        assert.equal(seen, "10.244.0.1");
        assert.equal(one(e, "X-Forwarded-Proto"), "http");
        assert.equal(one(e, "X-Forwarded-For"), seen);
        const fwd = forwardedParse(one(e, "Forwarded"));
        assert.deepEqual(fwd.map((f) => [f.for, f.proto]), [[seen, "http"]]);
        assert.notEqual(e.remoteAddr.replace(/:\d+$/, ""), seen, "the app's peer is the load balancer pod, not the client");

        const { echo: forged } = await app.echo({ hostname: appHost, marker: "forged", headers: { "X-Forwarded-For": "203.0.113.7", "X-Real-IP": "192.0.2.66", Forwarded: "for=192.0.2.66;proto=https" } });
        assert.deepEqual(one(forged, "X-Forwarded-For").split(",").map((s) => s.trim()), ["203.0.113.7", seen]);
        assert.equal(one(forged, "X-Real-Ip"), seen);
        assert.deepEqual(forwardedParse(one(forged, "Forwarded")).map((f) => [f.for, f.proto]), [[seen, "http"]]);
    });

    it("TLS with the Domain's own certificate: the handshake presents exactly it, and the app sees proto https", async () => {
        const r = await own.request({ scheme: "https", hostname: OWN, path: "/request", ca: fs.readFileSync(path.join(REPO, "test", "fixtures", "tls", "example.com.crt"), "utf8") });
        assert.equal(r.status, 200);
        const given = new X509Certificate(fs.readFileSync(path.join(REPO, "test", "fixtures", "tls", "example.com.crt")));
        assert.equal(r.cert?.fingerprint256, given.fingerprint256);
        const e = JSON.parse(r.text);
        assert.equal(one(e, "X-Forwarded-Proto"), "https");
        assert.equal(forwardedParse(one(e, "Forwarded"))[0].proto, "https");
    });

    it("gzip: /text is compressed for a client that accepts gzip, not otherwise", async () => {
        const identity = await app.request({ hostname: appHost, path: "/text" });
        assert.equal(identity.headers["content-encoding"], undefined);
        const gz = await app.request({ hostname: appHost, path: "/text", headers: { "Accept-Encoding": "gzip" } });
        assert.equal(gz.headers["content-encoding"], "gzip");
        assert.ok(gz.body.length < identity.body.length / 5, `compressed: ${gz.body.length} of ${identity.body.length} bytes`);
        assert.equal(zlib.gunzipSync(gz.body).toString(), identity.text);
    });

    it("a body over 100 MB is refused 413 from its Content-Length; exactly 100 MB reaches the app", { timeout: 180_000 }, async (t) => {
        const over = await app.streamBody(appHost, "/request", BODY_LIMIT + 1, 8 * MiB);
        t.diagnostic(`100 MB + 1: ${over.status} after ${over.sent} bytes, ${over.ms} ms`);
        assert.equal(over.status, 413);
        const at = await app.streamBody(appHost, "/upload", BODY_LIMIT, BODY_LIMIT);
        assert.equal(at.status, 200, at.text);
        assert.equal(JSON.parse(at.text).bytes, BODY_LIMIT);
    });

    it("request headers: a line of 8 KiB and a head of 64 KiB reach the app; one byte more is refused 4xx", async () => {
        for (const [client, scheme, hostname] of [[app, "http", appHost], [own, "https", OWN]] as const) {
            const port = scheme === "https" ? client.ports.https : client.ports.http;
            const send = (headers: Record<string, string>) => client.request({ scheme, hostname, path: "/request", headers: { Host: `${hostname}:${port}`, Connection: "close", ...headers } } as Req);
            const refused = (status: number, what: string) => assert.ok(status >= 400 && status < 500, `${scheme} ${what}: 4xx, got ${status}`);
            assert.equal((await send({ "X-Long": "a".repeat(8192 - "X-Long: \r\n".length) })).status, 200, `${scheme}: an 8 KiB line`);
            refused((await send({ "X-Long": "a".repeat(8193 - "X-Long: \r\n".length) })).status, "an 8193-byte line");
            assert.equal((await send(fillHead(`${hostname}:${port}`, "/request", 64 * 1024, 4097))).status, 200, `${scheme}: a 64 KiB head`);
            refused((await send(fillHead(`${hostname}:${port}`, "/request", 64 * 1024 + 1, 4097))).status, "a 64 KiB + 1 head");
        }
    });

    // ---- Connections ---------------------------------------------------------------------------------

    it("no hop connects per request: 1,000 GETs over 8 kept-alive client connections reach the pods over a few pooled connections", { timeout: 120_000 }, async (t) => {
        const CLIENTS = 8;
        const REQUESTS = 1_000;
        /** Connections each pod's app accepted so far: asked through the load balancer until every pod answered. */
        const acceptedByPod = async (): Promise<Map<string, number>> => {
            const pods = (await appPods()).map((p) => p.metadata.name as string);
            const seen = new Map<string, number>();
            for (let i = 0; seen.size < pods.length; i++) {
                assert.ok(i < 50, `/connections reached only ${[...seen.keys()].join(", ")} of ${pods.join(", ")}`);
                const c = JSON.parse((await get("/connections")).text);
                seen.set(c.hostname, c.accepted);
            }
            return seen;
        };
        const from = await acceptedByPod();
        const { statuses, clientConnections } = await keepAliveGets(app.ports.http, appHost, "conn", CLIENTS, REQUESTS);
        const to = await acceptedByPod();
        assert.deepEqual([...new Set(statuses)], [200], "every request answered 200");
        const opened = [...to].map(([pod, n]) => n - (from.get(pod) ?? 0));
        t.diagnostic(`${REQUESTS} requests over ${clientConnections} client connections: the pods accepted ${opened.join(" + ")} connections`);
        // 2 load balancer pods of 2 nginx workers each, at most one upstream connection per request in flight.
        assert.ok(opened.reduce((a, b) => a + b, 0) <= 4 * CLIENTS, `the pods accepted ${opened.join(" + ")} connections for ${REQUESTS} requests`);
    });

    // ---- Last: an abrupt pod loss ---------------------------------------------------------------------
    // The kubelet kills the evicted pod at once; for a few seconds after, a request sent on a pooled
    // connection to it can still get 502 (a known gap, issue 12), so nothing runs after this test.

    it("a pod whose /tmp grows past its share of the 1 GiB is evicted by the kubelet and replaced; the app keeps serving", { timeout: 5 * 60_000 }, async (t) => {
        const over = SANDBOX_MOUNTS["/tmp"] + 32 * MiB;
        const r = await write("/tmp/fill", over, true);
        assert.deepEqual({ written: r.written, error: r.error }, { written: over, error: "" }, "a disk-backed emptyDir takes the write; the kubelet measures it");
        const holder = r.hostname;
        const deadline = Date.now() + 180_000;
        let evicted: any;
        while (!evicted) {
            const pod = await kube.request("GET", `${NS}/pods/${holder}`);
            if (pod.status === 200 && pod.body.status.reason === "Evicted") evicted = pod.body;
            else if (pod.status === 404) {
                const events = await kube.list(`${NS}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${holder}`)}`);
                evicted = events.find((e) => e.reason === "Evicted");
            }
            assert.ok(evicted || Date.now() < deadline, `pod ${holder} evicted within 180 s`);
            if (!evicted) await new Promise((res) => setTimeout(res, 1000));
        }
        const message = evicted.status?.message ?? evicted.message;
        t.diagnostic(`eviction: ${message}`);
        assert.match(message, /emptyDir|EmptyDir|ephemeral/i);
        // The other instance serves meanwhile; the Deployment brings the count back.
        assert.equal((await app.request({ hostname: appHost })).status, 200);
        const back = Date.now() + 120_000;
        while ((await appPods()).filter((p) => (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True")).length < 2) {
            assert.ok(Date.now() < back, "2 Ready instances again within 120 s");
            await new Promise((res) => setTimeout(res, 1000));
        }
    });

});
