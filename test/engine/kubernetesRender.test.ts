import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { manifestOf, kubernetesObjects, quantityBytes } from "../kubernetesObjects";
import { DYNAMIC_CACHE_NODES, DYNAMIC_VOLUME_SIZE, run as runUnderMocks } from "../mocks";
import { installPackage, withPythonRuntimeTracebacksOnly } from "./programs";
import { assertNoStackTrace, listFiles, previewChanges, pulumi, pythonWithSdk, Ran, REPO, removeSandbox, Sandbox, sandbox } from "./support";

// The Kubernetes platform through the real engine and the real Kubernetes provider plugin (issue 10),
// in render mode: a program with every component, in TypeScript, in Python (the generated SDK) and in
// YAML (both through the component provider, which hands the Kubernetes provider to the components'
// children), writes its manifests, which are the objects the unit tests see under mocks. Previews must
// be exact: an unchanged program previews no change (also after a refresh), one changed variable
// updates exactly the app, its Deployments and its env Secrets, a new cache capacity or eviction
// policy updates the cache in place, bad arguments fail before anything is made, and no secret is in
// the state or in anything the CLI printed.

const TOKEN = "t0ken-render-5e1f";
const PLUGINS = { providers: [{ name: "cloudengine", path: REPO }] };

/** The TypeScript program (programs/kubernetes-render/index.ts) as a user's project. */
function typescriptProject(sb: Sandbox): void {
    installPackage(sb);
    fs.copyFileSync(path.join(REPO, "test", "engine", "programs", "kubernetes-render", "index.ts"), path.join(sb.work, "index.ts"));
    fs.writeFileSync(path.join(sb.work, "package.json"), JSON.stringify({ name: "ce-k8s-render", private: true }));
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({ name: "ce-k8s-render", runtime: "nodejs", main: "index.ts", plugins: PLUGINS }));
}

/** The same program in Python, through the generated SDK (sdk/python) and pulumi_kubernetes. */
function pythonProject(sb: Sandbox): void {
    fs.copyFileSync(path.join(REPO, "test", "engine", "programs", "kubernetes-render", "__main__.py"), path.join(sb.work, "__main__.py"));
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({ name: "ce-k8s-render", runtime: "python", plugins: PLUGINS }));
}

/** The same program in Pulumi YAML: the components come from the cloudengine plugin. */
function yamlProject(sb: Sandbox): void {
    const opts = { providers: ["${render}"] };
    fs.writeFileSync(path.join(sb.work, "Pulumi.yaml"), JSON.stringify({
        name: "ce-k8s-render",
        runtime: "yaml",
        plugins: PLUGINS,
        config: {
            renderDir: { type: "string" },
            token: { type: "string", secret: true },
            mode: { type: "string", default: "a" },
            capacity: { type: "string", default: "256M" },
            eviction: { type: "string", default: "volatile-lru" },
        },
        resources: {
            render: { type: "pulumi:providers:kubernetes", properties: { renderYamlToDirectory: "${renderDir}" } },
            shared: { type: "cloudengine:index:EnvGroup", properties: { variables: { FEATURE: "on" }, secrets: { TOKEN: "${token}" } }, options: opts },
            sessions: { type: "cloudengine:index:LeanCacheInstance", properties: { capacity: "${capacity}", evictionPolicy: "${eviction}" }, options: opts },
            web: { type: "cloudengine:index:EngineApp", properties: { engineImage: "registry.example.com/team/web:v1", instances: 2, stagingInstances: 1, caches: ["${sessions}"], envGroups: ["${shared}"], variables: { MODE: "${mode}" } }, options: opts },
            shop: { type: "cloudengine:index:Domain", properties: { app: "${web}", hostname: "shop.example.com", tls: {} }, options: opts },
        },
        outputs: { url: "${web.url}", stagingUrl: "${web.stagingUrl}", domainUrl: "${shop.url}", cacheEnv: "${sessions.envName}", groupNames: "${shared.names}" },
    }, null, 2));
}

/**
 * "<op> <type> <name>" of every change of a `preview --json` (the engine's steps, not the display's lines),
 * named as the CLI displays them: a replacement is one "replace" step there, and three lines on screen.
 */
