// go.mod is read, and the Go version chosen, the way the go command does (issue 9, class 8). Every case of
// the table is given to the REAL go command in a temporary directory, and parseGoMod must agree with it:
//   * `go mod edit -json` (GOTOOLCHAIN=local): does go read the file, and its Module, Go and Toolchain;
//   * `go mod download` (GOTOOLCHAIN=local, GOPROXY=off): the install step, which also needs a module line
//     ("requires go >= X (running go Y)" only says this machine's Go is older: not a verdict on the file);
//   * `go version` with GOTOOLCHAIN=go1.1+path: go's own toolchain selection, which answers
//     `cannot find "goX" in PATH` with the toolchain it would switch to (or runs itself when X is its own
//     version), or refuses a toolchain name it cannot read. A go line it cannot read is ignored there.
// Refused here when any of them refuses (or ignores the go line); otherwise the chosen version is the one
// go selects, which is also max(Go, Toolchain) of go's JSON in Go's order.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../../provider/config/errors";
import { STABLE_GO_BUILDER_IMAGE } from "../../provider/config/spec";
import { compareGoVersions, goBuilderImage, GoModInfo, parseGoMod, toolchainVersion } from "../../provider/config/source/goMod";
import { readGoSource } from "../../provider/config/source/sourceDir";

const RESOURCE = 'cloudengine:index:EngineApp "web"';

/** The go command: on PATH (CI), else where scripts/install-go.sh puts it. Missing is a failure, not a skip. */
function findGo(): string {
    for (const dir of [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/local/go/bin"]) {
        const candidate = path.join(dir, "go");
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // next
        }
    }
    throw new Error("test/unit/goMod.test.ts checks go.mod handling against the real go command, and there is no go on PATH or in /usr/local/go/bin: install it with `bash scripts/install-go.sh` (see README, Install)");
}
const GO = findGo();
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-gomod-"));
after(() => fs.rmSync(WORK, { recursive: true, force: true }));

interface GoSays {
    /** `go mod edit -json`: the parsed file, or go's error. */
    edit: { ok: true; json: { Module: { Path: string }; Go?: string; Toolchain?: string } } | { ok: false; error: string };
    /** `go mod download`: error, if it refuses the file (not merely this machine's Go being too old). */
    downloadError?: string;
    /** go's toolchain selection: the version it would run ("1.22.3"), "none" when go.mod names none it can read, or its error. */
    selection: { version: string } | { none: true } | { error: string };
}

let caseNo = 0;
function goSays(text: string): GoSays {
    const dir = path.join(WORK, String(caseNo++));
    fs.mkdirSync(dir);
    const env = { ...process.env, GOFLAGS: "", GOTOOLCHAIN: "local", GOPROXY: "off", GOWORK: "off", GO111MODULE: "on" };
    const run = (args: string[], extra: Record<string, string> = {}) => {
        fs.writeFileSync(path.join(dir, "go.mod"), text); // each command sees the text itself (go mod download may rewrite go.mod)
        const r = spawnSync(GO, args, { cwd: dir, env: { ...env, ...extra }, encoding: "utf8", timeout: 60_000 });
        if (r.error) throw r.error;
        return { status: r.status, out: r.stdout, err: r.stderr.trim() };
    };
    const e = run(["mod", "edit", "-json"]);
    const edit: GoSays["edit"] = e.status === 0 ? { ok: true, json: JSON.parse(e.out) } : { ok: false, error: e.err };
    const d = run(["mod", "download"]);
    // not verdicts on the file: this machine's Go is older, or a dependency cannot be fetched offline
    const downloadError = d.status !== 0 && !/requires go >= .*GOTOOLCHAIN=local|lookup disabled by GOPROXY=off/.test(d.err) ? d.err : undefined;
    const s = run(["version"], { GOTOOLCHAIN: "go1.1+path" });
    let selection: GoSays["selection"];
    const notFound = /cannot find "go([^"]+)" in PATH/.exec(s.err);
    const itself = /^go version go(\S+) /.exec(s.out);
    if (notFound) selection = notFound[1] === "1.1" ? { none: true } : { version: notFound[1] };
    else if (s.status === 0 && itself) selection = { version: itself[1] };
    else selection = { error: s.err || s.out };
    return { edit, downloadError, selection };
}

