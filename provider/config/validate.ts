import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, describeValue } from "./errors";

/**
 * Parses arguments with a schema; on failure throws one ConfigError naming the resource, each bad
 * field (dotted path), the value given there and what is allowed.
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, resource: string, prefix = ""): z.output<S> {
    const result = schema.safeParse(input ?? {});
    if (result.success) return result.data;
    const problems = result.error.issues.map((issue) => {
        const field = prefix + (issue.path.length ? issue.path.map(String).join(".") : "(arguments)");
        // A bad record key: the key itself is what was given.
        const given = issue.code === "invalid_key" ? issue.path[issue.path.length - 1] : valueAt(input, issue.path);
        return { field, given, allowed: allowedText(issue) };
    });
    const first = problems[0];
    const error = new ConfigError(resource, first.field, first.given, first.allowed);
    if (problems.length > 1) {
        const rest = problems.slice(1).map((p) => `\n  and invalid ${p.field}: got ${describeValue(p.given)}; allowed: ${p.allowed}`);
        error.message += rest.join("");
    }
    throw error;
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
    let value: unknown = input;
    for (const key of path) {
        if (value === null || typeof value !== "object" || pulumi.Output.isInstance(value)) return undefined;
        value = (value as Record<PropertyKey, unknown>)[key];
    }
    return value;
}

/** Turns a zod issue into "what is allowed" in the user's terms. */
function allowedText(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "unrecognized_keys":
            return `no field named ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (check the spelling)`;
        case "invalid_value":
            return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.origin === "array" ? `at least ${issue.minimum} items` : issue.origin === "string" ? "a non-empty string" : `a number >= ${issue.minimum}`;
        case "too_big":
            return issue.origin === "array" ? `at most ${issue.maximum} items` : `a number <= ${issue.maximum}`;
        case "invalid_key":
            return issue.issues.map((i) => i.message).join("; ");
        case "invalid_type":
            return issue.expected === "int" ? "a whole number" : `a ${issue.expected}`;
        default:
            return issue.message;
    }
}
