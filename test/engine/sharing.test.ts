import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { installPackage } from "./programs";
import { assertNoStackTrace, listFiles, pulumi, Ran, REPO, removeSandbox, Sandbox, sandbox } from "./support";

// Sharing a LeanCache instance with an app of another stack through a real StackReference (the real
// engine, the Kubernetes provider in render mode): the owner's stack (TypeScript) exports its instance's
// outputs; the other stack (Pulumi YAML, so through the component provider) attaches it with
// sharedCaches. Its app's rendered environment holds REDIS_URL_<NAME> with the owner's URL, which stays a
// secret in the state and in everything the CLI printed; a network given on Kubernetes fails the preview.

const PASSWORD = "sh4red-across-stacks-0123";
const OWNER_PROJECT = "ce-share-owner";
const PLUGINS = { providers: [{ name: "cloudengine", path: REPO }] };

describe("a LeanCache instance shared with another stack through a StackReference (real engine, render mode)", () => {
    let owner: Sandbox;
    let user: Sandbox;
    const printed: string[] = [];
    // KUBECONFIG would become the provider's kubeconfig, which it refuses beside renderYamlToDirectory.
    const cli = (sb: Sandbox, ...args: string[]): Ran => {
        const r = pulumi(sb, sb.work, ...args, { KUBECONFIG: "" });
        printed.push(r.all);
        return r;
    };
    const ok = (sb: Sandbox, ...args: string[]): Ran => {
        const r = cli(sb, ...args);
        assert.equal(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.all}`);
        return r;
    };
    const rendered = (sb: Sandbox) => path.join(sb.root, "rendered");

    before(() => {
        owner = sandbox("share-owner");
        installPackage(owner);
        fs.writeFileSync(path.join(owner.work, "Pulumi.yaml"), JSON.stringify({ name: OWNER_PROJECT, runtime: "nodejs", main: "index.ts", plugins: PLUGINS }));
        fs.writeFileSync(path.join(owner.work, "index.ts"), [
            `import * as k8s from "@pulumi/kubernetes";`,
            `import * as pulumi from "@pulumi/pulumi";`,
            `import { LeanCacheInstance } from "pulumi-cloudengine";`,
            `const render = new k8s.Provider("render", { renderYamlToDirectory: ${JSON.stringify(rendered(owner))} });`,
            `const sessions = new LeanCacheInstance("sessions", { name: "SESSIONS", password: new pulumi.Config().requireSecret("password") }, { providers: [render] });`,
            `export const sessionsName = sessions.name;`,
            `export const sessionsUrl = sessions.url;`,
        ].join("\n"));
        ok(owner, "stack", "init", "prod");
        ok(owner, "config", "set", "cloudengine:platform", "kubernetes");
        ok(owner, "config", "set", "--secret", "password", PASSWORD);
        ok(owner, "up", "--yes", "--skip-preview");

        user = sandbox("share-user");
        // The owner's backend: a StackReference reads the other stack's outputs there.
        user.env.PULUMI_BACKEND_URL = owner.env.PULUMI_BACKEND_URL;
        fs.writeFileSync(path.join(user.work, "Pulumi.yaml"), JSON.stringify({
            name: "ce-share-user",
            runtime: "yaml",
            plugins: PLUGINS,
            config: { network: { type: "string", default: "" } },
            resources: {
                render: { type: "pulumi:providers:kubernetes", properties: { renderYamlToDirectory: rendered(user) } },
                shop: { type: "pulumi:pulumi:StackReference", properties: { name: `organization/${OWNER_PROJECT}/prod` } },
                admin: {
                    type: "cloudengine:index:EngineApp",
                    properties: {
                        engineImage: "registry.example.com/team/admin:v1",
                        sharedCaches: [{ name: "${shop.outputs[\"sessionsName\"]}", url: "${shop.outputs[\"sessionsUrl\"]}" }],
                    },
                    options: { providers: ["${render}"] },
                },
            },
        }, null, 2));
        ok(user, "stack", "init", "dev");
        ok(user, "config", "set", "cloudengine:platform", "kubernetes");
    });
    after(() => {
        for (const sb of [user, owner]) if (sb) removeSandbox(sb);
    });

    it("the other stack's app receives REDIS_URL_SESSIONS with the owner's URL (the Service's name, reachable from any namespace)", () => {
        ok(user, "up", "--yes", "--skip-preview");
        const secrets = listFiles(rendered(user)).filter((f) => f.endsWith(".yaml")).map((f) => parse(fs.readFileSync(path.join(rendered(user), f), "utf8"))).filter((m) => m.kind === "Secret");
        const urls = secrets.map((s) => s.data?.REDIS_URL_SESSIONS ?? s.stringData?.REDIS_URL_SESSIONS).filter(Boolean).map((v: string) => (v.startsWith("redis://") ? v : Buffer.from(v, "base64").toString("utf8")));
        assert.ok(urls.length > 0, "an env Secret of the app holds REDIS_URL_SESSIONS");
        for (const url of urls) assert.equal(url, `redis://default:${PASSWORD}@cache-sessions.default.svc.cluster.local:6379`);
    });

    it("the URL stays a secret: not in either stack's state or anything the CLI printed", () => {
        for (const sb of [owner, user]) assert.ok(!ok(sb, "stack", "export").stdout.includes(PASSWORD), `${path.basename(sb.root)}: the password is not in the state`);
        assert.ok(!printed.join("\n").includes(PASSWORD), "the password is not in the CLI's output");
    });

    it("a second preview changes nothing; a network given on Kubernetes fails the preview with the field named", () => {
        const preview = ok(user, "preview", "--json");
        // The StackReference is read again each time ("read"): not a change.
        assert.deepEqual((JSON.parse(preview.stdout).steps ?? []).filter((s: { op: string }) => s.op !== "same" && s.op !== "read").map((s: { op: string; urn: string }) => `${s.op} ${s.urn}`), []);
        const yaml = JSON.parse(fs.readFileSync(path.join(user.work, "Pulumi.yaml"), "utf8"));
        yaml.resources.admin.properties.sharedCaches[0].network = "shop-prod-cloudengine";
        fs.writeFileSync(path.join(user.work, "Pulumi.yaml"), JSON.stringify(yaml, null, 2));
        const refused = cli(user, "preview");
        assert.notEqual(refused.status, 0);
        assert.match(refused.all, /cloudengine:index:EngineApp "admin": invalid sharedCaches\.0\.network: got "shop-prod-cloudengine"; allowed: no network on Kubernetes/);
        assertNoStackTrace(refused.all);
    });
});
