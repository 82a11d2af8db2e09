// Property-based tests (issue 9): for any generated input, the source parsers, the argument validator
// and the components give a model or a ConfigError — never another exception, never a raw stack, never a
// secret in the message — and every ConfigError has the documented shape. Parsers are also timed: the
// whole parser suite has one budget (checked at the end), not a wall-clock bound per case.
//
// Runs are reproducible: every fc.assert uses one seed (FC_SEED=<n> to try another, FC_SEED=random for
// a fresh one); a failure prints the seed, the path and the shrunk counterexample (replay it with
// FC_SEED=<seed> FC_PATH=<path> and --test-name-pattern for that one property: the path is per property).
// FC_RUNS_SCALE=<k> multiplies every number of runs (and the budget) for a longer search.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as fc from "fast-check";
import { z } from "zod";
import { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { domainArgs } from "../../provider/config/args/domain";
import { engineAppArgs } from "../../provider/config/args/engineApp";
import { envGroupArgs } from "../../provider/config/args/envGroup";
import { COMPONENT_KIND, fieldMeta } from "../../provider/config/args/fields";
import { gatewayArgs } from "../../provider/config/args/gateway";
import { kubernetesSettings } from "../../provider/config/args/kubernetes";
import { leanCacheInstanceArgs } from "../../provider/config/args/leanCacheInstance";
import { ConfigError, describeValue } from "../../provider/config/errors";
import { parseAppYaml } from "../../provider/config/source/appYaml";
import { parseGoMod } from "../../provider/config/source/goMod";
import { parseLeanengineYaml } from "../../provider/config/source/leanengineYaml";
import { readGoSource } from "../../provider/config/source/sourceDir";
import { parseYamlMapping } from "../../provider/config/source/yamlMapping";
import { unwrap } from "../../provider/config/schemaWalk";
import { validate } from "../../provider/config/validate";
import { fixture, run } from "../mocks";

// ---------------------------------------------------------------------------------------------
// Reproducibility and budget
// ---------------------------------------------------------------------------------------------

const SEED = process.env.FC_SEED === "random" ? Date.now() ^ (Math.random() * 0x100000000) : Number(process.env.FC_SEED ?? 0x5eed0009);
/** Scales every property's number of runs (FC_RUNS_SCALE=10 for a long soak). */
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);

/** `examples`: inputs earlier runs found problems with, tried first on every run. */
function params<T>(numRuns: number, examples: T[] = []): fc.Parameters<T> {
    return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)), path: process.env.FC_PATH, includeErrorInReport: true, examples };
}

/** The parsers' budget: the total time of every parser call in this file, checked once at the end. */
const PARSER_BUDGET_MS = 20_000 * SCALE;
const budget = { calls: 0, ms: 0, slowestMs: 0, slowest: "" };

/** How many generated inputs gave a value and how many a ConfigError, per property (printed at the end). */
const tallies = new Map<string, { values: number; errors: number }>();
function tally(name: string, o: Outcome): Outcome {
    const t = tallies.get(name) ?? { values: 0, errors: 0 };
    if (o.ok) t.values += 1;
    else t.errors += 1;
    tallies.set(name, t);
    return o;
}