/** Why go refuses the file, if it does; the line it names (go.mod:N), if any. */
function goRefusal(says: GoSays): { reason: string; line?: number } | undefined {
    const line = (msg: string) => {
        const m = /go\.mod:(\d+)/.exec(msg);
        return m ? Number(m[1]) : undefined;
    };
    if (!says.edit.ok) return { reason: `go mod edit: ${says.edit.error}`, line: line(says.edit.error) };
    if (says.downloadError) return { reason: `go mod download: ${says.downloadError}` };
    if ("error" in says.selection) return { reason: `toolchain selection: ${says.selection.error}` };
    const { Go, Toolchain } = says.edit.json;
    if (Go !== undefined && Toolchain !== "default" && "none" in says.selection) {
        return { reason: `toolchain selection ignores go ${Go}: not a version it can read` };
    }
    return undefined;
}

/** parseGoMod's version is the toolchain go's selection runs (which adds .0 to a language version from 1.21 on). */
function sameVersion(ours: string, goRuns: string): boolean {
    const runs = toolchainVersion(`go${goRuns}`); // go1.22.1-custom runs 1.22.1
    return ours === runs || (/^\d+\.\d+$/.test(ours) && compareGoVersions(ours, "1.21") >= 0 && `${ours}.0` === runs);
}

