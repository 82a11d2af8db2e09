import { z } from "zod";
import { unwrap } from "./schemaWalk";

// "What is allowed" in a user's words, read from the argument schema itself, so an error for a union
// field such as leanengine.yaml's install says every form it takes instead of zod's "Invalid input".

/** Names a schema in errors where its structure would say less (e.g. "a shell command"). */
export const allowedName = z.registry<{ allowed: string }>();

/** Registers the words errors use for what this schema allows. */
export function named<S extends z.ZodType>(schema: S, allowed: string): S {
    allowedName.add(schema, { allowed });
    return schema;
}

/** A noun phrase for what the schema accepts: "a whole number from 1 to 50", "a list (each item ...)". */
export function describeAllowed(schema: z.ZodType, depth = 0): string {
    const own = allowedName.get(schema)?.allowed;
    if (own) return own;
    const inner = unwrap(schema);
    if (inner !== schema) return describeAllowed(inner, depth);
    if (depth > 8) return "a value of the documented form";
    const def = inner._zod.def as any;
    switch (def.type) {
        case "string":
            return stringForm(def);
        case "number":
        case "int":
            return numberForm(inner);
        case "boolean":
            return "true or false";
        case "literal":
            return orList((def.values as unknown[]).map((v) => JSON.stringify(v)));
        case "enum":
            return `one of ${Object.values(def.entries as Record<string, unknown>).map((v) => JSON.stringify(v)).join(", ")}`;
        case "array": {
            const min = lengthBound(def.checks, "min_length");
            return `a list${min ? ` of at least ${min} item${min === 1 ? "" : "s"}` : ""} (each item ${describeAllowed(def.element, depth + 1)})`;
        }
        case "record":
            return `a mapping (keys: ${describeAllowed(def.keyType, depth + 1)}; values: ${describeAllowed(def.valueType, depth + 1)})`;
        case "object":
            return `{${Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => `${k}: ${inlineForm(v, depth + 1)}`).join(", ")}}`;
        case "union":
            return orList((def.options as z.ZodType[]).map((o) => describeAllowed(o, depth + 1)));
        case "custom":
            return errorText(def) ?? "a value of the documented form";
        default:
            return "a value of the documented form";
    }
}

/** Inside an object form, a literal stands for itself ({use: default}). */
function inlineForm(schema: z.ZodType, depth: number): string {
    const def = unwrap(schema)._zod.def as any;
    if (def.type === "literal" && def.values.length === 1) return String(def.values[0]);
    return describeAllowed(schema, depth);
}

function stringForm(def: any): string {
    const checks: any[] = def.checks ?? [];
    for (const check of checks) {
        const text = errorText(check._zod.def);
        if (text) return text;
    }
    if (def.format === "url") return "a URL";
    const min = lengthBound(checks, "min_length");
    return min ? "a non-empty string" : "a string";
}

function numberForm(schema: z.ZodType): string {
    const def = schema._zod.def as any;
    const noun = def.format === "safeint" || def.format === "int32" ? "a whole number" : "a number";
    let min: string | undefined;
    let max: string | undefined;
    for (const check of def.checks ?? []) {
        const c = check._zod.def;
        if (c.check === "greater_than") min = c.inclusive ? `${c.value}` : `more than ${c.value}`;
        if (c.check === "less_than") max = c.inclusive ? `${c.value}` : `less than ${c.value}`;
    }
    if (min && max && !min.startsWith("more") && !max.startsWith("less")) return `${noun} from ${min} to ${max}`;
    const bounds = [min && (min.startsWith("more") ? min : `at least ${min}`), max && (max.startsWith("less") ? max : `at most ${max}`)].filter(Boolean);
    return bounds.length ? `${noun} ${bounds.join(" and ")}` : noun;
}

function lengthBound(checks: any[] | undefined, kind: string): number | undefined {
    const check = (checks ?? []).find((c) => c._zod.def.check === kind);
    return check?._zod.def.minimum;
}

/** The message a schema or check was given (`{ message }`), when it is a plain phrase. */
function errorText(def: any): string | undefined {
    if (typeof def?.error !== "function") return undefined;
    try {
        const text = def.error({});
        return typeof text === "string" ? text : undefined;
    } catch {
        return undefined;
    }
}

/** "a, b or c". */
export function orList(items: string[]): string {
    const unique = [...new Set(items)];
    if (unique.length <= 1) return unique[0] ?? "";
    return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}