function timed<T>(what: string, act: () => T): T {
    const start = process.hrtime.bigint();
    try {
        return act();
    } finally {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        budget.calls += 1;
        budget.ms += ms;
        if (ms > budget.slowestMs) {
            budget.slowestMs = ms;
            budget.slowest = what.length > 200 ? `${what.slice(0, 200)}... (${what.length} chars)` : what;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The properties every outcome must have
// ---------------------------------------------------------------------------------------------

type Outcome = { ok: true; value: unknown } | { ok: false; error: ConfigError };

/** Runs `act`: a value or a ConfigError; anything else fails the property (with the error's name and first line). */
function outcome(act: () => unknown): Outcome {
    try {
        return { ok: true, value: act() };
    } catch (e) {
        if (e instanceof ConfigError) return { ok: false, error: e };
        throw notConfigError(e);
    }
}

class NotConfigError extends Error {}

function notConfigError(e: unknown, when = ""): Error {
    let what: string;
    try {
        what = e instanceof Error ? `${e.constructor.name} (${e.name}): ${e.message.split("\n")[0]}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}` : `a thrown ${typeof e}: ${String(e)}`;
    } catch {
        what = "a value that cannot be printed";
    }
    return new NotConfigError(`expected a value or a ConfigError${when ? ` ${when}` : ""}, got ${what}`, { cause: e });
}

/** A field names something: not empty, no empty last part ("leanengine.yaml: ", "variables."), on one line. */
function fieldProblems(field: string): string[] {
    if (typeof field !== "string") return [];
    const problems: string[] = [];
    if (/(^|: |\.)$/.test(field)) problems.push(`the field ${JSON.stringify(field)} ends in an empty name`);
    if (/[\r\n\u2028\u2029]/.test(field)) problems.push(`the field ${JSON.stringify(field.slice(0, 80))} spans several lines`);
    return problems;
}

/** What is wrong with a ConfigError's message; [] when it has the documented shape and no marker. */
function messageProblems(error: ConfigError, markers: string[] = []): string[] {
    const problems: string[] = [];
    const message = error.message;
    if (error.name !== "ConfigError") problems.push(`name is ${error.name}`);
    for (const [part, value] of [["resource", error.resource], ["field", error.field], ["allowed", error.allowed]] as const) {
        if (typeof value !== "string" || value.trim() === "") problems.push(`empty ${part}`);
    }
    problems.push(...fieldProblems(error.field));
    const given = describeValue(error.given);
    if (given.trim() === "") problems.push("empty given");
    const head = `${error.resource}: invalid ${error.field}: got ${given}; allowed: ${error.allowed}`;
    if (!message.startsWith(head)) problems.push(`message does not start with "<resource>: invalid <field>: got <given>; allowed: <allowed>"`);
    const allowedParts = [error.allowed];
    const rest = message.startsWith(head) ? message.slice(head.length) : "";
    if (rest !== "") {
        if (!rest.startsWith("\n  and invalid ")) problems.push(`text after the first problem is not "\\n  and invalid ...": ${JSON.stringify(rest.slice(0, 80))}`);
        else {
            for (const line of rest.slice(1).split("\n")) {
                const m = /^ {2}and invalid ([^\n]+?): got ([^\n]+); allowed: ([^\n]+)$/.exec(line);
                if (!m) problems.push(`malformed further line: ${JSON.stringify(line.slice(0, 120))}`);
                else {
                    problems.push(...fieldProblems(m[1]));
                    allowedParts.push(m[3]);
                }
            }
        }
    }
    if (head.includes("\n")) problems.push("the first problem spans several lines");
    for (const allowed of allowedParts) {
        if (/Invalid input/i.test(allowed)) problems.push(`allowed says zod's "Invalid input": ${JSON.stringify(allowed)}`);
        if (/\ba (array|object)\b/.test(allowed)) problems.push(`allowed is not English: ${JSON.stringify(allowed)}`);
        if (allowed.trim() === "" || allowed === "undefined") problems.push(`allowed is empty`);
    }
    if (/\n\s+at /.test(message) || /\bat .*\.(js|ts):\d+:\d+/.test(message)) problems.push("the message holds a stack trace");
    for (const marker of markers) if (message.includes(marker)) problems.push(`the message shows the secret ${marker}`);
    return problems;
}

function assertWellFormed(o: Outcome, markers: string[] = []): void {
    if (o.ok) return;
    const problems = messageProblems(o.error, markers);
    if (problems.length) assert.fail(`${problems.join("; ")}\nmessage: ${o.error.message}`);
}

/** The same outcome, for determinism: equal values, or ConfigErrors with one message. */
function assertSameOutcome(a: Outcome, b: Outcome): void {
    assert.equal(a.ok, b.ok, "same input, once a value and once an error");
    if (a.ok && b.ok) assert.ok(sameValue(a.value, b.value), "same input, two different values");
    if (!a.ok && !b.ok) assert.equal(a.error.message, b.error.message);
}

/** Runs `act` with process.emitWarning collecting instead of printing; returns its result and the warnings. */
function withoutWarnings<T>(act: () => T): [T, string[]] {
    const warnings: string[] = [];
    const original = process.emitWarning;
    process.emitWarning = ((warning: string | Error) => {
        warnings.push(typeof warning === "string" ? warning : warning.message);
    }) as typeof process.emitWarning;
    try {
        return [act(), warnings];
    } finally {
        process.emitWarning = original;
    }
}

/** Structural equality without recursion (parsed values may be nested thousands deep, or cyclic). */
function sameValue(x: unknown, y: unknown): boolean {
    const stack: [unknown, unknown][] = [[x, y]];
    const seen = new Map<object, unknown>();
    while (stack.length) {
        const [a, b] = stack.pop()!;
        if (Object.is(a, b)) continue;
        if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
        if (seen.get(a) === b) continue;
        seen.set(a, b);
        if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
        for (const k of ka) stack.push([(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]]);
    }
    return true;
}

/** A value or a ConfigError of the documented shape; the same again for the same input; timed against the budget. */
function checkParser(name: string, text: string, parse: (text: string) => unknown): void {
    const [first, warnings] = withoutWarnings(() => tally(name, timed(text, () => outcome(() => parse(text)))));
    assertWellFormed(first);
    // A process warning is printed to the user's terminal beside Pulumi's output, outside any error.
    assert.deepEqual(warnings, [], "the parser emitted process warnings");
    assertSameOutcome(first, outcome(() => parse(text)));
}

// ---------------------------------------------------------------------------------------------
// Parsers
// ---------------------------------------------------------------------------------------------

const R = 'cloudengine:index:EngineApp "web"';
const DEFAULTS = { install: "go mod download", build: "go build -o main" };
const PARSERS: Record<string, (text: string) => unknown> = {
    parseYamlMapping: (t) => parseYamlMapping(t, R, "leanengine.yaml", "a YAML mapping"),
    parseLeanengineYaml: (t) => parseLeanengineYaml(t, R, DEFAULTS),
    parseAppYaml: (t) => parseAppYaml(t, R),
    parseGoMod: (t) => parseGoMod(t, R),
};
const YAML_PARSERS = ["parseYamlMapping", "parseLeanengineYaml", "parseAppYaml"];

/** Any text: printable, any code point (lone surrogates included), ASCII with control characters. */
const anyText = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: "grapheme", maxLength: 100 }),
    fc.string({ unit: "binary", maxLength: 100 }),
    fc.string({ unit: "binary-ascii", maxLength: 200 }),
);

/** Inserts, deletes and replaces a few characters (typos, stray tabs, control characters, BOMs). */
function mutated(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
    const edit = fc.record({
        at: fc.nat(),
        drop: fc.nat({ max: 3 }),
        insert: fc.oneof(fc.constantFrom("", "\t", "\n", "\r\n", " ", "\uFEFF", "\u0000", "\u0085", "\u2028", ":", "- ", "#", '"', "'", "&a ", "*a", "{", "}", "[", "]", "(", ")", "//", "=>", "`"), fc.string({ unit: "binary", maxLength: 3 })),
    });
    return fc.tuple(text, fc.array(edit, { maxLength: 4 })).map(([t, edits]) => {
        let s = t;
        for (const e of edits) {
            const at = s.length ? e.at % (s.length + 1) : 0;
            s = s.slice(0, at) + e.insert + s.slice(at + e.drop);
        }
        return s;
    });
}

// YAML-ish documents: mappings of the keys the files know (and some they do not), values of every YAML
// type in block and flow style, anchors, aliases, merge keys, tags, duplicated keys and tab indentation.

type YNode =
    | { t: "scalar"; v: string }
    | { t: "alias"; name: string }
    | { t: "seq"; flow: boolean; items: YNode[]; anchor?: string }
    | { t: "map"; flow: boolean; entries: [string, YNode][]; anchor?: string };

const YAML_KEYS = ["install", "build", "run", "systemDependencies", "startupTimeout", "functionsMode", "runtime", "api_version", "use", "require", "handlers", "env_variables", "biuld", "<<", "? x", '"run"', "'build'", "1", "null", "true", "~"];
const anchorName = fc.constantFrom("a", "b", "c", "x");
const yamlScalar: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("default", "go", "go build", "go mod download", "./main", "ffmpeg", "imagemagick", "phantomjs", "strict", "1", "2", "3", "go.mod", "sub/x.go", "../outside", "/etc/passwd", "") },
    { weight: 3, arbitrary: fc.constantFrom("true", "false", "yes", "no", "null", "~", ".inf", "-.inf", ".nan", "0x1F", "0o17", "1e3", "-0", "30", "15", "120", "30.5", "2001-12-14t21:59:43.10-05:00", "'single'", '"double\\n"', '"\\uD800"', "!!str 5", "!!int x", "!!float y", "!!binary aGk=", "!!map {}", "!!seq []", "!custom x", "!<tag:x> y", "|\n  block", ">-\n  folded", "@x", "`x`", "%x", "-", "?", ":", ",", "#c", "&", "*", "*nope", "<<") },
    { weight: 2, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }).map((s) => JSON.stringify(s)) },
);
const { ynode } = fc.letrec<{ ynode: YNode }>((tie) => ({
    ynode: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        { weight: 5, arbitrary: yamlScalar.map((v): YNode => ({ t: "scalar", v })) },
        { weight: 1, arbitrary: anchorName.map((name): YNode => ({ t: "alias", name })) },
        { weight: 2, arbitrary: fc.record({ t: fc.constant("seq" as const), flow: fc.boolean(), items: fc.array(tie("ynode"), { maxLength: 4 }), anchor: fc.option(anchorName, { nil: undefined }) }) },
        { weight: 2, arbitrary: fc.record({ t: fc.constant("map" as const), flow: fc.boolean(), entries: fc.array(fc.tuple(fc.constantFrom(...YAML_KEYS), tie("ynode")), { maxLength: 4 }), anchor: fc.option(anchorName, { nil: undefined }) }) },
    ),
}));

