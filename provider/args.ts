import type * as pulumi from "@pulumi/pulumi";
import type { EngineApp } from "./components/engineApp";
import type { EnvGroup } from "./components/envGroup";
import type { Gateway } from "./components/gateway";
import type { LeanCacheInstance } from "./components/leanCacheInstance";

// The public argument types of the components: what TypeScript programs see and editors show on
// hover. The zod schemas in config/args/ stay the one source of truth: test/types/argsMatchSchemas.ts
// fails the build unless every interface here has exactly the schema's fields with the schema's
// input types (references to other components as those components), and
// test/unit/publicTypes.test.ts checks every doc comment's first paragraph against the schema's
// description (backticks aside) and every @default against the schema's default and schema.json.
// Fields that take pulumi.Input<...> are the ones whose schema accepts an Output; every other field
// takes a plain value (an Output there is refused with a ConfigError, as it cannot be checked).

/** Arguments of an {@link EngineApp}. */
export interface EngineAppArgs {
    /**
     * Directory of the app's source; a Go project needs go.mod at its root. Exactly one of source, image and engineImage.
     * @example "./app"
     */
    source?: string;
    /**
     * A prebuilt image to run instead of building source (the platform adds its supervisor to it). Exactly one of source, image and engineImage.
     * @example "registry.example.com/team/worker:v2"
     */
    image?: string;
    /**
     * An image this package built before (from source or image, e.g. in CI) and pushed to a registry the cluster pulls from: run as it is, nothing is built here. Exactly one of source, image and engineImage.
     * @example "registry.example.com/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
     */
    engineImage?: string;
    /**
     * With image: the command to run (shell syntax). Default: the image's own entrypoint.
     * @example "./server --port $LEANCLOUD_APP_PORT"
     */
    run?: string;
    /**
     * Versions deployed side by side, by name, instead of one source, image or engineImage: each runs its own instances and answers at <version>.latest.<app>.<domain>; defaultVersion serves the app's own hostnames and Domains.
     * @example { v1: { source: "./v1" }, v2: { source: "./v2" } }
     */
    versions?: Record<string, AppVersionArgs>;
    /**
     * The version that serves <app>.<domain> and the app's Domains; changing it moves traffic without restarting any instance. Default: the only version.
     * @example "v2"
     */
    defaultVersion?: string;
    /**
     * Production instances behind the load balancer. Default 1 (with scaling: the scaler's count).
     * @example 2
     */
    instances?: number;
    /**
     * Kubernetes: automatic scaling of the production instances between min and max, keeping their average CPU use at targetCpu (a HorizontalPodAutoscaler; the cluster needs a metrics source such as metrics-server). Instead of instances.
     * @example { min: 1, max: 5, targetCpu: 60 }
     */
    scaling?: AppScalingArgs;
    /**
     * Staging instances (LEANCLOUD_APP_ENV=stage, served on stg- hostnames). Default 0: no staging environment.
     * @default 0
     */
    stagingInstances?: number;
    /**
     * LEANCLOUD_APP_ID. Default: the resource name.
     * @example "my-app"
     */
    appId?: string;
    /**
     * LEANCLOUD_APP_KEY. Default: generated once and kept in state.
     * @example config.requireSecret("appKey")
     */
    appKey?: pulumi.Input<string>;
    /**
     * LEANCLOUD_APP_MASTER_KEY; always a Pulumi secret. Default: generated once and kept as a secret.
     * @example config.requireSecret("masterKey")
     */
    masterKey?: pulumi.Input<string>;
    /**
     * LEANCLOUD_API_SERVER. Default: the region's LeanCloud API address.
     * @example "https://api.example.com"
     */
    apiServer?: string;
    /**
     * LEANCLOUD_REGION: CN or US. Default CN.
     * @default "CN"
     */
    region?: "CN" | "US";
    /**
     * LEANCLOUD_APP_GROUP. Default web.
     * @default "web"
     */
    group?: string;
    /**
     * LEANCLOUD_APP_PORT: the port the app must listen on, on all interfaces. Default 3000.
     * @default 3000
     */
    port?: number;
    /**
     * The app's own variables; they override EnvGroup values.
     * @default {}
     * @example { VISIT_KEY: "visits", API_TOKEN: config.requireSecret("apiToken") }
     */
    variables?: Record<string, pulumi.Input<string>>;
    /**
     * EnvGroups whose variables every instance receives; later groups override earlier ones.
     * @default []
     * @example [new EnvGroup("shared", { variables: { GREETING: "hello" } })]
     */
    envGroups?: EnvGroup[];
    /**
     * LeanCache instances to attach; each adds `REDIS_URL_<NAME>`.
     * @default []
     * @example [new LeanCacheInstance("cache", { name: "CACHE" })] // the app receives REDIS_URL_CACHE
     */
    caches?: LeanCacheInstance[];
    /**
     * LeanCache instances of other stacks to attach (their name, url and network outputs through a StackReference); each adds `REDIS_URL_<NAME>`.
     * @default []
     * @example [{ name: "SESSIONS", url: shop.requireOutput("sessionsUrl"), network: shop.requireOutput("sessionsNetwork") }] // shop: a pulumi.StackReference
     */
    sharedCaches?: SharedCacheArgs[];
    /**
     * TZ of every instance. Default Asia/Shanghai (the spec's Beijing Time).
     * @default "Asia/Shanghai"
     * @example "UTC"
     */
    timezone?: string;
    /**
     * LEANCLOUD_VERSION_TAG. Default: derived from the image ID.
     * @example "v1.4.2"
     */
    versionTag?: string;
    /**
     * Seconds an instance has to become healthy; overrides leanengine.yaml. Default 30.
     * @example 60
     */
    startupTimeout?: number;
    /**
     * Cloud functions mode: health checks use /__engine/1/ping (the SDK must answer it) instead of /.
     * @default false
     */
    cloudFunctions?: boolean;
    /**
     * Print the whole build log (default: quiet unless a step fails).
     * @default false
     */
    printBuildLogs?: boolean;
    /**
     * Memory limit per instance, e.g. 512M. Default: none.
     * @example "512M"
     */
    memory?: string;
    /**
     * CPU limit per instance, e.g. 0.5. Default: none.
     * @example 0.5
     */
    cpus?: number;
    /**
     * CDN-style caching on the app's default hostnames (see Domain.cdn).
     * @default false
     */
    cdn?: boolean;
    /**
     * Request limits of the app's hostnames and Domains: cloudengine (requests up to 100M, 504 after 60 s) or appengine (requests and responses up to 32 MB, 500 after the 60 s deadline).
     *
     * App Engine's response limit applies to a response's declared length (Content-Length); a response
     * streamed without one is passed on whole.
     * @default "cloudengine"
     */
    limits?: "cloudengine" | "appengine";
    /**
     * The entry point serving this app. Default: the stack's default gateway.
     * @example new Gateway("edge", { httpPort: 8080, httpsPort: 8443 })
     */
    gateway?: Gateway;
}

