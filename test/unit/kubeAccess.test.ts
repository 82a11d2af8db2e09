import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { kubeAccess } from "../../provider/platform/kubernetes/kubeAccess";

// Which API server and credentials the package's live calls use: resolved from a kubeconfig as the
// Kubernetes provider and kubectl resolve them.

const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");

function kubeconfig(o: { current?: string; clusters?: any[]; users?: any[]; contexts?: any[] }) {
    return stringify({ apiVersion: "v1", kind: "Config", "current-context": o.current, clusters: o.clusters ?? [], users: o.users ?? [], contexts: o.contexts ?? [] });
}

describe("kubeAccess: the cluster of a kubeconfig", () => {
    let dir: string;
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-access-"));
        delete process.env.KUBERNETES_SERVICE_HOST;
    });
    after(() => {
        for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const two = kubeconfig({
        current: "dev",
        clusters: [
            { name: "a", cluster: { server: "https://a.example:6443", "certificate-authority-data": CA.toString("base64") } },
            { name: "b", cluster: { server: "https://b.example", "insecure-skip-tls-verify": true } },
        ],
        users: [{ name: "alice", user: { token: "alice-token" } }, { name: "bob", user: { token: "bob-token" } }],
        contexts: [{ name: "dev", context: { cluster: "a", user: "alice" } }, { name: "prod", context: { cluster: "b", user: "bob" } }],
    });

    it("given contents: the current context's server, CA and token; another context when named", () => {
        const dev = kubeAccess({ kubeconfig: two });
        assert.deepEqual([dev.server.href, dev.ca, dev.insecure, dev.token], ["https://a.example:6443/", CA, false, "alice-token"]);
        const prod = kubeAccess({ kubeconfig: two, context: "prod" });
        assert.deepEqual([prod.server.href, prod.ca, prod.insecure, prod.token], ["https://b.example/", undefined, true, "bob-token"]);
        assert.throws(() => kubeAccess({ kubeconfig: two, context: "staging" }), /^Error: the kubeconfig has no context staging$/);
    });

    it("KUBECONFIG's files merged (the first that names a thing wins); files named relative to their kubeconfig", () => {
        fs.mkdirSync(path.join(dir, "creds"), { recursive: true });
        fs.writeFileSync(path.join(dir, "creds", "token"), "file-token\n");
        fs.writeFileSync(path.join(dir, "creds", "client.crt"), "CERT");
        fs.writeFileSync(path.join(dir, "creds", "client.key"), "KEY");
        fs.writeFileSync(path.join(dir, "ca.crt"), CA);
        const first = path.join(dir, "first.yaml");
        const second = path.join(dir, "second.yaml");
        fs.writeFileSync(first, kubeconfig({
            current: "local",
            users: [{ name: "u", user: { tokenFile: "creds/token" } }],
            contexts: [{ name: "local", context: { cluster: "c", user: "u" } }, { name: "certs", context: { cluster: "c", user: "cert-user" } }],
        }));
        fs.writeFileSync(second, kubeconfig({
            current: "ignored",
            clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443", "certificate-authority": "ca.crt" } }],
            users: [{ name: "u", user: { token: "shadowed" } }, { name: "cert-user", user: { "client-certificate": "creds/client.crt", "client-key": "creds/client.key" } }],
        }));
        process.env.KUBECONFIG = [first, path.join(dir, "missing.yaml"), second].join(path.delimiter);
        const local = kubeAccess();
        assert.deepEqual([local.server.host, local.ca, local.token], ["127.0.0.1:6443", CA, "file-token"]);
        const certs = kubeAccess({ context: "certs" });
        assert.deepEqual([certs.token, certs.cert?.toString(), certs.key?.toString()], [undefined, "CERT", "KEY"]);
        assert.throws(() => kubeAccess({ kubeconfig: second }), /^Error: the kubeconfig has no context ignored$/, "a path given: that file alone, not KUBECONFIG");
    });

    it("an exec credential plugin's token (cloud clusters' get-token commands)", () => {
        const plugin = kubeconfig({
            current: "cloud",
            clusters: [{ name: "c", cluster: { server: "https://cloud.example" } }],
            users: [{ name: "u", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: ["-e", "console.log(JSON.stringify({ status: { token: 'from-' + process.env.PLUGIN_WHO } }))"], env: [{ name: "PLUGIN_WHO", value: "plugin" }] } } }],
            contexts: [{ name: "cloud", context: { cluster: "c", user: "u" } }],
        });
        assert.equal(kubeAccess({ kubeconfig: plugin }).token, "from-plugin");
    });

    it("nothing to go on: an error that says what to set", () => {
        process.env.KUBECONFIG = "";
        process.env.HOME = dir; // no ~/.kube/config there
        assert.throws(() => kubeAccess(), /^Error: no kubeconfig: set KUBECONFIG, write ~\/\.kube\/config, or set cloudengine:kubernetes\.kubeconfig$/);
        assert.throws(() => kubeAccess({ kubeconfig: path.join(dir, "nope.yaml") }), /^Error: the kubeconfig .*nope\.yaml does not exist$/);
        assert.throws(() => kubeAccess({ kubeconfig: kubeconfig({ clusters: [] }) }), /^Error: the kubeconfig has no current-context: set cloudengine:kubernetes\.context$/);
    });
});