function renderYaml(node: YNode, indent: string, unit: string, inFlow: boolean): string {
    const anchor = "anchor" in node && node.anchor ? `&${node.anchor} ` : "";
    switch (node.t) {
        case "scalar":
            return node.v;
        case "alias":
            return `*${node.name}`;
        case "seq":
            if (node.flow || inFlow || !node.items.length) return `${anchor}[${node.items.map((i) => renderYaml(i, indent, unit, true)).join(", ")}]`;
            return `${anchor}\n${node.items.map((i) => `${indent}- ${renderYaml(i, indent + unit, unit, false)}`).join("\n")}`;
        case "map":
            if (node.flow || inFlow || !node.entries.length) return `${anchor}{${node.entries.map(([k, v]) => `${k}: ${renderYaml(v, indent, unit, true)}`).join(", ")}}`;
            return `${anchor}\n${node.entries.map(([k, v]) => `${indent}${k}: ${renderYaml(v, indent + unit, unit, false)}`).join("\n")}`;
    }
}

const yamlDocument: fc.Arbitrary<string> = fc
    .record({
        entries: fc.array(fc.tuple(fc.constantFrom(...YAML_KEYS), ynode), { maxLength: 7 }),
        unit: fc.constantFrom("  ", "    ", " ", "\t", " \t"),
        prelude: fc.constantFrom("", "", "", "---\n", "%YAML 1.2\n---\n", "%YAML 1.1\n---\n", "\uFEFF", "# comment\n", "--- !!map\n", "runtime: go\napi_version: 1\n", "runtime: go\napi_version: '1'\n"),
        epilogue: fc.constantFrom("", "\n", "\n...\n", "\n---\nrun: other\n", "\n--- |\n  text", "\n# end"),
        crlf: fc.boolean(),
    })
    .map(({ entries, unit, prelude, epilogue, crlf }) => {
        const text = prelude + entries.map(([k, v]) => `${k}: ${renderYaml(v, unit, unit, false)}`).join("\n") + epilogue;
        return crlf ? text.replace(/\n/g, "\r\n") : text;
    });

/** "Billion laughs": each level's list repeats the previous level's alias. */
const aliasBomb = fc.record({ depth: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }), key: fc.constantFrom("build", "install", "handlers", "x") }).map(({ depth, width, key }) => {
    const lines = ["l0: &l0 [go build, go build]"];
    for (let d = 1; d <= depth; d++) lines.push(`l${d}: &l${d} [${Array.from({ length: width }, () => `*l${d - 1}`).join(", ")}]`);
    lines.push(`${key}: *l${depth}`);
    return lines.join("\n");
});

/** Deep nesting in flow and block style, up to the depth a 64 KB file can hold. */
const deepNesting = fc.record({ depth: fc.integer({ min: 1, max: 9_000 }), style: fc.constantFrom("seq", "map", "block-map", "block-seq", "mixed"), key: fc.constantFrom("build", "install", "run", "x") }).map(({ depth, style, key }) => {
    switch (style) {
        case "seq":
            return `${key}: ${"[".repeat(depth)}go${"]".repeat(depth)}`;
        case "map":
            return `${key}: ${"{a: ".repeat(depth)}go${"}".repeat(depth)}`;
        case "block-map":
            return Array.from({ length: Math.min(depth, 350) }, (_, i) => `${" ".repeat(i)}${key}:`).join("\n") + " go";
        case "block-seq":
            return `${key}:\n${"- ".repeat(Math.min(depth, 5000))}go`;
        default:
            return `${key}: ${"[{a: ".repeat(depth)}go${"}]".repeat(depth)}`;
    }
});

const yamlText = fc.oneof(
    { weight: 6, arbitrary: yamlDocument },
    { weight: 3, arbitrary: mutated(yamlDocument) },
    { weight: 1, arbitrary: aliasBomb },
);

// go.mod-ish texts: directives (known, misspelt, empty) with version-, path- and punctuation-like
// tokens, blocks, comments, quotes, CRLF, BOMs and control characters.

const goVersion = fc.oneof(
    fc.constantFrom("1.22", "1.22.3", "1.21", "1.21rc1", "1.21.0", "1.21.0rc1", "1.20", "1.9", "1", "2.0", "01.2", "1.x", "go1.22", "1.22.", "1.9999999999999999999999", "1.22beta", ""),
    fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,2}([a-z]{1,3}[0-9]{0,2})?$/),
);
const toolchainName = fc.oneof(fc.constantFrom("default", "go1.22.5", "go1.22.5-custom", "go1", "go1.", "gox", "go1.21rc1", "go1.21.0rc1", "go2.0", "local"), fc.stringMatching(/^go1(\.[0-9]{1,2}){0,2}([a-z]{2}[0-9])?(-[a-z]+)?$/));
const goToken = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("example.com/m", '"example.com/m"', "`raw/path`", '"unterminated', '"esc\\q"', '"\\u00e9"', "./local", "../x", "=>", "(", ")", "//", "/*", "*/", "v1.2.3", "v0.0.0-20200101000000-abcdef123456", "[v1.0.0,", "v1.9.0]", "key=value", "k=v,x", "'x'", "\u00e9", "\u0000", "\t") },
    { weight: 2, arbitrary: goVersion },
    { weight: 1, arbitrary: toolchainName },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);
const goVerb = fc.constantFrom("module", "go", "toolchain", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore", "Module", "unknown", "", "//", "module(", "require(");
const goLine = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(goVerb, fc.array(goToken, { maxLength: 4 }), fc.constantFrom(" ", "\t", "  ")).map(([v, toks, sep]) => [v, ...toks].join(sep)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("go", "toolchain"), fc.oneof(goVersion, toolchainName)).map(([v, x]) => `${v} ${x}`) },
    { weight: 1, arbitrary: fc.constantFrom("", "// comment", ")", "(", "require (", "go (", "toolchain (", "module (", "replace (", "retract (", "\t", "/* block */") },
    { weight: 1, arbitrary: fc.array(goToken, { maxLength: 3 }).map((toks) => `\t${toks.join(" ")}`) },
);
const goModText = fc
    .record({
        module: fc.constantFrom("", "module example.com/m\n", 'module "example.com/m"\n', "module example.com/m // c\n"),
        lines: fc.array(goLine, { maxLength: 10 }),
        bom: fc.boolean().map((b) => (b ? "\uFEFF" : "")),
        crlf: fc.boolean(),
    })
    .map(({ module, lines, bom, crlf }) => {
        const text = bom + module + lines.join("\n");
        return crlf ? text.replace(/\n/g, "\r\n") : text;
    });

