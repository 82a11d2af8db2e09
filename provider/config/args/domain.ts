import { z } from "zod";
import { HOSTNAME, inputString, NOT_AN_IP, NUMERIC_TLD, ref, secretString } from "./fields";

export const domainArgs = z
    .object({
        hostname: z
            .string()
            .regex(HOSTNAME, { message: "a lowercase DNS hostname such as www.example.com (no scheme, port or path)" })
            .refine((h) => !NUMERIC_TLD.test(h), { message: NOT_AN_IP })
            .describe("The hostname to bind. One starting with stg- is served by the app's staging environment."),
        app: ref<unknown>("EngineApp", "The EngineApp that serves this hostname."),
        forceHttps: z.boolean().default(false).describe("Redirect HTTP to HTTPS, keeping the path. Needs tls."),
        tls: z
            .object({
                certificate: inputString("PEM certificate chain for the hostname. Omit both fields for a generated self-signed certificate.").optional(),
                privateKey: secretString("PEM private key; kept a Pulumi secret. Omit both fields for a generated self-signed certificate.").optional(),
            })
            .strict()
            .refine((t) => (t.certificate === undefined) === (t.privateKey === undefined), { message: "give both certificate and privateKey, or neither (a self-signed certificate is generated)", path: ["certificate"] })
            .describe("A PEM certificate and its private key, or {} for a generated self-signed certificate.")
            .optional()
            .describe("Serve HTTPS with this certificate ({} generates a self-signed one, kept in state). Without tls the domain is served over HTTP only."),
        cdn: z.boolean().default(false).describe("Cache responses like the spec's CDN (only 2xx GET/HEAD with Last-Modified; Cache-Control honoured)."),
    })
    .strict()
    .refine((d) => !d.forceHttps || d.tls !== undefined, { message: "forceHttps needs tls (a certificate to serve HTTPS with)", path: ["forceHttps"] })
    .describe("Binds a hostname to an app through the gateway.");

export type DomainArgs = z.input<typeof domainArgs>;
export type DomainConfig = z.output<typeof domainArgs>;
