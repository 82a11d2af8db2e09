import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { it } from "node:test";
import { KUBERNETES_VERSION, kubernetesPluginDir, PACKAGE_VERSION, pulumiOk, PULUMI_VERSION, REPO, removeSandbox, requireToolchain, sandbox } from "./support";

// Runs first: prints what the engine tests run with.
it("prints the engine, plugin and language host versions", () => {
    const t = requireToolchain();
    const cli = spawnSync(path.join(t.bin, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "1" } });
    assert.equal(cli.stdout.trim(), `v${PULUMI_VERSION}`, "the CLI matches the pinned @pulumi/pulumi");
    const versions = fs.readFileSync(path.join(t.dir, "VERSIONS"), "utf8").trim();
    // scripts/kubernetes-plugin.sh: <cache>/pulumi-resource-kubernetes-v<version>/.complete, line 2 says what it was built from
    const k8sBuilt = spawnSync("bash", [path.join(REPO, "scripts", "kubernetes-plugin.sh"), "--print-path"], { encoding: "utf8" }).stdout.trim();
    const k8sFrom = fs.readFileSync(path.join(path.dirname(k8sBuilt), ".complete"), "utf8").split("\n")[1] ?? "?";
    const lines = [
        `engine: pulumi ${cli.stdout.trim()} (${t.bin})`,
        ...versions.split("\n").filter((l) => l.startsWith("pulumi-language-")).map((l) => `language host: ${l}`),
        `SDKs: @pulumi/pulumi ${PULUMI_VERSION} (npm) for TypeScript, pulumi==${PULUMI_VERSION} (PyPI, in a venv) for Python`,
        `plugin: cloudengine ${PACKAGE_VERSION} (${path.join(REPO, "pulumi-resource-cloudengine")}, node ${process.version})`,
        `plugin: kubernetes ${KUBERNETES_VERSION} (${path.join(t.pluginsHome, "plugins", kubernetesPluginDir())}; ${k8sFrom})`,
    ];
    console.log(lines.join("\n"));
    for (const host of ["yaml", "nodejs", "python"]) assert.ok(fs.existsSync(path.join(t.bin, `pulumi-language-${host}`)), `the ${host} language host was built`);
    assert.ok(fs.existsSync(path.join(REPO, "bin", "provider", "main.js")), "npm run build first");
});

it("has the Kubernetes provider plugin of the pinned @pulumi/kubernetes installed, and it starts", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    assert.equal(pkg.dependencies["@pulumi/kubernetes"], KUBERNETES_VERSION, "@pulumi/kubernetes is pinned exactly, to the version of the plugin it asks for");
    const sb = sandbox("toolchain");
    try {
        // a sandbox's PULUMI_HOME has the plugin the toolchain installed
        const listed = JSON.parse(pulumiOk(sb, sb.work, "plugin", "ls", "--json").stdout) as { name: string; kind: string; version: string }[];
        assert.ok(
            listed.some((p) => p.name === "kubernetes" && p.kind === "resource" && p.version === KUBERNETES_VERSION),
            `pulumi plugin ls lists resource kubernetes ${KUBERNETES_VERSION}: ${JSON.stringify(listed)}`,
        );
        // the CLI starts that plugin and gets its schema over gRPC
        const schema = JSON.parse(pulumiOk(sb, sb.work, "package", "get-schema", `kubernetes@${KUBERNETES_VERSION}`).stdout);
        assert.equal(schema.name, "kubernetes");
        assert.equal(schema.version, KUBERNETES_VERSION, "the plugin serves the schema of its version");
        for (const token of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Secret", "kubernetes:policy/v1:PodDisruptionBudget"]) {
            assert.ok(schema.resources[token], `the schema has ${token}`);
        }
        assert.ok(schema.provider.inputProperties.renderYamlToDirectory, "the provider has renderYamlToDirectory");
    } finally {
        removeSandbox(sb);
    }
});
