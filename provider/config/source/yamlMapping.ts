import { parseDocument } from "yaml";
import { ConfigError, GivenText } from "../errors";

// YAML from a user's source directory, parsed so that it cannot blow up: aliases are bounded (a few
// lines of anchors can otherwise expand to gigabytes), keys are unique, and a syntax error names the
// line and what stands there.

/** Alias expansions allowed in one document: plenty for a configuration file, far from a blow-up. */
export const YAML_MAX_ALIAS_COUNT = 50;

/** The document as plain data (a mapping; an empty document is {}), or a ConfigError naming the file and line. */
export function parseYamlMapping(text: string, resource: string, file: string, allowed: string): Record<string, unknown> {
    const doc = parseDocument(text, { schema: "core", uniqueKeys: true, prettyErrors: true });
    const problem = doc.errors[0];
    if (problem) {
        const line = problem.linePos?.[0]?.line;
        const source = line === undefined ? "" : (text.split(/\r?\n/)[line - 1] ?? "").trim().slice(0, 80);
        const field = line === undefined ? file : `${file} line ${line}`;
        throw new ConfigError(resource, field, new GivenText(`${source ? `${JSON.stringify(source)}: ` : ""}${syntaxProblem(problem.code, problem.message, source)}`), allowed);
    }
    let value: unknown;
    try {
        value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
    } catch (e) {
        const what = firstLine(e instanceof Error ? e.message : e);
        throw new ConfigError(resource, file, new GivenText(what.charAt(0).toLowerCase() + what.slice(1)), `${allowed}, with at most ${YAML_MAX_ALIAS_COUNT} alias expansions`);
    }
    if (value === null || value === undefined) return {};
    if (typeof value !== "object" || Array.isArray(value)) throw new ConfigError(resource, file, value, allowed);
    return value as Record<string, unknown>;
}

/** The parser's complaint in a sentence; a duplicated key is named. */
function syntaxProblem(code: string, message: string, source: string): string {
    if (code === "DUPLICATE_KEY") {
        const key = /^(?:-\s+)?(["']?)([^:#]*?)\1\s*:/.exec(source)?.[2];
        return key ? `the key ${JSON.stringify(key)} appears more than once` : "a key appears more than once";
    }
    // The parser's first line without its own position suffix (the field already names the line).
    const what = firstLine(message).replace(/ at line \d+, column \d+:?$/, "");
    return what.charAt(0).toLowerCase() + what.slice(1);
}

function firstLine(message: unknown): string {
    return String(message).split("\n")[0];
}
