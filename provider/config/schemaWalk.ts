import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { FieldMeta, fieldMeta } from "./args/fields";

// Reading the argument schemas themselves: which schema governs a field path, and which values in
// an argument object are secrets. Errors use this to say what a field allows and to hide secrets.

type Def = { type: string; innerType?: z.ZodType; element?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType };

export function defOf(schema: z.ZodType): Def {
    return schema._zod.def as unknown as Def;
}

/** The schema without optional/default/nullable/readonly/pipe wrappers (whose metadata may matter: see isSecretSchema). */
export function unwrap(schema: z.ZodType): z.ZodType {
    let current = schema;
    for (;;) {
        const def = defOf(current);
        if (["optional", "default", "nullable", "readonly", "prefault", "nonoptional"].includes(def.type) && def.innerType) current = def.innerType;
        else if (def.type === "pipe" && def.in) current = def.in;
        else return current;
    }
}

/** The metadata of a field that takes a pulumi Input (an Output is fine there), on it or one of its wrappers. */
export function inputMeta(schema: z.ZodType): FieldMeta | undefined {
    for (let s: z.ZodType | undefined = schema; s; s = defOf(s).innerType) {
        const meta = fieldMeta.get(s);
        if (meta?.input) return meta;
    }
    return undefined;
}

/** Whether the schema (or one of its wrappers) is a secret field. */
export function isSecretSchema(schema: z.ZodType): boolean {
    for (let s: z.ZodType | undefined = schema; s; ) {
        if (fieldMeta.get(s)?.secret) return true;
        const def = defOf(s);
        s = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    }
    return false;
}

/** The schemas a value at `path` is checked against (several under a union), outermost first along the path. */
export function schemasAlong(root: z.ZodType, path: PropertyKey[]): z.ZodType[][] {
    const along: z.ZodType[][] = [[root]];
    let current: z.ZodType[] = [root];
    for (const key of path) {
        const next: z.ZodType[] = [];
        for (const schema of current.flatMap(expandUnion)) {
            const def = defOf(unwrap(schema));
            if (def.type === "object" && typeof key === "string" && def.shape?.[key]) next.push(def.shape[key]);
            else if (def.type === "record" && def.valueType) next.push(def.valueType);
            else if (def.type === "array" && def.element && typeof key === "number") next.push(def.element);
        }
        if (!next.length) break;
        along.push(next);
        current = next;
    }
    return along;
}

/** The schema at a path: the last one found (a union's matching options are joined by the caller). */
export function schemasAt(root: z.ZodType, path: PropertyKey[]): z.ZodType[] {
    const along = schemasAlong(root, path);
    return along.length === path.length + 1 ? along[along.length - 1] : [];
}

function expandUnion(schema: z.ZodType): z.ZodType[] {
    const inner = unwrap(schema);
    const def = defOf(inner);
    return def.type === "union" && def.options ? def.options.flatMap(expandUnion) : [schema];
}

/** Whether the value at `path` lies inside a secret field. */
export function isSecretPath(root: z.ZodType, path: PropertyKey[]): boolean {
    return schemasAlong(root, path).some((level) => level.some(isSecretSchema));
}

/** Marks where a secret was removed from a value shown in an error. */
export const SECRET_PLACEHOLDER = "[secret]";
/** Marks the value of a field the schema does not know (it may be a misplaced secret). */
export const UNKNOWN_FIELD_PLACEHOLDER = "[not shown]";

/**
 * The value with every part the schema marks secret replaced by a placeholder, so a value can be
 * echoed in an error or log. Values of fields the schema does not know are hidden too (a misspelt
 * `secret` field is still a secret to its author); Outputs are left to describeValue.
 */
export function redactSecrets(schema: z.ZodType | undefined, value: unknown, depth = 0): unknown {
    if (value === undefined || value === null) return value;
    if (schema && isSecretSchema(schema)) return SECRET_PLACEHOLDER;
    if (typeof value !== "object" || pulumi.Output.isInstance(value) || pulumi.Resource.isInstance(value)) return value;
    // Deeper than any argument goes (and cyclic values): not shown.
    if (depth > 8) return UNKNOWN_FIELD_PLACEHOLDER;
    const options = schema ? expandUnion(schema).map(unwrap) : [];
    const child = (key: string | number): z.ZodType | undefined => {
        for (const option of options) {
            const def = defOf(option);
            if (def.type === "object" && typeof key === "string" && def.shape?.[key]) return def.shape[key];
            if (def.type === "record" && def.valueType) return def.valueType;
            if (def.type === "array" && def.element && typeof key === "number") return def.element;
        }
        return undefined;
    };
    // Only where the schema lists what belongs (an object, map or list) is anything else unknown.
    const structured = options.some((o) => ["object", "record", "array"].includes(defOf(o).type));
    const hide = (key: string | number, v: unknown) => {
        const field = child(key);
        return field === undefined && structured ? UNKNOWN_FIELD_PLACEHOLDER : redactSecrets(field, v, depth + 1);
    };
    if (Array.isArray(value)) return value.map((v, i) => hide(i, v));
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, hide(k, v)]));
}

/** Whether any field of the schema is a secret (only then are unknown fields' values hidden). */
export function containsSecret(schema: z.ZodType, depth = 0): boolean {
    if (isSecretSchema(schema)) return true;
    if (depth > 8) return false;
    const def = defOf(unwrap(schema));
    const children = [...Object.values(def.shape ?? {}), def.element, def.valueType, ...(def.options ?? [])].filter((c): c is z.ZodType => c !== undefined);
    return children.some((c) => containsSecret(c, depth + 1));
}
