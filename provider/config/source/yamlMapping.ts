import { parseDocument } from "yaml";
import { ConfigError, GivenText } from "../errors";

// YAML from a user's source directory, parsed so that it cannot blow up: aliases are bounded (a few
// lines of anchors can otherwise expand to gigabytes), keys are unique, and a syntax error names the
// line and what stands there.

/** Alias expansions allowed in one document: plenty for a configuration file, far from a blow-up. */
export const YAML_MAX_ALIAS_COUNT = 50;

/** The document as plain data (a mapping; an empty document is {}), or a ConfigError naming the file and line. */
export function parseYamlMapping(text: string, resource: string, file: string, allowed: string): Record<string, unknown> {
    checkNesting(text, resource, file, allowed);
    // logLevel error: a key that is a collection is reported by the schema, not warned about on the process.
    const doc = parseDocument(text, { schema: "core", uniqueKeys: true, prettyErrors: true, logLevel: "error" });
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

/** Nesting a configuration file may use: the parser recurses, so depth is bounded before it runs (deterministically, at any stack depth). */
export const YAML_MAX_DEPTH = 64;

/**
 * An upper bound of the document's nesting, from the text alone: open flow brackets ([ {) outside
 * quotes and comments, plus on each line its indentation and the compact "- " entries it opens.
 */
function checkNesting(text: string, resource: string, file: string, allowed: string): void {
    let flow = 0;
    for (const [index, line] of text.split(/\r?\n/).entries()) {
        const block = /^[ \t]*((?:-[ \t]+)*)/.exec(line)!;
        const compact = (block[1].match(/-/g) ?? []).length;
        const indent = block[0].length - block[1].length;
        let quote: string | undefined;
        let deepest = flow;
        for (let i = 0; i < line.length; i++) {
            const ch = line[i];
            if (quote) {
                if (ch === quote && line[i - 1] !== "\\") quote = undefined;
            } else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]))) break;
            else if (ch === '"' || ch === "'") quote = ch;
            else if (ch === "[" || ch === "{") deepest = Math.max(deepest, ++flow);
            else if ((ch === "]" || ch === "}") && flow > 0) flow--;
        }
        if (deepest > YAML_MAX_DEPTH || compact > YAML_MAX_DEPTH || indent > 4 * YAML_MAX_DEPTH) {
            throw new ConfigError(resource, `${file} line ${index + 1}`, new GivenText(`nesting deeper than ${YAML_MAX_DEPTH} levels`), `${allowed}, nested at most ${YAML_MAX_DEPTH} levels`);
        }
    }
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