/** Arguments of an {@link EnvGroup}. */
export interface EnvGroupArgs {
    /**
     * Plain variables every linked app receives.
     * @default {}
     * @example { GREETING: "hello" }
     */
    variables?: Record<string, pulumi.Input<string>>;
    /**
     * Secret variables every linked app receives; stored and shown only as Pulumi secrets.
     * @default {}
     * @example { API_TOKEN: config.requireSecret("apiToken") }
     */
    secrets?: Record<string, pulumi.Input<string>>;
}

/** Arguments of a {@link LeanCacheInstance}. */
export interface LeanCacheInstanceArgs {
    /**
     * The instance's name; apps that attach it receive `REDIS_URL_<NAME>`. Default: the resource name.
     * @example "CACHE" // apps receive REDIS_URL_CACHE
     */
    name?: string;
    /**
     * Maximum memory: 128M, 256M, 512M, 1G, 2G, 4G or 8G (Redis maxmemory).
     * @default "128M"
     */
    capacity?: "128M" | "256M" | "512M" | "1G" | "2G" | "4G" | "8G";
    /**
     * What Redis deletes when memory is full (maxmemory-policy). Default volatile-lru.
     * @default "volatile-lru"
     */
    evictionPolicy?: "noeviction" | "allkeys-lru" | "volatile-lru" | "allkeys-random" | "volatile-random" | "volatile-ttl" | "allkeys-lfu" | "volatile-lfu";
    /**
     * Password clients must give. Default: generated once and kept as a secret.
     * @example config.requireSecret("cachePassword")
     */
    password?: pulumi.Input<string>;
    /**
     * Redis image (nodes and Sentinels). Default: the official redis:6.2-bookworm.
     * @example "registry.example.com/mirror/redis:6.2-bookworm"
     */
    image?: string;
    /**
     * A master and a replica, watched by 3 Sentinels that promote the replica when a majority finds the
     * master down; clients reach the current master through a stable endpoint (HAProxy), so
     * REDIS_URL_<NAME> never changes and apps need no restart.
     * @default true
     */
    highAvailability?: boolean;
    /**
     * With highAvailability: seconds without a valid reply before a Sentinel considers the master down (1 to 60). Default 5.
     * @example 3
     */
    downAfterSeconds?: number;
    /**
     * With highAvailability: the HAProxy image of the endpoint. Default: the official haproxy:2.6-bookworm.
     * @example "registry.example.com/mirror/haproxy:2.6-bookworm"
     */
    endpointImage?: string;
}

/**
 * A PEM certificate and its private key, or {} for a generated self-signed certificate.
 * @example { certificate: fs.readFileSync("www.crt", "utf8"), privateKey: config.requireSecret("wwwKey") }
 */
