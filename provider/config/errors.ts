import * as pulumi from "@pulumi/pulumi";

/**
 * A user's input is wrong. Names the resource, the field, the value given and what is allowed.
 * It is a RunError so Pulumi prints the message alone, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(
        readonly resource: string,
        readonly field: string,
        readonly given: unknown,
        readonly allowed: string,
    ) {
        super(`${resource}: invalid ${field}: got ${describeValue(given)}; allowed: ${allowed}`);
        this.name = "ConfigError";
    }
}

/** A description of what was given, printed as it is (for values that must not be echoed, or are not values). */
export class GivenText {
    constructor(readonly text: string) {}
}

/** What errors say instead of a secret's value. */
export const SECRET_GIVEN = new GivenText("a secret value (not shown)");

/** Renders a given value briefly; long strings and big objects are cut so errors stay readable. */
export function describeValue(value: unknown): string {
    if (value instanceof GivenText) return value.text;
    if (value === undefined) return "nothing (the field is missing)";
    if (pulumi.Output.isInstance(value)) return "an Output (this field must be a plain value)";
    let text: string;
    try {
        text = JSON.stringify(value) ?? safeString(value);
    } catch {
        // Cyclic, or holding a BigInt: describe instead of printing.
        text = typeof value === "bigint" ? `${value}` : `${Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`} that cannot be written out as JSON (it refers to itself or holds a BigInt)`;
    }
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** String(value), also for objects without a prototype (which have no toString). */
function safeString(value: unknown): string {
    try {
        return String(value);
    } catch {
        return Object.prototype.toString.call(value);
    }
}

/** `cloudengine:index:EngineApp "web"` — how errors name a resource. */
export function resourceLabel(type: string, name: string): string {
    return `cloudengine:index:${type} "${name}"`;
}
