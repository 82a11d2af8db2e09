import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

// Building blocks shared by the component argument schemas. The schemas are the one source of
// truth for argument shapes: TypeScript types, validation and schema.json all come from them.

/** Metadata read by the schema.json generator: a reference to another component, or secret-ness. */
export interface FieldMeta {
    ref?: string;
    secret?: boolean;
    /** The value may be a pulumi Input (Output/Promise) as well as a plain value. */
    input?: boolean;
    /** For Input fields: what is wrong with the string once known (what is allowed), or undefined. */
    check?: (value: string) => string | undefined;
}
export const fieldMeta = z.registry<FieldMeta>();

const isInput = (v: unknown) => typeof v === "string" || pulumi.Output.isInstance(v) || v instanceof Promise;

/** A string that may also be an Output (for values such as keys that come from other resources). */
export function inputString(description: string, check?: (value: string) => string | undefined) {
    const schema = z.custom<pulumi.Input<string>>(isInput, { message: "a string (or an Output of one)" }).describe(description);
    fieldMeta.add(schema, { input: true, check });
    return schema;
}

/** Like inputString, and the value is made a Pulumi secret where it enters. */
export function secretString(description: string, check?: (value: string) => string | undefined) {
    const schema = z.custom<pulumi.Input<string>>(isInput, { message: "a string (or an Output of one)" }).describe(description);
    fieldMeta.add(schema, { input: true, secret: true, check });
    return schema;
}

/** Components mark themselves with this property so references can be checked without import cycles. */
export const COMPONENT_KIND = "__cloudengineKind";

/** A reference to another component of this package, e.g. ref<LeanCacheInstance>("LeanCacheInstance"). */
export function ref<T>(kind: string, description: string) {
    const schema = z
        .custom<T>((v) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[COMPONENT_KIND] === kind, {
            message: `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind} resource`,
        })
        .describe(description);
    fieldMeta.add(schema, { ref: kind });
    return schema;
}

/** Environment variable names: POSIX portable names, as every shell and Kubernetes accept. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = z.string().regex(ENV_NAME, { message: "a variable name: letters, digits and _ , not starting with a digit" });

/** A DNS hostname (RFC 1123), lowercase, no port and no trailing dot. */
/** An IP address written where a DNS name belongs: no top-level domain is all digits (RFC 3696, 2). */
export const NUMERIC_TLD = /(?:^|\.)[0-9]+$/;
export const NOT_AN_IP = "a DNS name, not an IP address (point the name's DNS records at the gateway's inboundIps instead)";
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