export interface DomainTlsArgs {
    /** PEM certificate chain for the hostname. Omit both fields for a generated self-signed certificate. */
    certificate?: pulumi.Input<string>;
    /** PEM private key; kept a Pulumi secret. Omit both fields for a generated self-signed certificate. */
    privateKey?: pulumi.Input<string>;
}

/** Automatic scaling of the production instances (Kubernetes). */
export interface AppScalingArgs {
    /** Fewest production instances. */
    min: number;
    /** Most production instances. */
    max: number;
    /** The average CPU use, in percent of cpus, that instances are added or removed to keep. */
    targetCpu: number;
    /**
     * How long the load must have been lower before instances are removed (Kubernetes' stabilization window). Default 300.
     * @default 300
     */
    scaleDownDelaySeconds?: number;
}

/** One version of the app: what it runs, served at <version>.latest.<app>.<domain> (LEANCLOUD_VERSION_TAG is its name). */
export interface AppVersionArgs {
    /** Directory of the app's source; a Go project needs go.mod at its root. Exactly one of source, image and engineImage. */
    source?: string;
    /** A prebuilt image to run instead of building source (the platform adds its supervisor to it). Exactly one of source, image and engineImage. */
    image?: string;
    /** An image this package built before (from source or image, e.g. in CI) and pushed to a registry the cluster pulls from: run as it is, nothing is built here. Exactly one of source, image and engineImage. */
    engineImage?: string;
    /** With image: the command to run (shell syntax). Default: the image's own entrypoint. */
    run?: string;
    /** Instances of this version. Default: the app's instances. */
    instances?: number;
}

/** A LeanCache instance of another stack, from its outputs (through a StackReference). */
export interface SharedCacheArgs {
    /** The instance's name output: the app receives REDIS_URL_<NAME>. */
    name: string;
    /** The instance's url output (a secret): redis://default:<password>@<host>:6379. */
    url: pulumi.Input<string>;
    /** Docker platform: the instance's network output, which the app's instances join. Leave it out on Kubernetes (the URL's Service name reaches it from any namespace). */
    network?: pulumi.Input<string>;
}

/** Arguments of a {@link Domain}. */
export interface DomainArgs {
    /**
     * The hostname to bind. One starting with stg- is served by the app's staging environment.
     * @example "www.example.com"
     */
    hostname: string;
    /**
     * The EngineApp that serves this hostname.
     * @example new EngineApp("web", { source: "./app" })
     */
    app: EngineApp;
    /**
     * Redirect HTTP to HTTPS, keeping the path. Needs tls.
     * @default false
     */
    forceHttps?: boolean;
    /**
     * Serve HTTPS with this certificate ({} generates a self-signed one, kept in state). Without tls the domain is served over HTTP only.
     * @example {} // a self-signed certificate, generated once
     */
    tls?: DomainTlsArgs;
    /**
     * Cache responses like the spec's CDN (only 2xx GET/HEAD with Last-Modified; Cache-Control honoured).
     * @default false
     */
    cdn?: boolean;
}

/** Arguments of a {@link Gateway}; also the shape of the stack config `cloudengine:gateway`. */
export interface GatewayArgs {
    /**
     * Base domain of apps' default hostnames: `<app>.<domain>` and `stg-<app>.<domain>`. Default localhost (browsers resolve `*.localhost` to this machine).
     * @default "localhost"
     * @example "apps.example.com"
     */
    domain?: string;
    /**
     * Host address the entry point publishes its ports on. Default 0.0.0.0 (all).
     * @default "0.0.0.0"
     * @example "127.0.0.1"
     */
    listenAddress?: string;
    /**
     * Host port for HTTP. Default 80.
     * @default 80
     */
    httpPort?: number;
    /**
     * Host port for HTTPS. Default 443.
     * @default 443
     */
    httpsPort?: number;
    /**
     * Addresses clients reach this host at (what DNS should point to). Default: listenAddress when it is a specific address, otherwise none.
     * @example ["203.0.113.10"]
     */
    inboundIps?: string[];
    /**
     * Addresses apps' outgoing traffic leaves from, for third-party allow-lists.
     * @default []
     * @example ["203.0.113.20"]
     */
    outboundIps?: string[];
    /**
     * Proxy image (nginx). Default the official nginx:1.28-bookworm.
     * @default "nginx:1.28-bookworm"
     */
    image?: string;
    /**
     * A legacy MaxMind GeoIP country database (GeoIP.dat or GeoIPv6.dat; a path relative to the program's directory) to look clients' addresses up in: apps and domains behind this gateway then get App Engine's X-AppEngine-Country header, the client's ISO 3166-1 alpha-2 country code, whenever the database knows the address. Without one the header is never sent, and a client's own is always removed. The proxy image needs nginx's geoip module (the official image has it).
     * @example "/usr/share/GeoIP/GeoIP.dat"
     */
    countryDatabase?: string;
}
