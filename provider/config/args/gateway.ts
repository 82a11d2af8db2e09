import { z } from "zod";
import { HOSTNAME, NOT_AN_IP, NUMERIC_TLD } from "./fields";

/** "nginx:1.28-bookworm": the official image; tests build the same tag locally from NGINX 1.28.3 source (scripts/base-images.sh). */
export const DEFAULT_PROXY_IMAGE = "nginx:1.28-bookworm";
export const DEFAULT_GATEWAY_DOMAIN = "localhost";

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, { message: "an IPv4 address" });
const port = z.int().min(1).max(65535);

export const gatewayArgs = z
    .object({
        domain: z
            .string()
            .regex(HOSTNAME, { message: "a lowercase DNS name" })
            .refine((h) => !NUMERIC_TLD.test(h), { message: NOT_AN_IP })
            .default(DEFAULT_GATEWAY_DOMAIN)
            .describe("Base domain of apps' default hostnames: <app>.<domain> and stg-<app>.<domain>. Default localhost (browsers resolve *.localhost to this machine)."),
        listenAddress: ipv4.default("0.0.0.0").describe("Host address the entry point publishes its ports on. Default 0.0.0.0 (all)."),
        httpPort: port.default(80).describe("Host port for HTTP. Default 80."),
        httpsPort: port.default(443).describe("Host port for HTTPS. Default 443."),
        inboundIps: z.array(ipv4).optional().describe("Addresses clients reach this host at (what DNS should point to). Default: listenAddress when it is a specific address, otherwise none."),
        outboundIps: z.array(ipv4).default([]).describe("Addresses apps' outgoing traffic leaves from, for third-party allow-lists."),
        image: z.string().min(1).default(DEFAULT_PROXY_IMAGE).describe("Proxy image (nginx). Default the official nginx:1.28-bookworm."),
        countryDatabase: z.string().min(1).optional().describe("A legacy MaxMind GeoIP country database (GeoIP.dat or GeoIPv6.dat; a path relative to the program's directory) to look clients' addresses up in: apps and domains behind this gateway then get App Engine's X-AppEngine-Country header, the client's ISO 3166-1 alpha-2 country code, whenever the database knows the address. Without one the header is never sent, and a client's own is always removed. The proxy image needs nginx's geoip module (the official image has it)."),
    })
    .strict()
    .refine((a) => a.httpPort !== a.httpsPort, { message: "httpPort and httpsPort must differ", path: ["httpsPort"] })
    .describe("The shared entry point of a Docker host or cluster: serves every app and domain by Host header (HTTP) and SNI (HTTPS).");

export type GatewayArgs = z.input<typeof gatewayArgs>;
export type GatewayConfig = z.output<typeof gatewayArgs>;
