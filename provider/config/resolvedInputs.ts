import * as pulumi from "@pulumi/pulumi";
import { ConfigError, SECRET_GIVEN } from "./errors";

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
export function checkedStrings(values: Record<string, pulumi.Input<string>>, at: Omit<InputField, "field"> & { field: string }): pulumi.Output<Record<string, string>> {
    const entries = Object.entries(values).map(([k, v]) => checkedString(v, { ...at, field: `${at.field}.${k}` }).apply((s) => [k, s] as const));
    return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

function assertString(value: unknown, at: InputField): string {
    if (typeof value !== "string") throw new ConfigError(at.resource, at.field, at.secret ? SECRET_GIVEN : value, "a string");
    const problem = at.check?.(value);
    if (problem !== undefined) throw new ConfigError(at.resource, at.field, at.secret ? SECRET_GIVEN : value, problem);
    return value;
}