function steps(ran: Ran): string[] {
    assert.equal(ran.status, 0, ran.all);
    return previewChanges(ran)
        .flatMap((c: string) => {
            const [op, ...rest] = c.split(" ");
            const ops = op === "replace" ? ["create replacement", "delete original", "replace"] : [op];
            return ops.map((o) => [o, ...rest].join(" "));
        })
        .sort();
}

/** The program under Pulumi's mocks, as the unit tests run it (the same components and arguments). */
async function objectsUnderMocks(): Promise<Record<string, unknown>[]> {
    const registered = await runUnderMocks(() => {
        const shared = new EnvGroup("shared", { variables: { FEATURE: "on" }, secrets: { TOKEN } });
        const cache = new LeanCacheInstance("sessions", { capacity: "256M", evictionPolicy: "volatile-lru" });
        const web = new EngineApp("web", { engineImage: "registry.example.com/team/web:v1", instances: 2, stagingInstances: 1, caches: [cache], envGroups: [shared], variables: { MODE: "a" } });
        new Domain("shop", { app: web, hostname: "shop.example.com", tls: {} });
    }, { config: { "cloudengine:platform": "kubernetes" }, project: "ce-k8s-render", stack: "dev" });
    return kubernetesObjects(registered).map(manifestOf);
}

/**
 * A manifest with what differs between runs made comparable: content digests in names and
 * annotations (of generated passwords and certificates), the values of Secrets (keys are kept), the
 * namespace the provider fills in, and quantities (the provider writes them canonically: 1024Mi as 1Gi).
 */
function comparable(manifest: any): any {
    const walk = (v: any): any => {
        if (typeof v === "string" && /^\d+(Ki|Mi|Gi)$/.test(v)) return `${quantityBytes(v)} bytes`;
        if (typeof v === "string") return v.replace(/-[0-9a-f]{10}$/, "-<digest>").replace(/^[0-9a-f]{16}$/, "<digest>");
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
    };
    const { metadata, ...rest } = manifest;
    const { namespace: _namespace, ...meta } = metadata;
    if (manifest.kind === "Secret") {
        const keys = Object.keys({ ...manifest.data, ...manifest.stringData }).sort();
        return walk({ kind: manifest.kind, metadata: meta, type: manifest.type, keys });
    }
    return walk({ ...rest, metadata: meta });
}

const key = (m: any) => `${m.kind}/${comparable(m).metadata.name}`;

/** The steps of a preview of a new capacity or eviction policy (`volume`: a larger volume too), sorted. */
function cacheSteps(language: string, volume: boolean): string[] {
    const volumeSizeType = language === "TypeScript" ? DYNAMIC_VOLUME_SIZE : "cloudengine:index:VolumeSize";
    const cacheNodesType = language === "TypeScript" ? DYNAMIC_CACHE_NODES : "cloudengine:index:CacheNodes";
    return [
        // No new ConfigMap: the memory settings are in the nodes' pod annotation, changed in place.
        "update cloudengine:index:LeanCacheInstance sessions",
        // Both nodes of the (highly available) instance; the Sentinels and the endpoint are not touched.
        "update kubernetes:apps/v1:StatefulSet sessions",
        "update kubernetes:apps/v1:StatefulSet sessions-1",
        `update ${cacheNodesType} sessions-nodes`,
        ...(volume
            ? [
                `update ${volumeSizeType} sessions-volume-size`,
                `update ${volumeSizeType} sessions-1-volume-size`,
                "update kubernetes:core/v1:PersistentVolumeClaim sessions-data",
                "update kubernetes:core/v1:PersistentVolumeClaim sessions-1-data",
            ]
            : []),
    ].sort();
}

const LANGUAGES = [["TypeScript", typescriptProject], ["Python", pythonProject], ["YAML", yamlProject]] as const;

