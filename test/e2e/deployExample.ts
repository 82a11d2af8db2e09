// `npm run example` on a machine without the Pulumi Docker provider plugin: deploys
// examples/quickstart on the local Docker engine through the e2e harness (the program runs under
// Pulumi's mocks; every Docker resource is created for real), then asks the app for a page.
// The program gets the stack config `pulumi up` would give it (examples/quickstart/Pulumi.dev.yaml, then
// Pulumi.yaml), so the default gateway listens where cloudengine:gateway says.
// The deployment stays up until the next e2e run sweeps it, or `--destroy`.
import Docker from "dockerode";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { readExampleConfig } from "./exampleConfig";
import { DockerHarness, ensureEngine, eventually, httpRequest, repoRoot } from "./harness";

const Module = require("module");
const STACK = "dev";

/** Loads the example's index.ts with "pulumi-cloudengine" resolved to this checkout's build. */
function loadExample(file: string): () => unknown {
    const originalResolve = Module._resolveFilename;
    Module._resolveFilename = function (request: string, ...rest: unknown[]) {
        if (request === "pulumi-cloudengine") return path.join(repoRoot(), "bin", "provider", "index.js");
        return originalResolve.call(this, request, ...rest);
    };
    const source = ts.transpileModule(fs.readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    return () => {
        const mod = new Module(file, module);
        mod.filename = file;
        mod.paths = Module._nodeModulePaths(path.dirname(file));
        const cwd = process.cwd();
        process.chdir(path.dirname(file)); // the program's paths (./app) are relative to its directory, as under pulumi
        try {
            mod._compile(source, file);
        } finally {
            process.chdir(cwd);
        }
        return { ...mod.exports };
    };
}

async function main(): Promise<void> {
    const projectDir = path.join(repoRoot(), "examples", "quickstart");
    if (process.argv.includes("--destroy")) {
        console.log("run-quickstart: removing the quick start (the e2e harness's stack \"quickstart\") from the local Docker engine");
        await new Docker().ping().catch((err) => {
            throw new Error(`no Docker engine answers (${err instanceof Error ? err.message : err}): nothing to remove`);
        });
        let removed = "";
        // up of an empty program: claims the stack, removing what the earlier deploy left; then destroy
        const harness = new DockerHarness({ stack: "quickstart", log: (line) => { if (line.startsWith("removed ")) removed = line; } });
        await harness.up(() => undefined);
        await harness.destroy();
        console.log(removed ? `run-quickstart: ${removed}` : "run-quickstart: nothing was deployed; nothing to remove");
        return;
    }
    const settings = readExampleConfig(projectDir, STACK);
    console.log(`run-quickstart: stack config from examples/quickstart/${settings.sources.join(" and ") || "(none: the Gateway defaults)"}: gateway on ${settings.address}:${settings.httpPort} (HTTP) and :${settings.httpsPort} (HTTPS)`);
    await ensureEngine((line) => console.log(line));
    const harness = new DockerHarness({ stack: "quickstart", log: (line) => console.log(line) });
    const program = loadExample(path.join(projectDir, "index.ts"));
    const result = await harness.up(program, { config: settings.config });
    console.log("outputs:", JSON.stringify(result.outputs, null, 2));
    const host = `hello.${settings.domain}`;
    const url = `http://${settings.address}:${settings.httpPort}/`;
    const page = await eventually(async () => {
        const res = await httpRequest(url, { host, timeoutMs: 10_000 });
        if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
        return res.body;
    }, { timeoutMs: 60_000 });
    console.log(`curl -H 'Host: ${host}' ${url}  →  ${page.trim()}`);
    console.log("remove it with: npm run example -- --destroy");
}

main().catch((err) => {
    console.error(`deploy-example: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
});
