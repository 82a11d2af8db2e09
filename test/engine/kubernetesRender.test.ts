import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { installPackage } from "./programs";
import { listFiles, pulumi, pulumiOk, REPO, removeSandbox, Sandbox, sandbox } from "./support";

// The Kubernetes platform through the real engine and the real Kubernetes provider plugin (issue 10),
// in render mode: a program with every component, in TypeScript and in YAML (through the component
// provider, which hands the Kubernetes provider to the components' children), writes its manifests.
// Previews must be exact: an unchanged program previews no change, one changed variable updates
// exactly the app, its Deployments and its env Secrets, and no secret is in the state.

const TOKEN = "t0ken-render-5e1f";
const PLUGINS = { providers: [{ name: "cloudengine", path: REPO }] };

/** The TypeScript program (programs/kubernetes-render/index.ts) as a user's project. */
function typescriptProject(sb: Sandbox): void {
    installPackage(sb);
    fs.copyFileSync(path.join(REPO, "test", "engine", "programs", "kubernetes-render", "index.ts"), path.join(sb.work, "index.ts"));
    fs.writeFileSync(path.join(sb.work, "package.json"), JSON.stringify({ name: "ce-k8s-render", private: true }));
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({ name: "ce-k8s-render", runtime: "nodejs", main: "index.ts", plugins: PLUGINS }));
}

/** The same program in Pulumi YAML: the components come from the cloudengine plugin. */
function yamlProject(sb: Sandbox): void {
    const opts = { providers: ["${render}"] };
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({
        name: "ce-k8s-render",
        runtime: "yaml",
        plugins: PLUGINS,
        config: { renderDir: { type: "string" }, token: { type: "string", secret: true }, mode: { type: "string", default: "a" } },
        resources: {
            render: { type: "pulumi:providers:kubernetes", properties: { renderYamlToDirectory: "${renderDir}" } },
            shared: { type: "cloudengine:index:EnvGroup", properties: { variables: { FEATURE: "on" }, secrets: { TOKEN: "${token}" } }, options: opts },
            sessions: { type: "cloudengine:index:LeanCacheInstance", properties: { capacity: "256M" }, options: opts },
            web: { type: "cloudengine:index:EngineApp", properties: { engineImage: "registry.example.com/team/web:v1", instances: 2, stagingInstances: 1, caches: ["${sessions}"], envGroups: ["${shared}"], variables: { MODE: "${mode}" } }, options: opts },
            shop: { type: "cloudengine:index:Domain", properties: { app: "${web}", hostname: "shop.example.com", tls: {} }, options: opts },
        },
        outputs: { url: "${web.url}", stagingUrl: "${web.stagingUrl}", domainUrl: "${shop.url}", cacheEnv: "${sessions.envName}", groupNames: "${shared.names}" },
    }, null, 2));
}

/** "<op> <type> <name>" of every step a preview printed (+, ~, +-, ++, --, -). */
function steps(text: string): string[] {
    return [...text.matchAll(/^\s*(\+\+|\+-|--|\+|~|-)\s+(\S+:\S+)\s+(\S+)\s+(create replacement|replace|delete original|create|update|delete)\b/gm)].map((m) => `${m[4]} ${m[2]} ${m[3]}`).sort();
}

