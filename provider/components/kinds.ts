import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_KIND } from "../config/args/fields";

/** Pulumi type tokens: cloudengine:index:<Name>. */
export const TYPE_PREFIX = "cloudengine:index:";

/** Marks a component so argument schemas can recognise references to it without import cycles. */
export function markKind(resource: pulumi.ComponentResource, kind: string): void {
    Object.defineProperty(resource, COMPONENT_KIND, { value: kind, enumerable: false });
}
