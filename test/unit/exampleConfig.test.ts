// `npm run example` without the Pulumi CLI: the gateway's address and ports come from the quick start's
// stack config (examples/quickstart/Pulumi.dev.yaml), the file `pulumi up` reads, not from constants.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { readExampleConfig } from "../e2e/exampleConfig";

function repoRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "examples", "quickstart", "Pulumi.yaml"))) {
        const up = path.dirname(dir);
        if (up === dir) throw new Error("no repository root");
        dir = up;
    }
    return dir;
}

const ROOT = repoRoot();

describe("the example runner reads the gateway from the stack config", () => {
    const dirs: string[] = [];
    after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
    function project(files: Record<string, string>): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-example-config-"));
        dirs.push(dir);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        return dir;
    }

    it("examples/quickstart: Pulumi.dev.yaml's cloudengine:gateway, passed to the program as Pulumi passes it", () => {
        const c = readExampleConfig(path.join(ROOT, "examples", "quickstart"));
        assert.deepEqual(c.sources, ["Pulumi.dev.yaml"]);
        assert.deepEqual(JSON.parse(c.config["cloudengine:gateway"]), { listenAddress: "127.0.0.1", httpPort: 8080, httpsPort: 8443 });
        assert.equal(c.address, "127.0.0.1");
        assert.equal(c.httpPort, 8080);
        assert.equal(c.httpsPort, 8443);
        assert.equal(c.domain, "localhost");
        // the README's curl line names the same port
        assert.ok(fs.readFileSync(path.join(ROOT, "README.md"), "utf8").includes(`curl -H 'Host: hello.localhost' http://127.0.0.1:${c.httpPort}/`));
    });

    it("the runner has no port of its own", () => {
        for (const f of ["test/e2e/deployExample.ts", "examples/run-quickstart.sh"]) {
            const code = fs.readFileSync(path.join(ROOT, f), "utf8").split("\n").filter((l) => !/^\s*(\/\/|#)/.test(l)).join("\n");
            assert.doesNotMatch(code, /\b(8080|8443)\b/, f);
        }
    });

    it("another port in the stack file is used as given", () => {
        const dir = project({ "Pulumi.dev.yaml": "config:\n  cloudengine:gateway:\n    httpPort: 9090\n    httpsPort: 9443\n    domain: apps.test\n  other:key: x\n" });
        const c = readExampleConfig(dir);
        assert.equal(c.httpPort, 9090);
        assert.equal(c.httpsPort, 9443);
        assert.equal(c.address, "127.0.0.1", "0.0.0.0 (the default listen address) is asked on loopback");
        assert.equal(c.domain, "apps.test");
        assert.deepEqual(Object.keys(c.config), ["cloudengine:gateway"], "only the package's keys");
    });

    it("a JSON string value (pulumi config set cloudengine:gateway '{...}') and project-level config", () => {
        const dir = project({ "Pulumi.dev.yaml": "config:\n  cloudengine:gateway: '{\"listenAddress\": \"127.0.0.2\", \"httpPort\": 8181}'\n" });
        const c = readExampleConfig(dir);
        assert.equal(c.address, "127.0.0.2");
        assert.equal(c.httpPort, 8181);
        assert.equal(c.httpsPort, 443);
        const projectLevel = project({});
        fs.writeFileSync(path.join(projectLevel, "Pulumi.yaml"), "name: p\nruntime: nodejs\nconfig:\n  cloudengine:gateway:\n    value:\n      httpPort: 8282\n");
        const p = readExampleConfig(projectLevel);
        assert.deepEqual(p.sources, ["Pulumi.yaml"]);
        assert.equal(p.httpPort, 8282);
    });

    it("the stack file wins over Pulumi.yaml; no config at all means the Gateway's defaults", () => {
        const dir = project({ "Pulumi.dev.yaml": "config:\n  cloudengine:gateway:\n    httpPort: 8383\n" });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nconfig:\n  cloudengine:gateway:\n    value:\n      httpPort: 8282\n");
        assert.equal(readExampleConfig(dir).httpPort, 8383);
        const bare = readExampleConfig(project({}));
        assert.deepEqual([bare.address, bare.httpPort, bare.httpsPort, bare.sources], ["127.0.0.1", 80, 443, []]);
    });

    it("a port that is not a number is an error naming the file", () => {
        const dir = project({ "Pulumi.dev.yaml": "config:\n  cloudengine:gateway:\n    httpPort: eighty\n" });
        assert.throws(() => readExampleConfig(dir), /cloudengine:gateway\.httpPort in Pulumi\.dev\.yaml is not a port: "eighty"/);
    });
});