const parserRuns = (n: number, examples: string[] = []) => params<[string]>(n, examples.map((e) => [e]));

/** YAML the properties once found problems with: a collection as a key, a self-referencing alias, an empty key. */
const YAML_FOUND = ["? x: 0", "? [a, b]\n: x", "? x: &a \n  install: \n  use: default\n  \"run\": go mod download", "install: \n  - &a \n    - *a", '"": x', '"a\\nb": x'];

describe("properties: source parsers give a model or a ConfigError, of the documented shape, deterministically", () => {
    for (const [name, parse] of Object.entries(PARSERS)) {
        it(`${name}: arbitrary strings and unicode`, () => {
            fc.assert(fc.property(anyText, (text) => checkParser(name, text, parse)), parserRuns(250));
        });
    }
    for (const name of YAML_PARSERS) {
        it(`${name}: YAML-ish documents (known keys, random values, anchors, aliases, tabs, duplicated keys)`, () => {
            fc.assert(fc.property(yamlText, (text) => checkParser(`${name} (YAML-ish)`, text, PARSERS[name])), parserRuns(250, YAML_FOUND));
        });
        it(`${name}: deep nesting`, () => {
            fc.assert(fc.property(deepNesting, (text) => checkParser(`${name} (deep)`, text, PARSERS[name])), parserRuns(25));
        });
    }
    it("parseGoMod: go.mod-ish lines", () => {
        fc.assert(fc.property(fc.oneof({ weight: 3, arbitrary: goModText }, { weight: 1, arbitrary: mutated(goModText) }), (text) => checkParser("parseGoMod (go.mod-ish)", text, PARSERS.parseGoMod)), parserRuns(500));
    });
    it("parseGoMod: a model names a module and a version choice consistent with its go line", () => {
        fc.assert(
            fc.property(goModText, (text) => {
                const o = outcome(() => parseGoMod(text, R));
                if (!o.ok) return;
                const info = o.value as ReturnType<typeof parseGoMod>;
                assert.equal(typeof info.module, "string");
                assert.equal(info.defaulted, info.goVersion === undefined);
                if (info.go !== undefined) assert.ok(info.goVersion !== undefined, "a go line always names a version");
            }),
            parserRuns(300),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// readGoSource on generated directories (fewer runs: it touches the disk)
// ---------------------------------------------------------------------------------------------

type Content = { text: string } | { bytes: Uint8Array } | { big: number };
type Entry = { kind: "file"; at: string; content: Content } | { kind: "link"; at: string; target: string } | { kind: "dir"; at: string } | { kind: "fifo"; at: string };

const ENTRY_PATHS = ["go.mod", "go.mod", "leanengine.yaml", "leanengine.yaml", "app.yaml", "go.sum", "main.go", "sub/x.go", "sub", "sub/deeper/f", "vendor/m.txt", ".git/HEAD", "loop", "loop2", "link"];
const LINK_TARGETS = ["go.mod", "main.go", "sub", "sub/x.go", "../outside", "../../..", "/etc/hostname", "/nonexistent", "loop", "loop2", "link", ".", "..", "sub/../go.mod", "missing"];
const leanWithRequire = fc.array(fc.constantFrom("go.mod", "go.sum", "sub/x.go", "sub", "../x", "/etc/hostname", "loop", "link", "missing", "a/../../x", ""), { minLength: 1, maxLength: 3 }).map((files) => `install:\n  - require: [${files.map((f) => JSON.stringify(f)).join(", ")}]\n  - go mod download\n`);
const content: fc.Arbitrary<Content> = fc.oneof(
    { weight: 3, arbitrary: goModText.map((text) => ({ text })) },
    { weight: 3, arbitrary: yamlText.map((text) => ({ text })) },
    { weight: 2, arbitrary: leanWithRequire.map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constantFrom("runtime: go\napi_version: 1\n", "module example.com/m\ngo 1.22\n", "").map((text) => ({ text })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes })) },
    { weight: 1, arbitrary: fc.constantFrom(Uint8Array.of(0xff, 0xfe, 0x6d), Uint8Array.of(0x6d, 0x6f, 0xc3, 0x28), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xef, 0xbb, 0xbf, 0x6d, 0x6f, 0x64)).map((bytes) => ({ bytes })) },
    { weight: 1, arbitrary: fc.constantFrom(64 * 1024, 64 * 1024 + 1, 1024 * 1024 + 1).map((big) => ({ big })) },
);
const entry: fc.Arbitrary<Entry> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("file" as const), at: fc.constantFrom(...ENTRY_PATHS), content }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("link" as const), at: fc.constantFrom(...ENTRY_PATHS), target: fc.constantFrom(...LINK_TARGETS) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("dir" as const), at: fc.constantFrom(...ENTRY_PATHS) }) },
    // a named pipe: reading one would wait forever
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("fifo" as const), at: fc.constantFrom("go.mod", "leanengine.yaml", "app.yaml", "sub/pipe") }) },
);
const sourceTree = fc.record({ validGoMod: fc.boolean(), entries: fc.array(entry, { maxLength: 6 }) });

const tempRoots: string[] = [];
after(() => {
    for (const dir of tempRoots) fs.rmSync(dir, { recursive: true, force: true });
});

/** Whether every existing parent of `relative` under root is a real directory (no link, no file) and nothing stands at it. */
function plainPathInside(root: string, relative: string): boolean {
    let at = root;
    for (const part of relative.split("/")) {
        at = path.join(at, part);
        let stat: fs.Stats;
        try {
            stat = fs.lstatSync(at);
        } catch {
            return true; // from here on nothing exists: created fresh, inside root
        }
        if (at === path.join(root, relative) || !stat.isDirectory()) return false;
    }
    return false;
}

