// `npm pack` makes a package that works in a fresh project (the package is not on the npm registry; the
// README tells users to depend on such a tarball): the tarball is installed into a new temporary
// project with `npm install <tarball>` (its dependencies from the npm registry, or npm's cache), then
//  - a TypeScript program like the README's quick start type-checks against the installed typings;
//  - the same program runs under Pulumi's mocks from the installed files only (the Go source of
//    /cloudengine/init that every app image compiles, schema.json and package.json are read from the
//    package at run time);
//  - the plugin executable pulumi-resource-cloudengine starts and serves on a port.
// Nothing is skipped: no npm, no registry or a failing step fails the test.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";

const execFileAsync = promisify(execFile);

function repoRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "pulumi-resource-cloudengine"))) {
        const up = path.dirname(dir);
        if (up === dir) throw new Error("no repository root");
        dir = up;
    }
    return dir;
}

const ROOT = repoRoot();
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

async function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
    try {
        const { stdout } = await execFileAsync(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });
        return stdout;
    } catch (e) {
        const err = e as { message: string; stdout?: string; stderr?: string };
        throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
    }
}

// Runs the compiled program under Pulumi's mocks, prints what was registered and the outputs as JSON.
const RUN_UNDER_MOCKS = `const pulumi = require("@pulumi/pulumi");
const settings = require("@pulumi/pulumi/runtime/settings");
const registered = [];
// outputs the real providers compute, which the package reads
const state = (a) => {
    switch (a.type) {
        case "docker:index/image:Image": return { ...a.inputs, repoDigest: "sha256:" + "01".repeat(32) };
        case "docker:index/network:Network": case "docker:index/volume:Volume": return { ...a.inputs, name: a.inputs.name ?? a.name + "-generated" };
        default: return { ...a.inputs, value: "generated-" + a.name };
    }
};
pulumi.runtime.setMocks({
    newResource: (a) => { registered.push({ type: a.type, name: a.name, inputs: a.inputs }); return { id: a.name + "-id", state: state(a) }; },
    call: (a) => a.inputs,
}, "fresh", "dev", false);
const program = require("./index.js");
const value = (o) => new Promise((resolve) => o.apply(resolve));
(async () => {
    const url = await value(program.url);
    const stagingUrl = await value(program.stagingUrl);
    await settings.waitForRPCs();
    console.log(JSON.stringify({ installed: require.resolve("pulumi-cloudengine"), url, stagingUrl, registered }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

// An app's code importing the client by its public name; run, it prints the URL it would use.
const APP_USING_CACHE = `import { connectLeanCache, leanCacheUrl } from "pulumi-cloudengine/redis";
export const connect = () => connectLeanCache("CACHE", { env: { REDIS_URL_CACHE: "redis://default:p@cache:6379" }, redis: { lazyConnect: true } });
if (require.main === module) console.log(leanCacheUrl("CACHE", { REDIS_URL_CACHE: "redis://default:p@cache:6379" }), connect().options.host);
`;

describe("npm pack: the tarball works in a fresh project", { timeout: 240_000 }, () => {
    let tmp = "";
    let tarball = "";
    let project = "";

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-npm-pack-"));
        // npm test built bin/ already; --ignore-scripts keeps prepack's build from rewriting bin/ while
        // other test files run from it (a user's `npm pack` builds first)
        const out = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT, 120_000);
        const info = JSON.parse(out)[0] as { filename: string; files: { path: string }[] };
        tarball = path.join(tmp, info.filename);
        assert.ok(fs.existsSync(tarball), tarball);
        project = path.join(tmp, "fresh");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "fresh", private: true, main: "index.js" }, null, 2));
        // the README's quick start program itself (examples/quickstart), as a user would copy it
        fs.copyFileSync(path.join(ROOT, "examples", "quickstart", "index.ts"), path.join(project, "index.ts"));
        fs.writeFileSync(path.join(project, "run.js"), RUN_UNDER_MOCKS);
        fs.cpSync(path.join(ROOT, "examples", "quickstart", "app"), path.join(project, "app"), { recursive: true });
        // an app's own code using the LeanCache client (ioredis is the app's dependency)
        fs.writeFileSync(path.join(project, "app.ts"), APP_USING_CACHE);
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true, types: [] }, files: ["index.ts", "app.ts"] }));
        // the tarball and the same @pulumi/pulumi as the package (what a Pulumi TypeScript project has), and ioredis for app.ts
        await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, `@pulumi/pulumi@${PKG.dependencies["@pulumi/pulumi"]}`, `ioredis@${PKG.devDependencies.ioredis}`], project, 180_000);
    });
    after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

    it("holds what the package needs at run time, and no tests, benches or sources of the build", async () => {
        assert.equal(PKG.scripts.prepack, "npm run build", "a user's npm pack builds bin/ first");
        const files = (await run("tar", ["-tzf", tarball], tmp, 30_000)).split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
        for (const f of ["package.json", "README.md", "schema.json", "pulumi-resource-cloudengine", "bin/provider/index.js", "bin/provider/index.d.ts", "bin/provider/main.js", "provider/runtime/cloudengine-init/go.mod", "provider/runtime/cloudengine-init/main.go"]) {
            assert.ok(files.includes(f), `${f} is in the tarball`);
        }
        assert.deepEqual(files.filter((f) => /^(bin\/(test|bench)|test|bench|scripts|examples|sdk)\//.test(f) || /\.ts$/.test(f) && !f.endsWith(".d.ts")), []);
    });

    it("a quick start program, and an app using pulumi-cloudengine/redis, type-check against the installed package", async () => {
        await run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "."], project, 120_000);
        assert.ok(fs.existsSync(path.join(project, "index.js")));
        assert.equal((await run(process.execPath, ["app.js"], project, 30_000)).trim(), "redis://default:p@cache:6379 cache", "pulumi-cloudengine/redis resolves and connects where REDIS_URL_CACHE says");
    });

    it("runs under Pulumi's mocks from the installed files: the app image embeds /cloudengine/init's source, the gateway's cloudengine-ready's", async () => {
        const out = JSON.parse(await run(process.execPath, ["run.js"], project, 60_000)) as { installed: string; url: string; stagingUrl: string; registered: { type: string; name: string; inputs: any }[] };
        assert.equal(out.installed, path.join(fs.realpathSync(project), "node_modules", "pulumi-cloudengine", "bin", "provider", "index.js"));
        assert.equal(out.url, "http://hello.localhost");
        assert.equal(out.stagingUrl, "http://stg-hello.localhost");
        const types = new Set(out.registered.map((r) => r.type));
        for (const t of ["cloudengine:index:EngineApp", "cloudengine:index:LeanCacheInstance", "cloudengine:index:Domain", "cloudengine:index:EnvGroup", "docker:index/image:Image", "docker:index/container:Container"]) {
            assert.ok(types.has(t), `${t} registered (got ${[...types].join(", ")})`);
        }
        // the app image's Dockerfile carries /cloudengine/init's Go source, the gateway's cloudengine-ready's,
        // read from the package's provider/runtime
        const dockerfileOf = (name: string) => {
            const image = out.registered.find((r) => r.type === "docker:index/image:Image" && r.name === name && typeof r.inputs?.build?.dockerfile === "string");
            assert.ok(image, `an image ${name} with a Dockerfile (got ${out.registered.filter((r) => r.type === "docker:index/image:Image").map((r) => r.name).join(", ")})`);
            return fs.readFileSync(image.inputs.build.dockerfile, "utf8");
        };
        for (const [image, program, files] of [["hello", "cloudengine-init", ["go.mod", "main.go", "health.go"]], ["cloudengine-image", "cloudengine-ready", ["go.mod", "main.go", "supervise.go"]]] as const) {
            const dockerfile = dockerfileOf(image);
            for (const f of files) {
                const source = fs.readFileSync(path.join(ROOT, "provider", "runtime", program, f));
                assert.ok(dockerfile.includes(`'${source.toString("base64")}' | base64 -d > ${f}`), `the ${image} Dockerfile writes ${program}/${f}`);
            }
        }
    });

    it("the plugin executable starts the component provider and serves on a port", async () => {
        const plugin = path.join(project, "node_modules", "pulumi-cloudengine", "pulumi-resource-cloudengine");
        assert.ok(fs.statSync(plugin).mode & 0o111, "pulumi-resource-cloudengine is executable");
        const child = spawn(plugin, [], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                let err = "";
                const timer = setTimeout(() => reject(new Error(`no port within 30 s; stdout: ${out} stderr: ${err}`)), 30_000);
                child.stdout.on("data", (c) => {
                    out += c;
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m) { clearTimeout(timer); resolve(m[1]); }
                });
                child.stderr.on("data", (c) => (err += c));
                child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out} ${err}`)); });
            });
            assert.ok(Number(port) > 0);
        } finally {
            child.kill("SIGTERM");
        }
    });
});
