import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "./ownResource";

// A self-signed certificate for one hostname, made once on create and kept in state (the key as a
// secret): HTTPS for a Domain whose owner gave no certificate. Inputs never change by themselves,
// so previews stay clean. The provider closure must be self-contained (Pulumi serializes it).
export const certificateProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { hostname: string; days: number }) {
        const selfsigned = require("selfsigned");
        const pem = await selfsigned.generate([{ name: "commonName", value: inputs.hostname }], {
            notAfterDate: new Date(Date.now() + inputs.days * 24 * 3600 * 1000),
            keySize: 2048,
            algorithm: "sha256",
            extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: inputs.hostname }] }],
        });
        return { id: pem.fingerprint, outs: { ...inputs, certificate: pem.cert, privateKey: pem.private } };
    },
    // Only a new hostname makes a new certificate; otherwise update() keeps the one in state.
    async diff(_id: string, olds: { hostname: string }, news: { hostname: string }) {
        return olds.hostname === news.hostname ? { changes: false } : { changes: true, replaces: ["hostname"], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: { certificate: string; privateKey: string }, news: { hostname: string; days: number }) {
        return { outs: { ...news, certificate: olds.certificate, privateKey: olds.privateKey } };
    },
};

/** Validity of generated certificates. */
const DAYS = 825;

/** A self-signed certificate for the hostname; `privateKey` is a secret. */
export function generatedCertificate(name: string, hostname: string, opts: pulumi.CustomResourceOptions): { certificate: pulumi.Output<string>; privateKey: pulumi.Output<string> } {
    return ownResource<"certificate" | "privateKey">("GeneratedCertificate", certificateProvider, name, { hostname, days: DAYS, certificate: undefined, privateKey: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] });
}