const BOM = "\uFEFF";
/** [what it is, go.mod text]. Texts are given to go byte for byte. */
const TABLE: [string, string][] = [
    ["go line", "module example.com/x\n\ngo 1.21\n"],
    ["old go line (buster builder)", "module example.com/x\ngo 1.14\n"],
    ["go line with patch", "module example.com/x\ngo 1.22.3\n"],
    ["go line, release candidate", "module example.com/x\ngo 1.21rc1\n"],
    ["go line, beta", "module example.com/x\ngo 1.21beta1\n"],
    ["go line with comment", "module example.com/x\ngo 1.22 // the language version\n"],
    ["go line with comment, no space", "module example.com/x\ngo 1.22// c\n"],
    ["go line, tab and indentation", "module example.com/x\n\t go\t1.22\n"],
    ["comments and blank lines around", "// header\n\nmodule example.com/x // the module\n\n// go version\ngo 1.22\n"],
    ["CRLF line endings", "module example.com/x\r\n\r\ngo 1.21\r\ntoolchain go1.22.1\r\n"],
    ["no final newline", "module example.com/x\ngo 1.22"],
    ["quoted module path", 'module "example.com/x"\ngo 1.22\n'],
    ["module block", "module (\n\texample.com/x\n)\ngo 1.22\n"],
    ["no go line: latest stable", "module example.com/x\n"],
    ["no go line, dependencies", "module example.com/x\n\nrequire (\n\tgolang.org/x/text v0.3.0 // indirect\n)\n"],
    ["toolchain newer than go", "module example.com/x\ngo 1.21.0\ntoolchain go1.22.5\n"],
    ["toolchain older than go: go wins", "module example.com/x\ngo 1.22.3\ntoolchain go1.22.1\n"],
    ["toolchain of an older minor than go", "module example.com/x\ngo 1.23.0\ntoolchain go1.22.9\n"],
    ["toolchain before 1.21, older than go", "module example.com/x\ngo 1.21\ntoolchain go1.20.3\n"],
    ["1.21 < 1.21rc1 (toolchain)", "module example.com/x\ngo 1.21\ntoolchain go1.21rc1\n"],
    ["1.21rc1 < 1.21.0 (go rc, toolchain release)", "module example.com/x\ngo 1.21rc1\ntoolchain go1.21.0\n"],
    ["1.21rc1 < 1.21.0 (go release, toolchain rc)", "module example.com/x\ngo 1.21.0\ntoolchain go1.21rc1\n"],
    ["beta < rc", "module example.com/x\ngo 1.22beta2\ntoolchain go1.22rc1\n"],
    ["rc2 < rc10", "module example.com/x\ngo 1.22rc10\ntoolchain go1.22rc2\n"],
    ["1.22.9 < 1.22.10", "module example.com/x\ngo 1.22.10\ntoolchain go1.22.9\n"],
    ["before 1.21: 1.20rc1 < 1.20", "module example.com/x\ngo 1.20\ntoolchain go1.20rc1\n"],
    ["toolchain with a custom suffix", "module example.com/x\ngo 1.21\ntoolchain go1.22.1-custom\n"],
    ["toolchain default: the go line counts", "module example.com/x\ngo 1.22\ntoolchain default\n"],
    ["toolchain default, no go line", "module example.com/x\ntoolchain default\n"],
    ["toolchain line only", "module example.com/x\ntoolchain go1.22.1\n"],
    ["toolchain go1 (= 1.0.0)", "module example.com/x\ngo 1.21\ntoolchain go1\n"],
    ["newer than this machine's Go", "module example.com/x\ngo 1.27.4\n"],
    ["future minor version", "module example.com/x\ngo 1.99\n"],
    ["godebug, tool and retract", "module example.com/x\ngo 1.24\ngodebug default=go1.21\ntool example.com/x/cmd/gen\nretract [v1.0.0, v1.0.5] // broken\n"],
    ["replace to a directory", "module example.com/x\ngo 1.22\nreplace example.com/y => ../y\n"],
    // refused by the go command
    ["byte-order mark", `${BOM}module example.com/x\ngo 1.22\n`],
    ["byte-order mark, CRLF", `${BOM}module example.com/x\r\ngo 1.22\r\n`],
    ["byte-order mark in the middle", `module example.com/x\n${BOM}go 1.22\n`],
    ["control character", "module example.com/x\ngo 1.22\x01\n"],
    ["no-break space", "module example.com/x\ngo\u00a01.22\n"],
    ["missing module line", "go 1.22\n"],
    ["empty file", ""],
    ["CR-only line endings (one line to go)", "module example.com/x\rgo 1.21\r"],
    ["go 1.2x", "module example.com/x\ngo 1.2x\n"],
    ["go 1", "module example.com/x\ngo 1\n"],
    ["go 1.021", "module example.com/x\ngo 1.021\n"],
    ["go 1.21.0-rc1", "module example.com/x\ngo 1.21.0-rc1\n"],
    ["go 1.21.0.1", "module example.com/x\ngo 1.21.0.1\n"],
    ["go v1.21", "module example.com/x\ngo v1.21\n"],
    ["quoted go version", 'module example.com/x\ngo "1.21"\n'],
    ["future major version", "module example.com/x\ngo 2.0\n"],
    ["go 1.21.0rc1: no version to go's order", "module example.com/x\ngo 1.21.0rc1\n"],
    ["go line with two arguments", "module example.com/x\ngo 1.21 1.22\n"],
    ["go line without argument", "module example.com/x\ngo\n"],
    ["repeated go line", "module example.com/x\ngo 1.21\ngo 1.22\n"],
    ["go block", "module example.com/x\ngo (\n\t1.22\n)\n"],
    ["toolchain block", "module example.com/x\ngo 1.21\ntoolchain (\n\tgo1.22.1\n)\n"],
    ["toolchain without go prefix", "module example.com/x\ngo 1.21\ntoolchain 1.22.1\n"],
    ["toolchain go1.abc", "module example.com/x\ngo 1.21\ntoolchain go1.abc\n"],
    ["toolchain go1.22.1rc1", "module example.com/x\ngo 1.21\ntoolchain go1.22.1rc1\n"],
    ["toolchain with two arguments", "module example.com/x\ngo 1.21\ntoolchain go1.22.1 extra\n"],
    ["repeated toolchain line", "module example.com/x\ngo 1.21\ntoolchain go1.21.0\ntoolchain go1.22.0\n"],
    ["repeated module line", "module example.com/x\nmodule example.com/y\ngo 1.22\n"],
    ["module without path", "module\ngo 1.22\n"],
    ["backquoted module path", "module `example.com/x`\ngo 1.22\n"],
    ["unknown directive", "module example.com/x\ngo 1.22\nrequires example.com/y v1.0.0\n"],
    ["block comment", "module example.com/x\n/* go 1.21 */\ngo 1.22\n"],
    ["unterminated block", "module example.com/x\ngo 1.22\nrequire (\n\texample.com/y v1.0.0\n"],
    ["text after closing paren", "module example.com/x\nrequire (\n\texample.com/y v1.0.0\n) go 1.22\n"],
    ["unterminated string", 'module "example.com/x\ngo 1.22\n'],
    ["require with one argument", "module example.com/x\ngo 1.22\nrequire example.com/y\n"],
    ["godebug without =", "module example.com/x\ngo 1.22\ngodebug panicnil\n"],
];

