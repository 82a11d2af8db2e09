import { ConfigError } from "../errors";
import { STABLE_GO_BUILDER_IMAGE } from "../spec";

// "Cloud Engine will use the Go version specified in go.mod: go 1.14"; "If you don't specify a Go
// version, the latest stable version will be used".
//
// go.mod is read the way the go command reads it (golang.org/x/mod/modfile, strict mode, as `go mod edit`
// and every build do), and the Go version is chosen the way its toolchain selection does
// (cmd/go/internal/toolchain: the go line is the minimum, a toolchain line only raises it, "toolchain
// default" never does), with its version order (internal/gover: 1.21 < 1.21rc1 < 1.21.0 < 1.21.1).
// What the go command refuses is refused here, before anything is deployed; test/unit/goMod.test.ts checks
// both decisions against the real go command.

export interface GoModInfo {
    module: string;
    /** The go line's version as written (1.22, 1.22.3, 1.23rc1), if any. */
    go?: string;
    /** The toolchain line's name as written (go1.22.5, go1.22.5-custom, default), if any. */
    toolchain?: string;
    /**
     * The Go version the go command would use: max(go line, toolchain line's version) in Go's order,
     * e.g. "1.22.5"; undefined when go.mod names none (then the latest stable Go builds it).
     */
    goVersion?: string;
    /** True when go.mod names no Go version and the latest stable one is used. */
    defaulted: boolean;
}

/** modfile.GoVersionRE: what a go line may say. */
const GO_VERSION_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
/** modfile.ToolchainRE: what a toolchain line may say. */
const TOOLCHAIN_RE = /^default$|^go1($|\.)/;
const BLOCK_VERBS = new Set(["module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"]);
const DIRECTIVES = "module, go, toolchain, godebug, require, exclude, replace, retract, tool, ignore";
const BOM = "\uFEFF";

