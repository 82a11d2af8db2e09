import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "./ownResource";

// A random value made once, on create, and kept in state as a secret: defaults for keys and
// passwords the user did not give. Its inputs never change, so previews stay clean.
// The provider closure must stay self-contained: Pulumi serializes it into state.
export const secretProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { bytes: number }) {
        const crypto = require("crypto");
        return { id: crypto.randomUUID(), outs: { bytes: inputs.bytes, value: crypto.randomBytes(inputs.bytes).toString("hex") } };
    },
    // Only a new length makes a new value; anything else (such as a newer package serializing this
    // provider differently) keeps the value, which update() carries over.
    async diff(_id: string, olds: { bytes: number }, news: { bytes: number }) {
        return olds.bytes === news.bytes ? { changes: false } : { changes: true, replaces: ["bytes"], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: { value: string }, news: { bytes: number }) {
        return { outs: { bytes: news.bytes, value: olds.value } };
    },
};

/** A generated secret; `value` is its hex text (a secret). */
export function generatedSecret(name: string, bytes: number, opts: pulumi.CustomResourceOptions): { value: pulumi.Output<string> } {
    return ownResource<"value">("GeneratedSecret", secretProvider, name, { bytes, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] });
}
