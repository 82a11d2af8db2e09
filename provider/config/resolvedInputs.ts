import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, SECRET_GIVEN } from "./errors";
import { defOf, inputMeta, unwrap } from "./schemaWalk";

// Fields that accept an Output (keys, variables, secrets, passwords) can only be checked once the
// value arrives. Plain values are checked at once, before anything registers; Outputs when they
// resolve (in a preview too, when known). A secret's value is never part of the error.

/** Says what is wrong with a string value (what is allowed), or undefined when it is fine. */
export type StringCheck = (value: string) => string | undefined;

export interface InputField {
    resource: string;
    field: string;
    secret: boolean;
    check?: StringCheck;
}

/** The value as an Output that fails with a ConfigError if it is not an allowed string. */
export function checkedString(value: pulumi.Input<string>, at: InputField): pulumi.Output<string> {
    if (typeof value === "string") {
        assertString(value, at);
        return pulumi.output(value);
    }
    return pulumi.output(value).apply((v) => assertString(v, at));
}

/** Every value of a map of strings, checked (field names the key: variables.NAME). */
export function checkedStrings(values: Record<string, pulumi.Input<string>>, at: InputField): pulumi.Output<Record<string, string>> {
    const entries = Object.entries(values).map(([k, v]) => checkedString(v, { ...at, field: `${at.field}.${k}` }).apply((s) => [k, s] as const));
    return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

function assertString(value: unknown, at: InputField): string {
    if (typeof value !== "string") throw new ConfigError(at.resource, at.field, at.secret ? SECRET_GIVEN : value, "a string");
    const problem = at.check?.(value);
    if (problem !== undefined) throw new ConfigError(at.resource, at.field, at.secret ? SECRET_GIVEN : value, problem);
    return value;
}

/**
 * Checks every Input field of arguments whose value is already known, an Output included (awaited):
 * the component provider runs this before it constructs a component, so a bad config secret fails
 * with one ConfigError before anything registers. Unknown values (in a preview) are left to the
 * component's own checks when they arrive.
 */
export async function checkKnownInputs(schema: z.ZodType, args: unknown, resource: string, path: string[] = []): Promise<void> {
    const meta = inputMeta(schema);
    if (meta) {
        if (args === undefined || args === null) return;
        const known = await knownValue(args);
        if (!known) return;
        assertString(known.value, { resource, field: path.join("."), secret: meta.secret === true || known.secret, check: meta.check });
        return;
    }
    if (args === null || typeof args !== "object" || pulumi.Output.isInstance(args) || pulumi.Resource.isInstance(args)) return;
    const def = defOf(unwrap(schema));
    const entries = Object.entries(args as Record<string, unknown>);
    for (const [key, value] of entries) {
        const child = def.type === "object" ? def.shape?.[key] : def.type === "record" ? def.valueType : def.type === "array" ? def.element : undefined;
        if (child) await checkKnownInputs(child, value, resource, [...path, key]);
    }
}

/** An Input's value when it is known now (a plain value, or an Output whose value has arrived). */
export async function knownValue(input: unknown): Promise<{ value: unknown; secret: boolean } | undefined> {
    if (!pulumi.Output.isInstance(input)) return input === undefined ? undefined : { value: await input, secret: false };
    const output = input as any;
    if (!(await output.isKnown)) return undefined;
    const value = await output.promise();
    return value === undefined ? undefined : { value, secret: await output.isSecret };
}
