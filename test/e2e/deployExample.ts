// `npm run example` on a machine without the Pulumi Docker provider plugin: deploys
// examples/quickstart on the local Docker engine through the e2e harness (the program runs under
// Pulumi's mocks; every Docker resource is created for real), then asks the app for a page.
// The default gateway listens on 127.0.0.1:8080/8443 (stack config cloudengine:gateway).
// The deployment stays up until the next e2e run sweeps it, or `--destroy`.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { DockerHarness, ensureEngine, eventually, httpRequest, repoRoot } from "./harness";

const Module = require("module");
const HTTP_PORT = 8080;
const HTTPS_PORT = 8443;

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
    await ensureEngine();
    const harness = new DockerHarness({ stack: "quickstart", log: (line) => console.log(line) });
    if (process.argv.includes("--destroy")) {
        await harness.up(() => undefined); // claims the stack and removes what an earlier deploy left
        await harness.destroy();
        console.log("quickstart removed");
        return;
    }
    const program = loadExample(path.join(repoRoot(), "examples", "quickstart", "index.ts"));
    const result = await harness.up(program, { config: { "cloudengine:gateway": JSON.stringify({ listenAddress: "127.0.0.1", httpPort: HTTP_PORT, httpsPort: HTTPS_PORT }) } });
    console.log("outputs:", JSON.stringify(result.outputs, null, 2));
    const page = await eventually(async () => {
        const res = await httpRequest(`http://127.0.0.1:${HTTP_PORT}/`, { host: "hello.localhost", timeoutMs: 10_000 });
        if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
        return res.body;
    }, { timeoutMs: 60_000 });
    console.log(`curl -H 'Host: hello.localhost' http://127.0.0.1:${HTTP_PORT}/  →  ${page.trim()}`);
}

main().catch((err) => {
    console.error(`deploy-example: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
});