/** Writes the entries (each one that cannot be written where an earlier one stands is skipped). */
function materialize(tree: { validGoMod: boolean; entries: Entry[] }): string {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "ce-prop-"));
    tempRoots.push(parent);
    const root = path.join(parent, "app");
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(parent, "outside"), "module evil.example/outside\n");
    const entries: Entry[] = tree.validGoMod ? [{ kind: "file", at: "go.mod", content: { text: "module example.com/m\ngo 1.22\n" } }, ...tree.entries] : tree.entries;
    for (const e of entries) {
        const full = path.join(root, e.at);
        // Never through a link: an earlier entry may have made a parent a link out of the directory
        // (a write there would land on the machine's own files).
        if (!plainPathInside(root, e.at)) continue;
        try {
            fs.mkdirSync(path.dirname(full), { recursive: true });
            if (e.kind === "dir") fs.mkdirSync(full);
            else if (e.kind === "link") fs.symlinkSync(e.target, full);
            else if (e.kind === "fifo") execFileSync("mkfifo", [full], { stdio: "ignore" });
            // "wx": fails when anything stands there, a dangling link included (O_EXCL never follows one)
            else if ("big" in e.content) fs.writeFileSync(full, Buffer.alloc(e.content.big, "module x\n"), { flag: "wx" });
            else fs.writeFileSync(full, "text" in e.content ? e.content.text : e.content.bytes, { flag: "wx" });
        } catch {
            // an earlier entry stands there (a file where a directory should go, an existing link, ...)
        }
    }
    return root;
}

describe("properties: readGoSource on generated source directories", () => {
    it("gives a GoSource or a ConfigError (links, big files, non-UTF-8 bytes, loops)", () => {
        fc.assert(
            fc.property(sourceTree, (tree) => {
                const root = materialize(tree);
                try {
                    checkParser("readGoSource", root, (dir) => readGoSource(dir, R));
                } finally {
                    fs.rmSync(path.dirname(root), { recursive: true, force: true });
                }
            }),
            params<[{ validGoMod: boolean; entries: Entry[] }]>(80, [
                // a dangling link, and a loop of links, where a source file should be
                [{ validGoMod: true, entries: [{ kind: "link", at: "leanengine.yaml", target: "main.go" }] }],
                [{ validGoMod: false, entries: [{ kind: "link", at: "go.mod", target: "loop" }, { kind: "link", at: "loop", target: "go.mod" }] }],
            ]),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// Argument validation: values built from each schema's own keys
// ---------------------------------------------------------------------------------------------

/** Stands for a reference to a component of this kind; under mocks it becomes a real one. */
class RefPlaceholder {
    constructor(readonly kind: string) {}
    [fc.toStringMethod](): string {
        return `<a ${this.kind}>`;
    }
}
const KINDS = ["EngineApp", "LeanCacheInstance", "EnvGroup", "Gateway", "Domain"];

type Def = { type: string; checks?: { _zod: { def: Record<string, unknown> } }[]; [k: string]: unknown };
function defOf(schema: z.ZodType): Def {
    return schema._zod.def as unknown as Def;
}

function metaOf(schema: z.ZodType): { ref?: string; secret?: boolean; input?: boolean } {
    for (let s: z.ZodType | undefined = schema; s; ) {
        const meta = fieldMeta.get(s);
        if (meta) return meta;
        const def = defOf(s) as { innerType?: z.ZodType; in?: z.ZodType; type: string };
        s = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    }
    return {};
}

/** Anything at all: nested objects and arrays, null-prototype objects, boxed values, maps, typed arrays, big ints, dates. */
const junk = fc.anything({ maxDepth: 3, maxKeys: 4, withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true, withDate: true, withUnicodeString: true });

/** Values JSON and String() choke on: cycles, BigInts beside a toString that is not a function, a throwing toJSON. */
function hostileValues(): unknown[] {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const cyclicList: unknown[] = ["x"];
    cyclicList.push(cyclicList);
    return [
        cyclic,
        cyclicList,
        { inner: cyclic },
        { a: 1n, toString: 1 },
        Object.assign(Object.create(null), { a: 1n }),
        { toJSON: () => { throw new Error("toJSON"); } },
        Symbol("sym"),
        () => "fn",
        new Error("an error object"),
        /regex/,
        Promise.resolve("a promise"),
    ];
}
const hostile = fc.constantFrom(...hostileValues());

function boundsOf(def: Def): { min?: number; max?: number } {
    const out: { min?: number; max?: number } = {};
    for (const c of def.checks ?? []) {
        const d = c._zod.def as { check?: string; value?: number };
        if (d.check === "greater_than") out.min = Number(d.value);
        if (d.check === "less_than") out.max = Number(d.value);
    }
    return out;
}

/** Values of the form the schema describes (often valid, sometimes just outside its bounds). */
function plausible(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
    const meta = metaOf(schema);
    if (meta.ref) return fc.oneof({ weight: 4, arbitrary: fc.constant(new RefPlaceholder(meta.ref)) }, { weight: 1, arbitrary: fc.constantFrom(...KINDS).map((k) => new RefPlaceholder(k)) }, { weight: 1, arbitrary: fc.constantFrom({ [COMPONENT_KIND]: "Nope" }, "a-name", 42) });
    if (meta.input) return fc.oneof({ weight: 8, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => pulumi.output(s)) });
    const def = defOf(unwrap(schema));
    switch (def.type) {
        case "string": {
            const regex = (def.checks ?? []).map((c) => c._zod.def).find((d) => d.format === "regex")?.pattern as RegExp | undefined;
            const options: fc.Arbitrary<string>[] = [fc.string({ maxLength: 12 }), fc.constantFrom("", "x", "web", "example.com", "a.example.com", "10.0.0.1", "1.2.3.4", "https://api.example.com", "ftp://x", "UTC", "Asia/Shanghai", "512M", "1G", "nginx:1.28", "registry.example.com/team/app:v3", "default", "my-ns", "has spaces")];
            if (regex) {
                try {
                    options.push(fc.stringMatching(regex, { size: "xsmall" }));
                } catch {
                    // a pattern fast-check cannot generate from (lookahead): the constants above cover it
                }
            }
            return fc.oneof(...options.map((arbitrary, i) => ({ weight: i === 2 ? 8 : 1, arbitrary })));
        }
        case "number": {
            const { min = -10, max = 100_000 } = boundsOf(def);
            return fc.oneof({ weight: 6, arbitrary: fc.integer({ min: Math.max(-1e6, min), max: Math.min(1e6, max) }) }, fc.integer({ min: Math.max(-1e6, min - 2), max: Math.min(1e6, max + 2) }), fc.constantFrom(min, max, min - 1, max + 1, 0.5, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2), fc.double({ noNaN: false }));
        }
        case "boolean":
            return fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom("true", 0, 1) });
        case "enum":
            return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...Object.values(def.entries as Record<string, string>)) }, { weight: 1, arbitrary: fc.constantFrom("", "lru", "cn", "EU", "Default") });
        case "literal":
            return fc.constantFrom(...(def.values as unknown[]));
        case "array":
            return depth > 3 ? fc.constant([]) : fc.array(plausible(def.element as z.ZodType, depth + 1), { maxLength: 3 });
        case "record":
            return depth > 3 ? fc.constant({}) : fc.dictionary(fc.oneof({ weight: 6, arbitrary: plausible(def.keyType as z.ZodType, depth + 1) as fc.Arbitrary<string> }, fc.constantFrom("A", "GREETING", "LEANCLOUD_APP_ID", "REDIS_URL_X", "TZ", "1BAD", "with space", "__proto__", "constructor", "")), plausible(def.valueType as z.ZodType, depth + 1), { maxKeys: 3 });
        case "object":
            return depth > 3 ? fc.constant({}) : argsOf(schema, depth + 1);
        case "union":
            return fc.oneof(...(def.options as z.ZodType[]).map((o) => plausible(o, depth + 1)));
        default:
            return junk;
    }
}

