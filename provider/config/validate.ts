import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { describeAllowed, orList } from "./allowedText";
import { ConfigError, describeValue, GivenText, SECRET_GIVEN } from "./errors";
import { containsSecret, defOf, isSecretPath, redactSecrets, schemasAt, unwrap } from "./schemaWalk";

/**
 * Parses arguments with a schema; on failure throws one ConfigError naming the resource, each bad
 * field (dotted path), the value given there (never a secret's) and what is allowed, in words read
 * from the schema.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, resource: string, prefix = ""): z.output<S> {
    const result = schema.safeParse(input ?? {});
    if (result.success) return result.data;
    const problems = result.error.issues.flatMap((issue) => explain(schema, input, issue, []));
    const first = problems[0];
    const error = new ConfigError(resource, prefix + first.field, first.given, first.allowed);
    if (problems.length > 1) {
        const rest = problems.slice(1).map((p) => `\n  and invalid ${prefix + p.field}: got ${describeValue(p.given)}; allowed: ${p.allowed}`);
        error.message += rest.join("");
    }
    throw error;
}

interface Problem {
    field: string;
    given: unknown;
    allowed: string;
}

function explain(root: z.ZodType, input: unknown, issue: z.core.$ZodIssue, base: PropertyKey[]): Problem[] {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union") {
        // Options the value at least had the type and a field of; the closest one explains the error best.
        const near = issue.errors.filter((errs) => errs.some((e) => e.path.length > 0 && valueAt(input, [...path, ...e.path]) !== undefined));
        if (near.length) {
            const best = near.reduce((a, b) => (score(b) < score(a) ? b : a));
            return best.flatMap((e) => explain(root, input, e, path));
        }
    }
    if (issue.code === "unrecognized_keys") {
        const known = knownKeys(root, path);
        return issue.keys.map((key) => ({
            field: fieldName([...path, key]),
            given: new GivenText("a field this resource does not have"),
            allowed: known.length ? `one of ${known.join(", ")}${suggestion(key, known)}` : "no field here",
        }));
    }
    // A bad map key: the key itself is what was given (a name, never a secret).
    const given = issue.code === "invalid_key" ? issue.path[issue.path.length - 1] : shownValue(root, path, valueAt(input, path));
    return [{ field: fieldName(path), given, allowed: allowedAt(root, path, issue) }];
}

/** Fewer problems, then problems deeper in the value, mean a closer option. */
function score(issues: z.core.$ZodIssue[]): number {
    return issues.length * 10 - Math.min(9, Math.max(...issues.map((i) => i.path.length)));
}

/** variables.NAME; a key that is empty or holds dots or spaces is quoted: variables."a.b". */
function fieldName(path: PropertyKey[]): string {
    const quote = (k: string) => JSON.stringify(k).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    return path.length ? path.map((k) => (typeof k === "string" && !/^[A-Za-z0-9_-]+$/.test(k) ? quote(k) : String(k))).join(".") : "(arguments)";
}

/** The given value as errors may show it: secrets hidden, wherever they are. */
function shownValue(root: z.ZodType, path: PropertyKey[], value: unknown): unknown {
    if (isSecretPath(root, path)) return SECRET_GIVEN;
    if (!containsSecret(root)) return value;
    const schemas = schemasAt(root, path);
    // A field that holds secrets given in the wrong shape (secrets: "hunter2") may itself be one.
    if (path.length > 0 && schemas.some((s) => containsSecret(s)) && (value === null || typeof value !== "object")) return SECRET_GIVEN;
    return redactSecrets(schemas.length === 1 ? schemas[0] : path.length === 0 ? root : undefined, value);
}

/** Turns a zod issue into "what is allowed" in the user's terms. */
function allowedAt(root: z.ZodType, path: PropertyKey[], issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_value":
            return issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
        case "too_big":
            if (issue.origin === "number" || issue.origin === "int") return orList(schemasAt(root, path).map((s) => describeAllowed(s))) || `a number ${issue.code === "too_small" ? ">=" : "<="} ${issue.code === "too_small" ? issue.minimum : issue.maximum}`;
            if (issue.code === "too_big") return issue.origin === "array" ? `at most ${issue.maximum} items` : `at most ${issue.maximum} characters`;
            return issue.origin === "array" ? `at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}` : issue.origin === "string" ? (Number(issue.minimum) <= 1 ? "a non-empty string" : `at least ${issue.minimum} characters`) : `a number >= ${issue.minimum}`;
        case "invalid_key":
            return issue.issues.map((i) => i.message).join("; ");
        case "invalid_type":
        case "invalid_union": {
            if (path.length === 0 && issue.code === "invalid_type") return `an object of arguments (fields: ${knownKeys(root, path).join(", ")})`;
            const schemas = schemasAt(root, path);
            if (schemas.length) return orList(schemas.map((s) => describeAllowed(s)));
            return issue.code === "invalid_type" ? typeWords(issue.expected) : "a value of the documented form";
        }
        default:
            return issue.message;
    }
}

function typeWords(expected: string): string {
    const words: Record<string, string> = { array: "a list", object: "a mapping of fields", int: "a whole number", boolean: "true or false", string: "a string", number: "a number" };
    return words[expected] ?? `a ${expected}`;
}

function knownKeys(root: z.ZodType, path: PropertyKey[]): string[] {
    const keys = schemasAt(root, path)
        .map(unwrap)
        .flatMap((s) => (defOf(s).type === "object" ? Object.keys(defOf(s).shape ?? {}) : []));
    return [...new Set(keys)];
}

/** " (did you mean secrets?)" for a field one or two edits away from a known one. */
function suggestion(key: string, known: string[]): string {
    const close = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).filter((x) => x.d <= 2).sort((a, b) => a.d - b.d)[0];
    return close ? ` (did you mean ${close.k}?)` : " (check the spelling)";
}

function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
    let value: unknown = input;
    for (const key of path) {
        if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value)) return undefined;
        value = (value as Record<PropertyKey, unknown>)[key];
    }
    return value;
}
