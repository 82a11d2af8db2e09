import * as pulumi from "@pulumi/pulumi";
import { AppEnvironment, CACHE_CAPACITIES, SENTINEL_DOWN_AFTER_SECONDS, STAGING_PREFIX } from "./spec";
import { DomainConfig } from "./args/domain";
import { GatewayConfig } from "./args/gateway";
import { LeanCacheInstanceConfig } from "./args/leanCacheInstance";
import { readCountryDatabase } from "./countryDatabase";
import { dnsLabel } from "./names";

// Fully defaulted models of the smaller components (EngineApp's is in appModel.ts).

export interface GatewayModel extends Omit<GatewayConfig, "countryDatabase"> {
    name: string;
    slug: string;
    inboundIps: string[];
    /** The country database's bytes, read and checked; absent: no X-AppEngine-Country. */
    countryDatabase?: Buffer;
}

/** `label` names the Gateway in the errors of its country database (the file is read here). */
export function buildGatewayModel(name: string, args: GatewayConfig, label: string): GatewayModel {
    const { countryDatabase, ...rest } = args;
    const inboundIps = args.inboundIps ?? (args.listenAddress === "0.0.0.0" ? [] : [args.listenAddress]);
    return {
        ...rest,
        name,
        slug: dnsLabel(name, 40),
        inboundIps,
        ...(countryDatabase === undefined ? {} : { countryDatabase: readCountryDatabase(label, "countryDatabase", countryDatabase) }),
    };
}

/** "redis:6.2-bookworm": "LeanCache only provides Redis 6 at this time." Official; tests build it locally. */
export const DEFAULT_REDIS_IMAGE = "redis:6.2-bookworm";

export interface CacheModel {
    name: string;
    slug: string;
    /** Suffix of REDIS_URL_<NAME>. */
    envName: string;
    maxmemoryBytes: number;
    evictionPolicy: string;
    capacity: string;
    image: string;
    /** Master + replica + Sentinels behind an endpoint; undefined: one node. */
    highAvailability?: CacheHaModel;
}

export interface CacheHaModel {
    downAfterSeconds: number;
    endpointImage: string;
}

/** HAProxy 2.6 (LTS), the endpoint that leads to the current master. Official; tests build it locally. */
export const DEFAULT_HAPROXY_IMAGE = "haproxy:2.6-bookworm";

export function buildCacheModel(name: string, args: LeanCacheInstanceConfig): CacheModel {
    return {
        name,
        slug: dnsLabel(name, 40),
        envName: args.name ?? name,
        maxmemoryBytes: CACHE_CAPACITIES[args.capacity] * 1024 * 1024,
        evictionPolicy: args.evictionPolicy,
        capacity: args.capacity,
        image: args.image ?? DEFAULT_REDIS_IMAGE,
        highAvailability: args.highAvailability
            ? { downAfterSeconds: args.downAfterSeconds ?? SENTINEL_DOWN_AFTER_SECONDS, endpointImage: args.endpointImage ?? DEFAULT_HAPROXY_IMAGE }
            : undefined,
    };
}

export interface DomainModel {
    name: string;
    slug: string;
    hostname: string;
    /** "If you bind a domain that starts with stg- ... it will be assigned to the staging environment". */
    env: AppEnvironment;
    forceHttps: boolean;
    /** Certificate and key; both absent means a generated self-signed certificate. */
    tls?: { certificate?: pulumi.Input<string>; privateKey?: pulumi.Input<string> };
    cdn: boolean;
}

export function buildDomainModel(name: string, args: DomainConfig): DomainModel {
    return {
        name,
        slug: dnsLabel(name, 40),
        hostname: args.hostname,
        env: args.hostname.startsWith(STAGING_PREFIX) ? "stage" : "production",
        forceHttps: args.forceHttps,
        tls: args.tls,
        cdn: args.cdn,
    };
}