export function parseGoMod(text: string, resource: string): GoModInfo {
    const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
    // goSays: the go command's own message for this line (as "go.mod:N: <goSays>"), or, starting with "!",
    // what it does instead.
    const fail = (line: number, goSays: string, allowed: string, given: string = (lines[line - 1] ?? "").trim()): never => {
        const go = goSays.startsWith("!") ? goSays.slice(1) : `refuses it: "go.mod:${line}: ${goSays}"`;
        throw new ConfigError(resource, `go.mod line ${line}`, given, `${allowed} (the go command ${go})`);
    };
    if (text.startsWith(BOM)) {
        fail(1, "unexpected input character '\\ufeff'",
            "a go.mod without a byte-order mark: save it as UTF-8 without BOM",
            `a byte-order mark (U+FEFF, bytes EF BB BF) before ${JSON.stringify(lines[0].slice(1).trim())}`);
    }

    const stmts = parseStatements(text, fail);
    let module: string | undefined;
    let go: { version: string; line: number } | undefined;
    let toolchain: { name: string; line: number } | undefined;
    const add = (verb: string, args: string[], line: number) => {
        switch (verb) {
            case "module":
                if (module !== undefined) fail(line, "repeated module statement", "one module line");
                if (args.length !== 1) fail(line, "usage: module module/path", "module followed by one module path");
                module = parseString(args[0], () => fail(line, "invalid quoted string", "a module path, bare or in double quotes"));
                return;
            case "go":
                if (go) fail(line, "repeated go statement", "one go line");
                if (args.length !== 1) fail(line, "go directive expects exactly one argument", "go followed by one Go version, such as go 1.22 or go 1.22.3");
                if (!GO_VERSION_RE.test(args[0])) fail(line, `invalid go version '${args[0]}': must match format 1.23.0`, "a Go version such as go 1.22, go 1.22.3 or go 1.23rc1");
                // modfile accepts e.g. 1.21.0rc1, but the go command's version order cannot read it: it names no
                // version, so which Go builds the app would be a guess (and `go build` asks for `go mod tidy`).
                if (!isValidVersion(args[0])) fail(line, `!cannot order ${args[0]}: it selects no toolchain for it, and go build says "updates to go.mod needed"`, "a Go version such as go 1.22, go 1.22.3 or go 1.23rc1 (prereleases have no patch number)");
                // modfile reads go 2.0, but the go command only ever switches to go1.x toolchains ("invalid GOTOOLCHAIN").
                if (!args[0].startsWith("1.")) fail(line, `!runs only go1.x toolchains: "go: invalid GOTOOLCHAIN \"go${args[0]}\""`, "a Go 1 version such as go 1.22 or go 1.22.3");
                go = { version: args[0], line };
                return;
            case "toolchain": {
                if (toolchain) fail(line, "repeated toolchain statement", "one toolchain line");
                if (args.length !== 1) fail(line, "toolchain directive expects exactly one argument", "toolchain followed by one toolchain name, such as toolchain go1.22.3");
                if (!TOOLCHAIN_RE.test(args[0])) fail(line, `invalid toolchain version '${args[0]}': must match format go1.23.0 or default`, "a toolchain name such as toolchain go1.22.3, or toolchain default");
                // modfile accepts any go1.<anything>; the go command's toolchain selection refuses what names no version.
                if (args[0] !== "default" && toolchainVersion(args[0]) === undefined) fail(line, `!refuses it when choosing a toolchain: "go: invalid toolchain \"${args[0]}\" in go.mod"`, "a toolchain name such as toolchain go1.22.3, or toolchain default");
                toolchain = { name: args[0], line };
                return;
            }
            case "godebug":
                if (args.length !== 1 || /["`',]/.test(args[0]) || !args[0].includes("=")) fail(line, "usage: godebug key=value", "godebug key=value");
                return;
            case "require":
            case "exclude":
                if (args.length !== 2) fail(line, `usage: ${verb} module/path v1.2.3`, `${verb} followed by a module path and a version`);
                for (const a of args) parseString(a, () => fail(line, "invalid quoted string", "a module path and a version, bare or in double quotes"));
                return;
            case "replace": {
                const arrow = args.length >= 2 && args[1] === "=>" ? 1 : 2;
                if (args.length < arrow + 2 || args.length > arrow + 3 || args[arrow] !== "=>") {
                    fail(line, "usage: replace module/path [v1.2.3] => other/module v1.4", "replace module/path [v1.2.3] => other/module v1.4, or => ../local/directory");
                }
                return;
            }
            case "tool":
            case "ignore":
                if (args.length !== 1) fail(line, `${verb} directive expects exactly one argument`, `${verb} followed by one path`);
                parseString(args[0], () => fail(line, "invalid quoted string", "a path, bare or in double quotes"));
                return;
            case "retract":
                // version intervals and rationale: left to the go command (not about the Go version)
                return;
            default:
                fail(line, `unknown directive: ${verb}`, `a go.mod directive (${DIRECTIVES})`);
        }
    };
    for (const s of stmts) {
        if (s.kind === "line") {
            add(s.tokens[0], s.tokens.slice(1), s.line);
        } else {
            if (s.tokens.length > 1 || !BLOCK_VERBS.has(s.tokens[0])) {
                fail(s.line, `unknown block type: ${s.tokens.join(" ")}`, `a block of one of ${[...BLOCK_VERBS].join(", ")} (go and toolchain take one line each, not a block)`);
            }
            for (const l of s.lines) add(s.tokens[0], l.tokens, l.line);
        }
    }
    // `go mod edit` reads a go.mod without one, but `go mod download` and `go build` refuse it.
    if (module === undefined) {
        throw new ConfigError(resource, "go.mod", "no module line", `a go.mod starting with module <path> (the go command refuses it at go mod download: "go: error reading go.mod: missing module declaration")`);
    }

    // The choice of cmd/go/internal/toolchain.Select: a toolchain line counts only above the minimum,
    // the go line raises it further; "toolchain default" means "the installed Go", so only the go line counts.
    let chosen: string | undefined;
    const tv = toolchain && toolchain.name !== "default" ? toolchainVersion(toolchain.name) : undefined;
    if (tv !== undefined) chosen = tv;
    if (go && (chosen === undefined || compareGoVersions(go.version, chosen) > 0)) chosen = go.version;
    return { module, go: go?.version, toolchain: toolchain?.name, goVersion: chosen, defaulted: chosen === undefined };
}

/**
 * The official golang image to build with: golang:<major.minor>-<debian> holds the newest patch release of
 * that minor (so any go.mod of that minor, prereleases included, builds with it); with no version, the
 * official floating tag for the latest stable Go, which cannot go stale. Images from Go 1.20 on are built on
 * Debian bookworm, the runtime image's release, so cgo binaries find the same glibc; older ones on older Debian.
 */
export function goBuilderImage(goVersion: string | undefined): string {
    if (goVersion === undefined) return STABLE_GO_BUILDER_IMAGE;
    const v = parseVersion(goVersion);
    if (!v) throw new Error(`goBuilderImage: not a Go version: ${goVersion}`);
    const [major, minor] = [Number(v.major), Number(v.minor)];
    const atLeast = (m: number) => major > 1 || minor >= m;
    const distro = atLeast(20) ? "bookworm" : atLeast(16) ? "bullseye" : "buster";
    return `golang:${v.major}.${v.minor}-${distro}`;
}

// ---------------------------------------------------------------------------------------------
// Go's version order (internal/gover)
// ---------------------------------------------------------------------------------------------

interface Version { major: string; minor: string; patch: string; kind: string; pre: string }

function cutInt(x: string): [string, string] | undefined {
    let i = 0;
    while (i < x.length && x[i] >= "0" && x[i] <= "9") i++;
    if (i === 0 || (x[0] === "0" && i !== 1)) return undefined;
    return [x.slice(0, i), x.slice(i)];
}

/** gover.Parse: undefined where Go's is the zero Version (not a version). */
function parseVersion(x: string): Version | undefined {
    const v: Version = { major: "", minor: "", patch: "", kind: "", pre: "" };
    let c = cutInt(x);
    if (!c) return undefined;
    [v.major, x] = c;
    if (x === "") return { ...v, minor: "0", patch: "0" };
    if (x[0] !== ".") return undefined;
    c = cutInt(x.slice(1));
    if (!c) return undefined;
    [v.minor, x] = c;
    if (x === "") {
        // Patch missing is the same as .0 before Go 1.21; from 1.21 on, 1.21 (the language) < 1.21rc1 < 1.21.0.
        if (cmpInt(v.minor, "21") < 0) v.patch = "0";
        return v;
    }
    if (x[0] === ".") {
        c = cutInt(x.slice(1));
        if (!c || c[1] !== "") return undefined; // no prereleases of patch releases
        v.patch = c[0];
        return v;
    }
    let i = 0;
    while (i < x.length && (x[i] < "0" || x[i] > "9")) {
        if (x[i] < "a" || x[i] > "z") return undefined;
        i++;
    }
    if (i === 0) return undefined;
    v.kind = x.slice(0, i);
    x = x.slice(i);
    if (x === "") return v;
    c = cutInt(x);
    if (!c || c[1] !== "") return undefined;
    v.pre = c[0];
    return v;
}

function isValidVersion(x: string): boolean {
    return parseVersion(x) !== undefined;
}

function cmpInt(x: string, y: string): number {
    if (x === y) return 0;
    if (x.length !== y.length) return x.length < y.length ? -1 : 1;
    return x < y ? -1 : 1;
}

/** gover.Compare: Go's order of Go versions (1.20rc1 < 1.20 = 1.20.0 < 1.21 < 1.21rc1 < 1.21.0 < 1.21.1). */
export function compareGoVersions(x: string, y: string): number {
    const zero: Version = { major: "", minor: "", patch: "", kind: "", pre: "" };
    const a = parseVersion(x) ?? zero;
    const b = parseVersion(y) ?? zero;
    return cmpInt(a.major, b.major) || cmpInt(a.minor, b.minor) || cmpInt(a.patch, b.patch)
        || (a.kind === b.kind ? 0 : a.kind < b.kind ? -1 : 1) || cmpInt(a.pre, b.pre);
}

/** gover.FromToolchain: go1.22.5 and go1.22.5-custom name 1.22.5; undefined when the name holds no version. */
export function toolchainVersion(name: string): string | undefined {
    if (/[\\/]/.test(name) || !name.startsWith("go")) return undefined;
    let v = name.slice(2);
    const i = v.search(/[ \t-]/);
    if (i >= 0) v = v.slice(0, i);
    return isValidVersion(v) ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// go.mod syntax (golang.org/x/mod/modfile: read.go)
// ---------------------------------------------------------------------------------------------

type Fail = (line: number, goSays: string, allowed: string, given?: string) => never;
type Token = { kind: "ident" | "string" | "punct" | "nl" | "comment" | "eolcomment" | "eof"; text: string; line: number };
type Stmt =
    | { kind: "line"; tokens: string[]; line: number }
    | { kind: "block"; tokens: string[]; line: number; lines: { tokens: string[]; line: number }[] };

/** unicode.IsPrint && !unicode.IsSpace, minus modfile's punctuation: what an identifier may hold. */
const IDENT_CHAR = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
function isIdent(c: string): boolean {
    return !" ()[]{},".includes(c) && IDENT_CHAR.test(c);
}

function lex(text: string, fail: Fail): Token[] {
    const chars = Array.from(text);
    const tokens: Token[] = [];
    let i = 0;
    let line = 1;
    const peekPrefix = (p: string) => chars[i] === p[0] && chars[i + 1] === p[1];
    const comments = "mod files must use // comments (not /* */ comments)";
    for (;;) {
        // spaces, and comments (to the end of the line, newline included)
        let emitted = false;
        while (i < chars.length) {
            const c = chars[i];
            if (c === " " || c === "\t" || c === "\r") { i++; continue; }
            if (peekPrefix("//")) {
                const start = line;
                let j = i - 1;
                let suffix = false;
                while (j >= 0 && chars[j] !== "\n") { if (!/\s/.test(chars[j])) suffix = true; j--; }
                let body = "";
                while (i < chars.length) {
                    const r = chars[i++];
                    if (r === "\n") { line++; break; }
                    body += r;
                }
                tokens.push({ kind: suffix ? "eolcomment" : "comment", text: body, line: start });
                emitted = true;
                break;
            }
            if (peekPrefix("/*")) fail(line, comments, "// comments");
            break;
        }
        if (emitted) continue;
        if (i >= chars.length) {
            tokens.push({ kind: "eof", text: "", line });
            return tokens;
        }
        const c = chars[i];
        if (c === "\n") {
            tokens.push({ kind: "nl", text: c, line });
            i++;
            line++;
            continue;
        }
        if ("()[]{},".includes(c)) {
            tokens.push({ kind: "punct", text: c, line });
            i++;
            continue;
        }
        if (c === '"' || c === "`") {
            const start = i;
            i++;
            for (;;) {
                if (i >= chars.length) fail(line, "unexpected EOF in string", "a string closed on the line it starts");
                if (chars[i] === "\n") fail(line, "unexpected newline in string", "a string closed on the line it starts");
                const r = chars[i++];
                if (r === c) break;
                if (r === "\\" && c !== "`") {
                    if (i >= chars.length) fail(line, "unexpected EOF in string", "a string closed on the line it starts");
                    i++;
                }
            }
            tokens.push({ kind: "string", text: chars.slice(start, i).join(""), line });
            continue;
        }
        if (!isIdent(c)) {
            const code = c.codePointAt(0)!;
            const shown = code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}`
                : code > 0xffff ? `\\U${code.toString(16).padStart(8, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
            fail(line, `unexpected input character '${shown}'`, `printable text: U+${code.toString(16).toUpperCase().padStart(4, "0")} cannot appear in go.mod`);
        }
        const start = i;
        while (i < chars.length && isIdent(chars[i])) {
            if (peekPrefix("//")) break;
            if (peekPrefix("/*")) fail(line, comments, "// comments");
            i++;
        }
        tokens.push({ kind: "ident", text: chars.slice(start, i).join(""), line });
    }
}

/** read.go's parseFile/parseStmt/parseLineBlock: lines and blocks of tokens. */
function parseStatements(text: string, fail: Fail): Stmt[] {
    const toks = lex(text, fail);
    let p = 0;
    const peek = () => toks[p];
    const next = () => toks[p++];
    const isEOL = (t: Token) => t.kind === "eof" || t.kind === "eolcomment" || t.kind === "nl";
    const stmts: Stmt[] = [];
    for (;;) {
        const t = peek();
        if (t.kind === "eof") return stmts;
        if (t.kind === "nl" || t.kind === "comment") { next(); continue; }
        const first = next();
        const tokens = [first.text];
        for (;;) {
            const tok = next();
            if (isEOL(tok)) {
                if (tok.kind === "eof") p--;
                stmts.push({ kind: "line", tokens, line: first.line });
                break;
            }
            if (tok.kind === "punct" && tok.text === "(") {
                if (isEOL(peek())) {
                    stmts.push(parseBlock(first.line, tokens));
                    break;
                } else if (peek().kind === "punct" && peek().text === ")") {
                    const rparen = next();
                    if (isEOL(peek())) {
                        const end = next();
                        if (end.kind === "eof") p--;
                        stmts.push({ kind: "block", tokens, line: first.line, lines: [] });
                        break;
                    }
                    tokens.push(tok.text, rparen.text);
                } else {
                    tokens.push(tok.text);
                }
                continue;
            }
            tokens.push(tok.text);
        }
    }

    function parseBlock(line: number, tokens: string[]): Stmt {
        const lines: { tokens: string[]; line: number }[] = [];
        for (;;) {
            const t = peek();
            if (t.kind === "eolcomment" || t.kind === "nl" || t.kind === "comment") { next(); continue; }
            if (t.kind === "eof") {
                const opening = text.split("\n")[line - 1].replace(/\r$/, "").trim();
                fail(t.line, `syntax error (unterminated block started at go.mod:${line}:1)`, `a block closed by ) on its own line (the block opened at line ${line})`, opening);
            }
            if (t.kind === "punct" && t.text === ")") {
                next();
                const after = peek();
                if (!isEOL(after)) fail(after.line, "syntax error (expected newline after closing paren)", "nothing after ) on its line");
                if (after.kind !== "eof") next();
                return { kind: "block", tokens, line, lines };
            }
            const first = next();
            const lt = [first.text];
            for (;;) {
                const tok = next();
                if (isEOL(tok)) {
                    if (tok.kind === "eof") p--;
                    break;
                }
                lt.push(tok.text);
            }
            lines.push({ tokens: lt, line: first.line });
        }
    }
}

/** modfile's parseString: "quoted" (Go syntax) or bare without quotes; calls bad() otherwise. */
function parseString(s: string, bad: () => never): string {
    if (s.startsWith('"')) {
        try {
            const v: unknown = JSON.parse(s);
            if (typeof v === "string") return v;
        } catch {
            // Go escapes JSON lacks (\x41, \101, \a, \v, \'): rare in module paths; let the go command judge
            if (/^"(?:[^"\\]|\\.)*"$/.test(s)) return s.slice(1, -1);
        }
        return bad();
    }
    if (/["'`]/.test(s)) return bad();
    return s;
}
