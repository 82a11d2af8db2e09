import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { it } from "node:test";
import { PACKAGE_VERSION, PULUMI_VERSION, REPO, requireToolchain } from "./support";

// Runs first: prints what the engine tests run with.
it("prints the engine, plugin and language host versions", () => {
    const t = requireToolchain();
    const cli = spawnSync(path.join(t.bin, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "1" } });
    assert.equal(cli.stdout.trim(), `v${PULUMI_VERSION}`, "the CLI matches the pinned @pulumi/pulumi");
    const versions = fs.readFileSync(path.join(t.dir, "VERSIONS"), "utf8").trim();
    const lines = [
        `engine: pulumi ${cli.stdout.trim()} (${t.bin})`,
        ...versions.split("\n").filter((l) => l.startsWith("pulumi-language-")).map((l) => `language host: ${l}`),
        `SDKs: @pulumi/pulumi ${PULUMI_VERSION} (npm) for TypeScript, pulumi==${PULUMI_VERSION} (PyPI, in a venv) for Python`,
        `plugin: cloudengine ${PACKAGE_VERSION} (${path.join(REPO, "pulumi-resource-cloudengine")}, node ${process.version})`,
    ];
    console.log(lines.join("\n"));
    for (const host of ["yaml", "nodejs", "python"]) assert.ok(fs.existsSync(path.join(t.bin, `pulumi-language-${host}`)), `the ${host} language host was built`);
    assert.ok(fs.existsSync(path.join(REPO, "bin", "provider", "main.js")), "npm run build first");
});