for (const [language, writeProject] of [["TypeScript", typescriptProject], ["YAML", yamlProject]] as const) {
    let sb: Sandbox;
    let rendered: string;

    const run = (...args: string[]) => pulumiOk(sb, sb.work, ...args, "--stack", "dev");

    describe(`the Kubernetes platform through the real engine and Kubernetes provider, rendered (${language})`, () => {
        before(() => {
            sb = sandbox(`k8s-render-${language.toLowerCase()}`);
            rendered = path.join(sb.root, "rendered");
            writeProject(sb);
            pulumiOk(sb, sb.work, "stack", "init", "dev");
            run("config", "set", "cloudengine:platform", "kubernetes");
            run("config", "set", "renderDir", rendered);
            run("config", "set", "--secret", "token", TOKEN);
        });
        after(() => removeSandbox(sb));

        it("preview then up render every object; the outputs are the program's", () => {
            const preview = run("preview");
            assert.match(preview.stdout, /\+ (\d+) to create/);
            run("up", "--yes", "--skip-preview");
            const outputs = JSON.parse(run("stack", "output", "--json").stdout);
            assert.deepEqual(outputs, {
                url: "http://web.localhost",
                stagingUrl: "http://stg-web.localhost",
                domainUrl: "https://shop.example.com",
                cacheEnv: "REDIS_URL_sessions",
                groupNames: ["FEATURE", "TOKEN"],
            });
            const kinds = listFiles(rendered).map((f) => path.basename(f).replace(/-default-.*$/, "")).sort();
            for (const kind of ["apps_v1-deployment", "apps_v1-statefulset", "v1-secret", "v1-service", "v1-configmap"]) assert.ok(kinds.includes(kind), `a rendered ${kind} in ${kinds.join(", ")}`);
            const names = listFiles(rendered).map((f) => path.basename(f));
            for (const name of ["app-web-production", "app-web-stage", "cache-sessions"]) assert.ok(names.some((n) => n.includes(`-${name}`)), `${name} rendered: ${names.join(", ")}`);
        });

        // Not yet after `pulumi refresh`: the Kubernetes provider reads live objects on refresh, also in
        // render mode, and fails without a cluster ("failed to read resource state due to unreachable
        // cluster"); that needs the API server the project builds (issue 10, still open).
        it("an unchanged program previews no change", () => {
            const again = run("preview").stdout;
            assert.deepEqual(steps(again), []);
            assert.match(again, /\d+ unchanged/);
        });

        it("one changed variable: the EngineApp and its Deployments update, its env Secrets are replaced create-first; nothing else", () => {
            run("config", "set", "mode", "b");
            const preview = run("preview").stdout;
            assert.deepEqual(steps(preview), [
                "create replacement kubernetes:core/v1:Secret web-production-env",
                "create replacement kubernetes:core/v1:Secret web-stage-env",
                "delete original kubernetes:core/v1:Secret web-production-env",
                "delete original kubernetes:core/v1:Secret web-stage-env",
                "replace kubernetes:core/v1:Secret web-production-env",
                "replace kubernetes:core/v1:Secret web-stage-env",
                "update cloudengine:index:EngineApp web",
                "update kubernetes:apps/v1:Deployment web-production",
                "update kubernetes:apps/v1:Deployment web-stage",
            ].sort());
            run("up", "--yes", "--skip-preview");
            assert.deepEqual(steps(run("preview").stdout), []);
        });

        // Not yet: a new capacity or eviction policy must update the cache in place, and today the
        // StatefulSet is replaced create-first (issue 10, still open).

        it("the state holds no secret in plaintext (the rendered files do, as render mode writes Secrets)", () => {
            const state = run("stack", "export").stdout;
            assert.ok(!state.includes(TOKEN), "the env-group secret is not in the state");
            // Every value a rendered Secret holds that is a secret in the program: master keys, the group's
            // secret, the cache URL and password, the TLS key (the app key is plain by design).
            const secretKey = /MASTER_KEY|^TOKEN$|^REDIS_URL_|pass|auth|tls\.key|\.conf$/i;
            let checked = 0;
            for (const f of listFiles(rendered).map((name) => path.join(rendered, name))) {
                const text = fs.readFileSync(f, "utf8");
                if (!/^kind: Secret$/m.test(text)) continue;
                for (const [, key, value] of text.matchAll(/^ {2}(\S+): (\S+)$/gm)) {
                    if (!secretKey.test(key)) continue;
                    const decoded = Buffer.from(value, "base64").toString("utf8");
                    assert.ok(!state.includes(value) && !state.includes(decoded), `${key} of ${path.basename(f)} is in the state`);
                    checked++;
                }
            }
            assert.ok(checked >= 5, `secret values checked: ${checked}`);
        });

        it("destroy removes everything; a final preview creates everything again", () => {
            run("destroy", "--yes");
            const resources = JSON.parse(run("stack", "export").stdout).deployment.resources ?? [];
            assert.deepEqual(resources.filter((r: { type: string }) => !r.type.startsWith("pulumi:")), []);
            assert.deepEqual(listFiles(rendered).filter((f) => f.endsWith(".yaml")), []);
            assert.ok(!pulumi(sb, sb.work, "preview", "--stack", "dev").all.includes(" unchanged"));
        });
    });
}
