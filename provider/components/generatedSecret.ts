import * as pulumi from "@pulumi/pulumi";

// A random value made once, on create, and kept in state as a secret: defaults for keys and
// passwords the user did not give. Its inputs never change, so previews stay clean.
// The provider closure must stay self-contained: Pulumi serializes it into state.
export const secretProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { bytes: number }) {
        const crypto = require("crypto");
        return { id: crypto.randomUUID(), outs: { bytes: inputs.bytes, value: crypto.randomBytes(inputs.bytes).toString("hex") } };
    },
};

export class GeneratedSecret extends pulumi.dynamic.Resource {
    declare readonly value: pulumi.Output<string>;
    constructor(name: string, bytes: number, opts: pulumi.CustomResourceOptions) {
        super(secretProvider, name, { bytes, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] }, "cloudengine", "GeneratedSecret");
    }
}
