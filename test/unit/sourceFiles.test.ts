import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../provider/config/errors";
import { readGoSource } from "../../provider/config/source/sourceDir";
import { SOURCE_FILE_MAX_BYTES } from "../../provider/config/source/sourceFile";
import { YAML_MAX_ALIAS_COUNT } from "../../provider/config/source/yamlMapping";

// Files read from a user's source directory cannot exhaust the machine or reach outside it: size caps,
// bounded YAML aliases, UTF-8 only, no links out. Each case fails with a ConfigError naming the file,
// within the suite's budget (the `timeout` of each test: a blow-up would run for tens of seconds).

const R = 'cloudengine:index:EngineApp "web"';
const GO_MOD = "module example.com/web\n\ngo 1.22\n";

function sourceDir(files: Record<string, string | Buffer>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-src-"));
    for (const [name, content] of Object.entries({ "go.mod": GO_MOD, ...files })) fs.writeFileSync(path.join(dir, name), content);
    return dir;
}

function failsWith(dir: string, ...fragments: (string | RegExp)[]): void {
    assert.throws(() => readGoSource(dir, R), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
        for (const f of [R, ...fragments]) {
            if (typeof f === "string") assert.ok(err.message.includes(f), `${JSON.stringify(f)} in: ${err.message}`);
            else assert.match(err.message, f);
        }
        return true;
    });
}

/** A few lines of anchors whose full expansion would be 10^9 strings. */
const BILLION_LAUGHS = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => {
    const prev = i === 0 ? "a" : ["b", "c", "d", "e", "f", "g", "h", "i"][i - 1];
    return `${k}: &${k} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
}), "build: *i"].join("\n");

describe("source files", () => {
    it("a leanengine.yaml that expands by aliases fails at once, naming the limit", { timeout: 5_000 }, () => {
        failsWith(sourceDir({ "leanengine.yaml": BILLION_LAUGHS }), "invalid leanengine.yaml", `at most ${YAML_MAX_ALIAS_COUNT} alias expansions`);
    });

    it("a few aliases are fine", () => {
        const dir = sourceDir({ "leanengine.yaml": "run: &r ./main\nbuild: *r\n" });
        assert.deepEqual([readGoSource(dir, R).run, readGoSource(dir, R).build], ["./main", ["./main"]]);
    });

    it("files over their cap are refused before they are read", { timeout: 5_000 }, () => {
        const big = `build: "${"x".repeat(10 * 1024 * 1024)}"\n`;
        failsWith(sourceDir({ "leanengine.yaml": big }), "invalid leanengine.yaml", `a file of ${Buffer.byteLength(big)} bytes`, `at most ${SOURCE_FILE_MAX_BYTES["leanengine.yaml"]} bytes`);
        failsWith(sourceDir({ "app.yaml": `runtime: go\napi_version: go1\n#${"x".repeat(70 * 1024)}\n` }), "invalid app.yaml", "at most 65536 bytes");
        failsWith(sourceDir({ "go.mod": `${GO_MOD}// ${"x".repeat(1024 * 1024)}\n` }), "invalid go.mod", "at most 1048576 bytes");
    });

    it("a duplicated key names the line and the key", () => {
        failsWith(sourceDir({ "leanengine.yaml": "run: ./main\nbuild: go build\nrun: ./other\n" }), "invalid leanengine.yaml line 3", 'got "run: ./other": the key "run" appears more than once');
    });

    it("a syntax error names the line", () => {
        failsWith(sourceDir({ "leanengine.yaml": "run: ./main\nbuild: [unclosed\n" }), "invalid leanengine.yaml", /line \d+/);
    });

    it("files that are not UTF-8 text are refused, named", () => {
        failsWith(sourceDir({ "go.mod": Buffer.from([0x6d, 0x6f, 0x64, 0xff, 0xfe, 0x0a]) }), "invalid go.mod", "bytes that are not UTF-8 text", "a UTF-8 text file");
        failsWith(sourceDir({ "leanengine.yaml": Buffer.from("run: ./m\xe9in\n", "latin1") }), "invalid leanengine.yaml", "not UTF-8");
    });

    it("a link to a file outside the source directory is refused; a directory where a file belongs too", () => {
        const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ce-outside-")), "secret.yaml");
        fs.writeFileSync(outside, "run: ./main\n");
        const dir = sourceDir({});
        fs.symlinkSync(outside, path.join(dir, "leanengine.yaml"));
        failsWith(dir, "invalid leanengine.yaml", `a link to ${fs.realpathSync(outside)}`, "a file inside the source directory");

        const inside = sourceDir({ "real.yaml": "run: ./inside\n" });
        fs.symlinkSync("real.yaml", path.join(inside, "leanengine.yaml"));
        assert.equal(readGoSource(inside, R).run, "./inside", "a link within the directory is fine");

        const requiring = sourceDir({ "leanengine.yaml": "install:\n  - require: [vendor.txt]\n  - go mod download\n" });
        fs.symlinkSync(outside, path.join(requiring, "vendor.txt"));
        failsWith(requiring, "invalid leanengine.yaml: install.require", 'got "vendor.txt"', `it links to ${fs.realpathSync(outside)}`);

        const withDir = sourceDir({});
        fs.mkdirSync(path.join(withDir, "app.yaml"));
        failsWith(withDir, "invalid app.yaml", "got a directory;", "a regular file");
    });
    it("the build context (the whole directory) holds no link that leaves it, dangling or not, at any depth", () => {
        const outsideDir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-outside-"));
        fs.writeFileSync(path.join(outsideDir, "id_rsa"), "not for the image\n");
        for (const [link, target] of [["keys", path.join(outsideDir, "id_rsa")], ["up", "../../etc/passwd"], ["gone", "/nonexistent/file"], ["sub/deep/home", outsideDir]] as const) {
            const dir = sourceDir({ "main.go": "package main\n" });
            fs.mkdirSync(path.join(dir, path.dirname(link)), { recursive: true });
            fs.symlinkSync(target, path.join(dir, link));
            failsWith(dir, "invalid source", `got ${link}, a link to ${target} (outside the source directory)`, "files and links inside the source directory only");
        }
        const fine = sourceDir({ "main.go": "package main\n" });
        fs.mkdirSync(path.join(fine, "assets"));
        fs.symlinkSync("../main.go", path.join(fine, "assets", "main-link.go"));
        fs.symlinkSync("assets", path.join(fine, "static"));
        fs.mkdirSync(path.join(fine, ".git"));
        fs.symlinkSync("/etc/passwd", path.join(fine, ".git", "ignored"));
        assert.equal(readGoSource(fine, R).run, "./main", "links inside the directory (and anything under .git, which is not walked) are fine");
    });
});
