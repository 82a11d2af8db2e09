import { parseDocument } from "yaml";
import { ConfigError } from "../errors";

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
        // The parser's first line without its own position suffix; the line's text names the key.
        const what = firstLine(problem.message).replace(/ at line \d+, column \d+:?$/, "");
        const source = line === undefined ? "" : (text.split(/\r?\n/)[line - 1] ?? "").trim().slice(0, 80);
        const where = line === undefined ? "" : `line ${line}${source ? ` (${source})` : ""}: `;
        throw new ConfigError(resource, file, `${where}${what}`, allowed);
    }
    let value: unknown;
    try {
        value = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
    } catch (e) {
        throw new ConfigError(resource, file, firstLine(e instanceof Error ? e.message : e), `${allowed}, with at most ${YAML_MAX_ALIAS_COUNT} alias expansions`);
    }
    if (value === null || value === undefined) return {};
    if (typeof value !== "object" || Array.isArray(value)) throw new ConfigError(resource, file, value, allowed);
    return value as Record<string, unknown>;
}

function firstLine(message: unknown): string {
    return String(message).split("\n")[0];
}