/** Values of a field: mostly plausible, sometimes of a wrong type or anything at all. */
function fieldValue(schema: z.ZodType, depth: number): fc.Arbitrary<unknown> {
    return fc.oneof(
        { weight: 16, arbitrary: plausible(schema, depth) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, "", [], {}, true, "x", [1, 2], { a: 1 }) },
        { weight: 2, arbitrary: junk },
        { weight: 1, arbitrary: hostile },
    );
}

/** An argument object from a few of the schema's own keys (all of them now and then), rarely an unknown key. */
function argsOf(schema: z.ZodType, depth = 0, exclude: string[] = []): fc.Arbitrary<Record<string, unknown>> {
    const shape = (defOf(unwrap(schema)) as unknown as { shape: Record<string, z.ZodType> }).shape;
    const keys = Object.keys(shape).filter((k) => !exclude.includes(k));
    const values = Object.fromEntries(keys.map((k) => [k, fieldValue(shape[k], depth)]));
    const some = fc.subarray(keys, { maxLength: Math.min(4, keys.length) }).chain((chosen) => fc.record(Object.fromEntries(chosen.map((k) => [k, values[k]]))));
    const known = fc.oneof({ weight: 4, arbitrary: some }, { weight: 1, arbitrary: fc.record(values, { requiredKeys: [] }) }) as fc.Arbitrary<Record<string, unknown>>;
    const unknownKeys = fc.dictionary(fc.oneof(fc.constantFrom("instance", "secret", "srouce", "toString", "__proto__", "constructor", "hasOwnProperty"), fc.string({ maxLength: 8 })).filter((k) => !(k in shape)), junk, { maxKeys: 2 });
    return fc.tuple(known, fc.option(unknownKeys, { freq: 8, nil: undefined })).map(([k, u]) => (u ? { ...k, ...u } : k));
}

interface Component {
    name: string;
    schema: z.ZodType;
    /** Resource label. */
    label: string;
    /** Builds the component from (placeholder-free) args. */
    create?: (name: string, args: any) => unknown;
    /** Args that make the generated object closer to valid (e.g. exactly one of source/image). */
    base?: fc.Arbitrary<Record<string, unknown>>;
    /** Keys the base gives (left out of the random ones most of the time). */
    exclude?: string[];
}

const COMPONENTS_LIST: Component[] = [
    {
        name: "EngineApp",
        schema: engineAppArgs,
        label: 'cloudengine:index:EngineApp "web"',
        create: (name, args) => new EngineApp(name, args),
        base: fc.constantFrom({ source: fixture("goapp") }, { image: "nginx:1.28" }, { image: "nginx:1.28", run: "nginx -g 'daemon off;'" }, { engineImage: "registry.example.com/team/app:v3" }, {}),
        exclude: ["source", "image", "engineImage", "run", "gateway"],
    },
    { name: "LeanCacheInstance", schema: leanCacheInstanceArgs, label: 'cloudengine:index:LeanCacheInstance "cache"', create: (name, args) => new LeanCacheInstance(name, args) },
    { name: "Domain", schema: domainArgs, label: 'cloudengine:index:Domain "d"', create: (name, args) => new Domain(name, args), base: fc.constantFrom({ hostname: "www.example.com", app: new RefPlaceholder("EngineApp") }, { hostname: "stg-web.example.com", app: new RefPlaceholder("EngineApp"), tls: {} }, {}), exclude: ["hostname", "app"] },
    { name: "EnvGroup", schema: envGroupArgs, label: 'cloudengine:index:EnvGroup "shared"', create: (name, args) => new EnvGroup(name, args) },
    { name: "Gateway", schema: gatewayArgs, label: 'cloudengine:index:Gateway "gw"', create: (name, args) => new Gateway(name, args) },
    { name: "kubernetes settings", schema: kubernetesSettings, label: "stack config cloudengine:kubernetes" },
];

/** Components print as their name in counterexamples. */
const COMPONENTS: Component[] = COMPONENTS_LIST.map((c) => Object.assign(c, { [fc.toStringMethod]: () => c.name }));

function componentArgs(c: Component): fc.Arbitrary<Record<string, unknown>> {
    const args = c.exclude ? fc.oneof({ weight: 4, arbitrary: argsOf(c.schema, 0, c.exclude) }, { weight: 1, arbitrary: argsOf(c.schema) }) : argsOf(c.schema);
    return c.base ? fc.tuple(c.base, args, fc.boolean()).map(([b, a, baseWins]) => (baseWins ? { ...a, ...b } : { ...b, ...a })) : args;
}

/** For validate alone: placeholders become objects marked with the kind, as components are. */
function fakeRefs(value: unknown): unknown {
    return replaceRefs(value, (kind) => ({ [COMPONENT_KIND]: kind }));
}