for (const [language, writeProject] of LANGUAGES) {
    let sb: Sandbox;
    let rendered: string;
    let env: NodeJS.ProcessEnv;
    /** Everything the CLI printed in this language's tests. */
    const printed: string[] = [];

    const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Ran => {
        const r = pulumi(sb, sb.work, ...args, "--stack", "dev", { ...env, ...extraEnv });
        printed.push(r.all);
        return r;
    };
    const run = (...args: string[]): Ran => {
        const r = cli(args);
        assert.equal(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.all}`);
        return r;
    };
    const renderedManifests = (): any[] => listFiles(rendered).filter((f) => f.endsWith(".yaml")).map((f) => parse(fs.readFileSync(path.join(rendered, f), "utf8")));
    /** The rendered claim's size in MiB (the provider writes quantities in their canonical form: 1Gi). */
    const renderedClaimMiB = () => quantityBytes(renderedManifests().find((m) => m.kind === "PersistentVolumeClaim" && m.metadata.name === "cache-sessions-data").spec.resources.requests.storage) / 2 ** 20;

    describe(`the Kubernetes platform through the real engine and Kubernetes provider, rendered (${language})`, () => {
        before(() => {
            sb = sandbox(`k8s-render-${language.toLowerCase()}`);
            // KUBECONFIG would become the provider's kubeconfig, which it refuses beside renderYamlToDirectory.
            env = { KUBECONFIG: "", ...(language === "Python" ? { PULUMI_PYTHON_CMD: pythonWithSdk() } : {}) };
            rendered = path.join(sb.root, "rendered");
            writeProject(sb);
            run("stack", "init");
            run("config", "set", "cloudengine:platform", "kubernetes");
            run("config", "set", "renderDir", rendered);
            run("config", "set", "--secret", "token", TOKEN);
        });
        after(() => removeSandbox(sb));

        it("invalid arguments fail the preview and the update with the package's error, no stack trace, nothing made", () => {
            run("config", "set", "capacity", "300M");
            for (const command of [["preview"], ["up", "--yes", "--skip-preview"]]) {
                const r = cli(command);
                assert.notEqual(r.status, 0, `${command[0]} must fail:\n${r.all}`);
                assert.match(r.all, /cloudengine:index:LeanCacheInstance "sessions": invalid capacity: got "300M"; allowed: one of "128M", "256M", "512M", "1G", "2G", "4G", "8G"/);
                // The Python SDK prints tracebacks of its own when the engine cancels the program (see
                // withPythonRuntimeTracebacksOnly); none may hold a frame of the program or of the package.
                assertNoStackTrace(language === "Python" ? withPythonRuntimeTracebacksOnly(r.all) : r.all);
            }
            const resources = JSON.parse(run("stack", "export").stdout).deployment.resources ?? [];
            assert.deepEqual(resources.filter((r: { type: string }) => r.type.startsWith("kubernetes:")), [], "no Kubernetes object in the state");
            assert.deepEqual(fs.existsSync(rendered) ? listFiles(rendered) : [], [], "no manifest written");
            run("config", "rm", "capacity");
        });

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
            const names = listFiles(rendered).map((f) => path.basename(f));
            for (const name of ["app-web-production", "app-web-stage", "cache-sessions"]) assert.ok(names.some((n) => n.includes(`-${name}`)), `${name} rendered: ${names.join(", ")}`);
        });

        it("the rendered manifests are the objects the unit tests see under mocks: kinds, names, probes, sandbox, env Secrets", async () => {
            const expected = new Map((await objectsUnderMocks()).map((m) => [key(m), comparable(m)]));
            const manifests = renderedManifests();
            const actual = new Map(manifests.map((m) => [key(m), comparable(m)]));
            assert.equal(actual.size, manifests.length, "one rendered file per object");
            assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
            for (const [k, manifest] of actual) assert.deepEqual(manifest, expected.get(k), k);
            const kinds = new Set([...actual.keys()].map((k) => k.split("/")[0]));
            for (const kind of ["Deployment", "StatefulSet", "Secret", "Service", "ConfigMap", "PersistentVolumeClaim"]) assert.ok(kinds.has(kind), `a rendered ${kind}`);
        });

        it("an unchanged program previews no change, also after a refresh (which keeps the rendered state)", () => {
            assert.deepEqual(steps(run("preview", "--json")), []);
            // Render mode has no cluster to read: the provider refuses a plain refresh and keeps the state
            // as it is with its skip switch (see the README).
            const plain = cli(["refresh", "--yes"]);
            assert.notEqual(plain.status, 0);
            assert.match(plain.all, /failed to read resource state due to unreachable cluster/);
            const refreshed = cli(["refresh", "--yes"], { PULUMI_K8S_SKIP_UPDATE_UNREACHABLE: "true" });
            assert.equal(refreshed.status, 0, refreshed.all);
            assert.doesNotMatch(refreshed.stdout, /\d+ (updated|deleted|created)/);
            const again = run("preview", "--json");
            assert.deepEqual(steps(again), []);
            assert.ok(JSON.parse(again.stdout).steps.some((step: { op: string }) => step.op === "same"), "the resources are there, unchanged");
        });

        it("one changed variable: the EngineApp and its Deployments update, its env Secrets are replaced create-first; nothing else", () => {
            run("config", "set", "mode", "b");
            assert.deepEqual(steps(run("preview", "--json")), [
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
            assert.deepEqual(steps(run("preview", "--json")), []);
        });

        it("a new capacity or eviction policy updates the cache in place; the volume grows and never shrinks", () => {
            assert.equal(renderedClaimMiB(), 1024);
            run("config", "set", "capacity", "512M");
            assert.deepEqual(steps(run("preview", "--json")), cacheSteps(language, true));
            const claim = JSON.parse(run("preview", "--json").stdout).steps.find((step: { urn: string }) => step.urn.endsWith("::sessions-data"));
            assert.equal(claim?.newState?.inputs?.spec?.resources?.requests?.storage, "1536Mi", "the preview shows the new size, not an unknown value");
            run("up", "--yes", "--skip-preview");
            assert.equal(renderedClaimMiB(), 1536);
            run("config", "set", "eviction", "allkeys-lru");
            assert.deepEqual(steps(run("preview", "--json")), cacheSteps(language, false));
            run("up", "--yes", "--skip-preview");
            run("config", "set", "capacity", "256M");
            assert.deepEqual(steps(run("preview", "--json")), cacheSteps(language, false), "a smaller capacity keeps the volume");
            run("up", "--yes", "--skip-preview");
            assert.equal(renderedClaimMiB(), 1536);
            const nodes = renderedManifests().filter((m) => m.kind === "StatefulSet" && /^cache-sessions(-1)?$/.test(m.metadata.name));
            assert.equal(nodes.length, 2);
            for (const node of nodes) {
                assert.equal(node.spec.template.metadata.annotations["cloudengine.io/redis-memory"], "maxmemory 268435456\nmaxmemory-policy allkeys-lru\n");
                assert.deepEqual(node.spec.template.spec.containers[0].resources.limits, { memory: "640Mi" });
                assert.equal(node.spec.updateStrategy.type, "OnDelete");
            }
            assert.deepEqual(steps(run("preview", "--json")), []);
        });

        it("the state and everything the CLI printed hold no secret in plaintext (the rendered files do, as render mode writes Secrets)", () => {
            const state = run("stack", "export").stdout;
            const output = printed.join("\n");
            assert.ok(!state.includes(TOKEN) && !output.includes(TOKEN), "the env-group secret is in neither");
            // Every value a rendered Secret holds that is a secret in the program: master keys, the group's
            // secret, the cache URL and password, the TLS key (the app key is plain by design).
            const secretKey = /MASTER_KEY|^TOKEN$|^REDIS_URL_|pass|auth|tls\.key|\.conf$/i;
            let checked = 0;
            for (const manifest of renderedManifests().filter((m) => m.kind === "Secret")) {
                for (const [k, value] of Object.entries<string>(manifest.data ?? {})) {
                    if (!secretKey.test(k)) continue;
                    const decoded = Buffer.from(value, "base64").toString("utf8");
                    for (const [where, text] of [["state", state], ["CLI output", output]]) {
                        assert.ok(!text.includes(value) && !text.includes(decoded), `${k} of Secret ${manifest.metadata.name} is in the ${where}`);
                    }
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
            assert.ok(!cli(["preview"]).all.includes(" unchanged"));
        });
    });
}
