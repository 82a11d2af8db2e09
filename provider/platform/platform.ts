import * as pulumi from "@pulumi/pulumi";
import { AppModel } from "../config/appModel";
import { AppEnvironment } from "../config/spec";
import { CacheModel, DomainModel, GatewayModel } from "../config/models";
import { ProxyLimits } from "../render/proxy/model";

// One interface, two implementations (docker/, kubernetes/): model + rendered artifacts →
// child resources. Whatever must be the same on both platforms is rendered before it gets here.

/** What apps and domains need to know about the entry point serving them. */
export interface GatewayRouting {
    /** Network (Docker: the gateway's, which instances join) or namespace (Kubernetes). */
    network: string;
    proxyImage: string;
    domain: string;
    publicHttpPort: number;
    publicHttpsPort: number;
    inboundIps: string[];
    outboundIps: string[];
    /** Docker: the gateway container that apps and Domains load their sites into, and the engine it runs on. */
    sites?: { container: string; host: string };
    /** Kubernetes: the ConfigMaps holding the country database in parts, in order (countryDatabase.ts); absent: none. */
    countryDatabaseParts?: string[];
}

/** What a Domain needs to know about its app; published as EngineApp.routing (an Output). */
export interface AppRouting {
    slug: string;
    port: number;
    /** The app's request limits, which its Domains apply too. */
    limits: ProxyLimits;
    /** DNS name resolving to every instance, per environment the app runs. */
    upstreams: Partial<Record<AppEnvironment, string>>;
    /** Network the app's instances are on. */
    network: string;
    gateway: GatewayRouting;
}

/** Seconds a stopping instance gets (draining, then the app's own shutdown) before it is killed. */
export const INSTANCE_STOP_GRACE_SECONDS = 30;

/** The routing a gateway model publishes, on either platform, given the network (Docker) or namespace its load balancing lives in. */
export function gatewayRouting(model: GatewayModel, network: string): GatewayRouting {
    return {
        network,
        proxyImage: model.image,
        domain: model.domain,
        publicHttpPort: model.httpPort,
        publicHttpsPort: model.httpsPort,
        inboundIps: model.inboundIps,
        outboundIps: model.outboundIps,
    };
}

export interface GatewayResult {
    routing: pulumi.Output<GatewayRouting>;
}

export interface AppResult {
    routing: pulumi.Output<AppRouting>;
    versionTag: pulumi.Output<string>;
    /** Where the app's own load balancer is reached, when not through the gateway. */
    inboundIps?: pulumi.Output<string[]>;
    /** What serves once the instances are healthy (Docker's releases), for sites that route to them. */
    ready: pulumi.Resource[];
}

export interface DefaultVersionInputs {
    /** The EngineApp's name (resource names). */
    name: string;
    /** The default version. */
    model: AppModel;
    gateway: pulumi.Output<GatewayRouting>;
    /** The default version's AppResult.ready. */
    ready: pulumi.Resource[];
}

export interface DomainResult {
    /** Where the domain's load balancer is reached, when not through the gateway. */
    inboundIps?: pulumi.Output<string[]>;
}

export interface CacheResult {
    /** Host clients inside the stack's network connect to. */
    host: pulumi.Output<string>;
    /** Docker: the network apps of other stacks join to reach it (sharedCaches); none on Kubernetes. */
    network?: pulumi.Output<string>;
}

export interface AppInputs {
    model: AppModel;
    /** The rendered Dockerfile; undefined for an engineImage (nothing to build). */
    dockerfile: string | undefined;
    gateway: pulumi.Output<GatewayRouting>;
    /** Environment of one instance (user-visible variables plus init settings), given the version tag. */
    environment(env: AppEnvironment, versionTag: pulumi.Output<string>): pulumi.Output<Record<string, string>>;
    /** Anything that must exist before instances start (attached caches). */
    dependsOn: pulumi.Resource[];
    /** Docker: networks of other stacks' caches (sharedCaches) the instances join. */
    sharedNetworks: pulumi.Output<string[]>;
}

/** A certificate chain and its private key (PEM). */
export interface TlsFiles {
    certificate: pulumi.Input<string>;
    privateKey: pulumi.Input<string>;
}

export interface Platform {
    readonly name: "docker" | "kubernetes";
    gateway(parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult;
    app(parent: pulumi.ComponentResource, inputs: AppInputs): AppResult;
    cache(parent: pulumi.ComponentResource, model: CacheModel, password: pulumi.Output<string>): CacheResult;
    domain(parent: pulumi.ComponentResource, model: DomainModel, app: pulumi.Output<AppRouting>, tls?: TlsFiles): DomainResult;
    /** A versioned app's own hostnames, to its default version; a new default changes only this. */
    defaultVersion(parent: pulumi.ComponentResource, inputs: DefaultVersionInputs): DomainResult;
}