/** The value with placeholders replaced, copying plain objects and arrays (cycles kept as cycles). */
function replaceRefs(value: unknown, make: (kind: string) => unknown, seen = new Map<object, unknown>()): unknown {
    if (value instanceof RefPlaceholder) return make(value.kind);
    if (!value || typeof value !== "object") return value;
    if (seen.has(value)) return seen.get(value);
    if (Array.isArray(value)) {
        const copy: unknown[] = [];
        seen.set(value, copy);
        for (const v of value) copy.push(replaceRefs(v, make, seen));
        return copy;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    const copy: Record<string, unknown> = {};
    seen.set(value, copy);
    for (const [k, v] of Object.entries(value)) Object.defineProperty(copy, k, { value: replaceRefs(v, make, seen), enumerable: true, writable: true, configurable: true });
    return copy;
}

/** Arguments the properties once found problems with: empty keys, cycles, objects String() cannot print. */
const VALIDATE_FOUND: [Record<string, unknown>][] = (() => {
    const [cyclic, , , toStringNotAFunction, prototypeLess] = hostileValues();
    return [[{ "": 0 }], [{ variables: cyclic }], [{ group: cyclic, image: "nginx" }], [{ outboundIps: prototypeLess }], [{ region: toStringNotAFunction, image: "nginx" }], [{ variables: { "": "x" } }]];
})();

describe("properties: validate with every component schema", () => {
    for (const c of COMPONENTS) {
        it(`${c.name}: a config or a ConfigError of the documented shape, deterministically`, () => {
            fc.assert(
                fc.property(componentArgs(c), (generated) => {
                    const args = fakeRefs(generated);
                    const first = tally(`validate ${c.name}`, outcome(() => validate(c.schema, args, c.label)));
                    assertWellFormed(first);
                    if (!first.ok) assertSameOutcome(first, outcome(() => validate(c.schema, args, c.label)));
                }),
                params(200, VALIDATE_FOUND),
            );
        });
    }
    it("any value at all as the arguments", () => {
        fc.assert(
            fc.property(fc.constantFrom(...COMPONENTS), fc.oneof({ weight: 5, arbitrary: junk }, { weight: 1, arbitrary: hostile }), (c, args) => {
                assertWellFormed(outcome(() => validate(c.schema, args, c.label)));
            }),
            params(300),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// Secrets: a marker put in a secret field (or in an unknown one) never reaches a message
// ---------------------------------------------------------------------------------------------

const marker = fc.stringMatching(/^[0-9a-f]{12}$/).map((hex) => `S3cr3t${hex}`);

/** Ways a secret can be given wrongly (and rightly): as it is, with spaces, in a list, nested, boxed. */
const SECRET_FORMS: ((m: string) => unknown)[] = [
    (m) => m,
    (m) => `${m} with spaces`,
    (m) => `"${m}"`,
    (m) => [m],
    (m) => [m, 1],
    (m) => ({ value: m }),
    (m) => ({ deep: [{ x: m }] }),
    (m) => [[m]],
    (m) => new Map([["k", m]]),
    (m) => Object.assign(Object.create(null), { k: m }),
    (m) => new String(m),
    (m) => m.repeat(20),
    (m) => `${m}\n`,
    (m) => ({ [m]: m }),
];
const secretForm = fc.constantFrom(...SECRET_FORMS.map((f) => Object.assign(f, { [fc.toStringMethod]: () => f.toString() })));

/** A component, where the marker goes (a secret field or an unknown one) and the rest of its args. */
interface SecretCase { component: Component; place: string; build(m: string): Record<string, unknown> }

function secretCase(component: Component, place: string, args: Record<string, unknown>, form: (m: string) => unknown, put: (args: Record<string, unknown>, secret: unknown) => Record<string, unknown>): SecretCase {
    return {
        component,
        place,
        build: (m) => put(args, form(m)),
        [fc.toStringMethod]: () => `${component.name}, marker in ${place} as ${form.toString()}, other args ${fc.stringify(args)}`,
    } as SecretCase;
}

const asObject = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Built once: arbitraries from schemas are not cheap. */
const SECRET_CASES: fc.Arbitrary<SecretCase> = (() => {
    const byName = (n: string) => COMPONENTS.find((c) => c.name === n)!;
    const withArgs = (c: Component, place: string, put: (args: Record<string, unknown>, secret: unknown) => Record<string, unknown>) =>
        fc.tuple(componentArgs(c), secretForm).map(([args, form]) => secretCase(c, place, args, form, put));
    const unknownKey = fc.constantFrom("secret", "masterkey", "mastrKey", "passwd", "token", "privateKye", "apiKey");
    const anyComponent = fc.oneof(...COMPONENTS.map((c) => fc.tuple(fc.constant(c), componentArgs(c))));
    return fc.oneof(
        withArgs(byName("EngineApp"), "masterKey", (a, s) => ({ ...a, masterKey: s })),
        withArgs(byName("LeanCacheInstance"), "password", (a, s) => ({ ...a, password: s })),
        withArgs(byName("Domain"), "tls.privateKey", (a, s) => ({ ...a, tls: { ...asObject(a.tls), privateKey: s } })),
        fc.tuple(componentArgs(byName("EnvGroup")), fc.constantFrom("API_TOKEN", "1BAD", "LEANCLOUD_APP_ID", "with space", "A"), secretForm).map(([a, key, form]) =>
            secretCase(byName("EnvGroup"), `secrets.${key}`, a, form, (args, s) => ({ ...args, secrets: { ...asObject(args.secrets), [key]: s } })),
        ),
        // an unknown field, at the top or inside a known object field (Domain tls)
        fc.tuple(anyComponent, unknownKey, fc.boolean(), secretForm).map(([[c, a], key, nested, form]) =>
            nested && c.name === "Domain"
                ? secretCase(c, `tls.${key}`, a, form, (args, s) => ({ ...args, tls: { [key]: s } }))
                : secretCase(c, key, a, form, (args, s) => ({ ...args, [key]: s })),
        ),
    );
})();

const secretStats = { cases: 0, errors: 0 };

describe("properties: secrets never appear in errors", () => {
    it("validate: a marker in a secret field or an unknown field is not in the message", () => {
        fc.assert(
            fc.property(marker, SECRET_CASES, (m, sc) => {
                secretStats.cases += 1;
                const o = outcome(() => validate(sc.component.schema, fakeRefs(sc.build(m)), sc.component.label));
                if (!o.ok) secretStats.errors += 1;
                assertWellFormed(o, [m]);
            }),
            params(400),
        );
        // The property means something only when most cases fail validation.
        assert.ok(secretStats.errors > secretStats.cases / 2, `only ${secretStats.errors} of ${secretStats.cases} secret cases were errors`);
    });
});

// ---------------------------------------------------------------------------------------------
// The component constructors under Pulumi mocks (fewer runs: each registers resources)
// ---------------------------------------------------------------------------------------------

/** Replaces placeholders with real components of this run (one of each kind, created when first needed). */
function realRefs(value: unknown, made: Map<string, unknown>): unknown {
    return replaceRefs(value, (kind) => {
        if (!made.has(kind)) made.set(kind, createRef(kind, made));
        return made.get(kind);
    });
}

function createRef(kind: string, made: Map<string, unknown>): unknown {
    switch (kind) {
        case "EngineApp":
            return new EngineApp("ref-app", { image: "nginx:1.28" });
        case "LeanCacheInstance":
            return new LeanCacheInstance("refcache", { name: "REFCACHE" });
        case "EnvGroup":
            return new EnvGroup("ref-group", { variables: { A: "1" } });
        case "Gateway":
            return new Gateway("ref-gw", { httpPort: 8080, httpsPort: 8443 });
        case "Domain":
            return new Domain("ref-domain", { hostname: "ref.example.com", app: realRefs(new RefPlaceholder("EngineApp"), made) as EngineApp });
        default:
            throw new Error(kind);
    }
}

/** Programs the properties once found problems with (stack config that is not JSON, a stg- Domain of an app without staging). */
function constructorFound(name: string): [Record<string, unknown>, string, boolean, string, Record<string, string> | undefined][] {
    const m = "S3cr3t000000000000";
    switch (name) {
        case "EngineApp":
            return [[{ image: "nginx:1.28" }, m, false, "web", { "cloudengine:gateway": "not json" }], [{ image: "nginx:1.28" }, m, false, "web", { "cloudengine:platform": "kubernetes", "cloudengine:kubernetes": "not json" }]];
        case "Domain":
            return [[{ hostname: "stg-web.example.com", app: new RefPlaceholder("EngineApp"), tls: {} }, m, false, "d", undefined]];
        case "Gateway":
            return [[{}, m, false, "gw", { "cloudengine:platform": "kubernetes", "cloudengine:kubernetes": "not json" }]];
        default:
            return [];
    }
}

/**
 * Resource names: the usual, and names that stress labels, slugs and URNs. No whitespace, quotes or
 * backslashes: the mocks' generated secrets are "generated-<resource name>", which a real one never is
 * (a LeanCache password may not hold them).
 */
const resourceName = fc
    .oneof(
        { weight: 6, arbitrary: fc.constantFrom("web", "cache", "d", "shared", "gw") },
        { weight: 2, arbitrary: fc.constantFrom("My_App", "my-app-0e86b84b", "cloudengine", "CACHE", "a".repeat(300), "\u65e5\u672c", "a/b", "a::b", "$", "-", "stg-web", "ref-app", "refcache", "ref-gw") },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    )
    .filter((n) => !/[\s"'\\]/.test(n));

/** JSON text for a stack config value; what JSON cannot write becomes {}. */
function jsonText(value: unknown): string {
    try {
        return JSON.stringify(value) ?? "{}";
    } catch {
        return "{}";
    }
}

/** Stack config: the platform, the default gateway and the Kubernetes settings (mostly unset). */
const stackConfig = fc.record(
    {
        "cloudengine:platform": fc.constantFrom("docker", "docker", "kubernetes", "Docker", "", "nomad"),
        "cloudengine:gateway": fc.oneof(argsOf(gatewayArgs).map(jsonText), fc.constantFrom("not json", "[]", "null", "42", '{"httpPort": "80"}')),
        "cloudengine:kubernetes": fc.oneof(argsOf(kubernetesSettings).map(jsonText), fc.constantFrom("not json", "[]", "null", '"default"')),
    },
    { requiredKeys: [] },
);

describe("properties: the component constructors under mocks", () => {
    for (const c of COMPONENTS.filter((x) => x.create)) {
        it(`${c.name}: constructs or throws a ConfigError of the documented shape; the run settles`, async () => {
            await fc.assert(
                fc.asyncProperty(componentArgs(c), marker, fc.nat(3).map((n) => n === 0), resourceName, fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: stackConfig }), async (generated, m, withSecret, name, config) => {
                    let thrown: Outcome | undefined;
                    const markers = withSecret ? [m] : [];
                    const args = withSecret ? { ...generated, ...secretPlacement(c.name, m) } : generated;
                    const late = await withLateErrors(async () => {
                        try {
                            await run(
                                () => {
                                    const made = new Map<string, unknown>();
                                    thrown = outcome(() => c.create!(name, realRefs(args, made)));
                                },
                                { config },
                            );
                        } catch (e) {
                            if (e instanceof NotConfigError) throw e;
                            return [e];
                        }
                        return [];
                    });
                    assert.ok(thrown, "the program ran");
                    tally(`new ${c.name} under mocks`, thrown);
                    assertWellFormed(thrown, markers);
                    // What fails later (in Outputs, while registering) must be a ConfigError too; Pulumi's
                    // serializer may put its own "error serializing property ..." in front.
                    for (const e of late) {
                        if (!(e instanceof ConfigError)) throw notConfigError(e, "later, during the run");
                        const own = e.message.replace(/^(error serializing property "[^"]*": )+/, "");
                        const problems = messageProblems(Object.assign(Object.create(ConfigError.prototype), e, { message: own, name: e.name }), markers);
                        if (problems.length) assert.fail(`later, during the run: ${problems.join("; ")}\nmessage: ${e.message}`);
                    }
                }),
                params(30, constructorFound(c.name)),
            );
        });
    }
});

/**
 * Runs `act` and returns the errors it rejects with plus those that surface as unhandled rejections
 * meanwhile (a check inside an Output fails while Pulumi serializes a registration, after the program
 * returned). The test runner's own listeners are set aside meanwhile, so these count here, not as
 * "asynchronous activity after the test ended".
 */
async function withLateErrors(act: () => Promise<unknown[]>): Promise<unknown[]> {
    const late: unknown[] = [];
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const listener = (reason: unknown) => late.push(reason);
    process.on("unhandledRejection", listener);
    try {
        const errors = await act();
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        return [...errors, ...late];
    } finally {
        process.removeListener("unhandledRejection", listener);
        for (const l of saved) process.on("unhandledRejection", l);
    }
}

/** A marker in the component's secret field (or an unknown field where it has none). */
function secretPlacement(name: string, m: string): Record<string, unknown> {
    switch (name) {
        case "EngineApp":
            return { masterKey: [m] };
        case "LeanCacheInstance":
            return { password: `${m} with spaces` };
        case "Domain":
            return { tls: { certificate: "not a PEM", privateKey: m } };
        case "EnvGroup":
            return { secrets: { "BAD NAME": [m] } };
        default:
            return { secretToken: m };
    }
}

// ---------------------------------------------------------------------------------------------
// The parsers' budget
// ---------------------------------------------------------------------------------------------

describe("properties: budget", () => {
    it(`every parser call of this file together takes under ${PARSER_BUDGET_MS / 1000} s`, () => {
        const average = budget.calls ? budget.ms / budget.calls : 0;
        console.log(`# parser calls: ${budget.calls}, total ${(budget.ms / 1000).toFixed(2)} s, average ${average.toFixed(2)} ms, slowest ${budget.slowestMs.toFixed(1)} ms (seed ${SEED})`);
        console.log(`# slowest input: ${JSON.stringify(budget.slowest)}`);
        for (const [name, t] of tallies) console.log(`# ${name}: ${t.values} values, ${t.errors} ConfigErrors`);
        assert.ok(budget.calls > 0, "the parser properties ran first");
        assert.ok(budget.ms < PARSER_BUDGET_MS, `parsers took ${budget.ms.toFixed(0)} ms in all for ${budget.calls} calls (budget ${PARSER_BUDGET_MS} ms); slowest ${budget.slowestMs.toFixed(0)} ms: ${budget.slowest}`);
    });
});