function parse(text: string): GoModInfo | ConfigError {
    try {
        return parseGoMod(text, RESOURCE);
    } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
    }
}

describe("go.mod: parseGoMod decides as the real go command does", () => {
    it(`uses ${GO} (${spawnSync(GO, ["version"], { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } }).stdout.trim()})`, () => {
        assert.ok(TABLE.length >= 60);
    });

    for (const [name, text] of TABLE) {
        it(`${name}: ${JSON.stringify(text)}`, () => {
            const says = goSays(text);
            const refusal = goRefusal(says);
            const ours = parse(text);
            if (refusal) {
                assert.ok(ours instanceof ConfigError, `go refuses (${refusal.reason}), parseGoMod accepted: ${JSON.stringify(ours)}`);
                // resource, field (the line go names), value given, what is allowed
                assert.equal(ours.resource, RESOURCE);
                assert.match(ours.field, /^go\.mod( line \d+)?$/);
                if (refusal.line !== undefined) assert.equal(ours.field, `go.mod line ${refusal.line}`, `go names line ${refusal.line}: ${refusal.reason}`);
                assert.ok(ours.given !== undefined && ours.given !== "", "the message shows what was given");
                assert.ok(ours.allowed.length > 10, "the message says what is allowed");
                assert.ok(ours.message.startsWith(`${RESOURCE}: invalid ${ours.field}: got `), ours.message);
                return;
            }
            assert.ok(!(ours instanceof ConfigError), `go accepts it, parseGoMod refused: ${ours instanceof ConfigError ? ours.message : ""}`);
            assert.ok(says.edit.ok);
            const json = says.edit.json;
            assert.equal(ours.module, json.Module.Path);
            assert.equal(ours.go, json.Go);
            assert.equal(ours.toolchain, json.Toolchain);
            // max(Go, Toolchain) of go's JSON, in Go's order, is what go's own selection runs
            const candidates = [json.Go, json.Toolchain && json.Toolchain !== "default" ? toolchainVersion(json.Toolchain) : undefined].filter((v): v is string => v !== undefined);
            if (candidates.length === 0) {
                assert.deepEqual([ours.goVersion, ours.defaulted], [undefined, true]);
                assert.equal(goBuilderImage(ours.goVersion), STABLE_GO_BUILDER_IMAGE);
                assert.ok("none" in says.selection, `go selects ${JSON.stringify(says.selection)}`);
                return;
            }
            assert.equal(ours.defaulted, false);
            assert.ok(ours.goVersion !== undefined && candidates.includes(ours.goVersion), `${ours.goVersion} is one of go's ${candidates.join(", ")}`);
            for (const c of candidates) assert.ok(compareGoVersions(ours.goVersion, c) >= 0, `${ours.goVersion} >= ${c}`);
            if (json.Toolchain === "default") {
                // "toolchain default": go never switches; the installed Go must satisfy the go line
                assert.ok("none" in says.selection, `go selects ${JSON.stringify(says.selection)}`);
            } else {
                assert.ok("version" in says.selection, `go selects ${JSON.stringify(says.selection)}`);
                assert.ok(sameVersion(ours.goVersion, says.selection.version), `parseGoMod chose ${ours.goVersion}, go selects go${says.selection.version}`);
            }
            const [major, minor] = ours.goVersion.split(/[.a-z]/);
            assert.match(goBuilderImage(ours.goVersion), new RegExp(`^golang:${major}\\.${minor}-(bookworm|bullseye|buster)$`));
        });
    }
});

