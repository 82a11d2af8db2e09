import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { COMPONENT_KIND } from "../config/args/fields";
import { isSecretSchema, unwrap } from "../config/schemaWalk";
import { COMPONENT_OUTPUTS } from "../schema/outputs";

/** Pulumi type tokens: cloudengine:index:<Name>. */
export const TYPE_PREFIX = "cloudengine:index:";

/** Marks a component so argument schemas can recognise references to it without import cycles. */
export function markKind(resource: pulumi.ComponentResource, kind: string): void {
    Object.defineProperty(resource, COMPONENT_KIND, { value: kind, enumerable: false });
}

/**
 * The props a component passes to super(). Created: its validated arguments (defaults filled in,
 * secret fields as Pulumi secrets, other components by URN), registered as the component's inputs so the engine diffs them
 * and a preview shows the component updated when they change. Rehydrated from a resource reference
 * (opts.urn): its output names with undefined values; the SDK then reads the component's state with
 * getResource and fills exactly those properties.
 */
export function componentProps(kind: string, opts: pulumi.ComponentResourceOptions, schema: z.ZodType, config: unknown): Record<string, unknown> {
    if (opts.urn) return Object.fromEntries(Object.keys(COMPONENT_OUTPUTS[kind]).map((k) => [k, undefined]));
    return (withSecrets(schema, config) as Record<string, unknown> | undefined) ?? {};
}

/**
 * super() turns every prop into an Output property of the component; the inputs that are not also
 * outputs are dropped again, so a component exposes exactly its declared outputs.
 */
export function keepOutputsOnly(resource: pulumi.ComponentResource, kind: string): void {
    const outputs = COMPONENT_OUTPUTS[kind];
    for (const key of Object.keys(resource)) {
        if (!(key in outputs) && key !== "urn" && pulumi.Output.isInstance((resource as any)[key])) delete (resource as any)[key];
    }
}

/** The value with every field the schema marks secret wrapped in pulumi.secret. */
function withSecrets(schema: z.ZodType | undefined, value: unknown): unknown {
    if (value === undefined || value === null || !schema) return value;
    if (isSecretSchema(schema)) return pulumi.secret(value as pulumi.Input<unknown>);
    const inner = unwrap(schema);
    // Another component by its URN: a reference would be rebuilt (getResource) every time the engine
    // returns this component's inputs during an update, leaving a provider in state that no preview sees.
    if (pulumi.Resource.isInstance(value)) return value.urn;
    if (pulumi.Output.isInstance(value) || typeof value !== "object") return value;
    const def = inner._zod.def as any;
    if (Array.isArray(value)) return value.map((v) => withSecrets(def.type === "array" ? def.element : undefined, v));
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withSecrets(def.type === "object" ? def.shape[k] : def.type === "record" ? def.valueType : undefined, v)]));
}
