import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_KIND } from "../config/args/fields";
import { COMPONENT_OUTPUTS } from "../schema/outputs";

/** Pulumi type tokens: cloudengine:index:<Name>. */
export const TYPE_PREFIX = "cloudengine:index:";

/** Marks a component so argument schemas can recognise references to it without import cycles. */
export function markKind(resource: pulumi.ComponentResource, kind: string): void {
    Object.defineProperty(resource, COMPONENT_KIND, { value: kind, enumerable: false });
}

/**
 * The props a component passes to super(): when it is rehydrated from a resource reference
 * (opts.urn), the SDK reads the component's state with getResource and fills exactly the output
 * properties named here; when it is created, none (its outputs are registered with registerOutputs).
 */
export function stateProps(kind: string, opts: pulumi.ComponentResourceOptions): Record<string, undefined> {
    if (!opts.urn) return {};
    return Object.fromEntries(Object.keys(COMPONENT_OUTPUTS[kind]).map((k) => [k, undefined]));
}