describe("go.mod: the version chosen picks the builder image", () => {
    it("a minor's image (its newest patch satisfies any version of that minor); none: the floating latest-stable tag", () => {
        assert.equal(goBuilderImage("1.14"), "golang:1.14-buster");
        assert.equal(goBuilderImage("1.18.2"), "golang:1.18-bullseye");
        assert.equal(goBuilderImage("1.20rc1"), "golang:1.20-bookworm");
        assert.equal(goBuilderImage("1.22.5"), "golang:1.22-bookworm");
        assert.equal(goBuilderImage("1.21rc1"), "golang:1.21-bookworm");
        assert.equal(goBuilderImage(undefined), "golang:bookworm");
        assert.equal(STABLE_GO_BUILDER_IMAGE, "golang:bookworm");
    });

    it("Go's order: 1.20rc1 < 1.20 = 1.20.0 < 1.21 < 1.21rc1 < 1.21.0 < 1.21.1 < 1.21.10 < 1.22beta1 < 1.22rc1", () => {
        const order = ["1.20rc1", "1.20", "1.21", "1.21rc1", "1.21.0", "1.21.1", "1.21.10", "1.22beta1", "1.22rc1", "1.22rc10", "1.22.0", "2.0"];
        for (let i = 0; i + 1 < order.length; i++) {
            assert.equal(compareGoVersions(order[i], order[i + 1]), -1, `${order[i]} < ${order[i + 1]}`);
            assert.equal(compareGoVersions(order[i + 1], order[i]), 1, `${order[i + 1]} > ${order[i]}`);
        }
        assert.equal(compareGoVersions("1.20", "1.20.0"), 0);
    });
});

describe("go.mod in a source directory", () => {
    function sourceDir(goMod: Buffer): string {
        const dir = fs.mkdtempSync(path.join(WORK, "src-"));
        fs.writeFileSync(path.join(dir, "go.mod"), goMod);
        fs.writeFileSync(path.join(dir, "main.go"), "package main\n\nfunc main() {}\n");
        return dir;
    }

    it("a byte-order mark, which the UTF-8 reader drops, is refused naming go.mod and the BOM", () => {
        const dir = sourceDir(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("module example.com/x\ngo 1.22\n")]));
        const says = goSays(`${BOM}module example.com/x\ngo 1.22\n`);
        assert.ok(!says.edit.ok && says.edit.error.includes("unexpected input character '\\ufeff'"), JSON.stringify(says.edit));
        assert.throws(() => readGoSource(dir, RESOURCE), (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.equal(err.field, "go.mod line 1");
            assert.match(err.message, /^cloudengine:index:EngineApp "web": invalid go\.mod line 1: got "a byte-order mark \(U\+FEFF, bytes EF BB BF\) before \\"module example\.com\/x\\"".*allowed: a go\.mod without a byte-order mark/);
            assert.ok(err.message.includes("unexpected input character '\\ufeff'"), err.message);
            return true;
        });
    });

    it("the builder image follows go.mod: max(go, toolchain), or the latest stable tag without a go line", () => {
        assert.equal(readGoSource(sourceDir(Buffer.from("module example.com/x\ngo 1.22.3\ntoolchain go1.22.1\n")), RESOURCE).builderImage, "golang:1.22-bookworm");
        assert.equal(readGoSource(sourceDir(Buffer.from("module example.com/x\ngo 1.21\ntoolchain go1.23.4\n")), RESOURCE).builderImage, "golang:1.23-bookworm");
        const latest = readGoSource(sourceDir(Buffer.from("module example.com/x\n")), RESOURCE);
        assert.deepEqual([latest.goVersion, latest.builderImage], [undefined, "golang:bookworm"]);
    });

    it("the example and the e2e fixtures keep their builder images", () => {
        const root = path.resolve(__dirname, "../../..");
        const image = (dir: string) => readGoSource(path.join(root, dir), RESOURCE).builderImage;
        assert.equal(image("examples/quickstart/app"), "golang:1.26-bookworm");
        assert.equal(image("test/fixtures/goapp"), "golang:1.22-bookworm");
        assert.equal(image("test/fixtures/echoapp"), "golang:1.22-bookworm");
    });
});
