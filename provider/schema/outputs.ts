// Each component's outputs: the one list schema.json, the classes' registered outputs and the
// docs agree on (a unit test checks the classes register exactly these).

export interface OutputSpec {
    type: "string" | "integer" | "boolean" | "string[]" | "object" | "stringMap";
    description: string;
    secret?: boolean;
    optional?: boolean;
}

export const COMPONENT_OUTPUTS: Record<string, Record<string, OutputSpec>> = {
    EngineApp: {
        url: { type: "string", description: "http://<app>.<gateway domain>: the production environment's default URL." },
        stagingUrl: { type: "string", description: "http://stg-<app>.<gateway domain>, when the app has staging instances.", optional: true },
        inboundIps: { type: "string[]", description: "Addresses clients reach the app at (point DNS here)." },
        outboundIps: { type: "string[]", description: "Addresses the app's outgoing traffic leaves from." },
        versionTag: { type: "string", description: "LEANCLOUD_VERSION_TAG of the running version (the default version's name for a versioned app)." },
        versionUrls: { type: "stringMap", description: "A versioned app's URL per version: http://<version>.latest.<app>.<gateway domain>.", optional: true },
        instances: { type: "integer", description: "Production instances." },
        stagingInstances: { type: "integer", description: "Staging instances." },
        healthCheckPath: { type: "string", description: "The path the platform probes: / or /__engine/1/ping." },
        appId: { type: "string", description: "LEANCLOUD_APP_ID." },
        routing: { type: "object", description: "What a Domain needs to route to this app (network, DNS names, port, gateway)." },
    },
    EnvGroup: {
        variables: { type: "stringMap", description: "The plain variables." },
        secrets: { type: "stringMap", description: "The secret variables.", secret: true },
        names: { type: "string[]", description: "Every variable name the group sets, sorted." },
    },
    LeanCacheInstance: {
        name: { type: "string", description: "The instance name: attached apps receive REDIS_URL_<name>." },
        envName: { type: "string", description: "The variable attached apps receive, e.g. REDIS_URL_MYCACHE." },
        url: { type: "string", description: "redis://default:<password>@<host>:6379.", secret: true },
        host: { type: "string", description: "Host of the instance inside the stack's network." },
        port: { type: "integer", description: "Port of the instance (6379)." },
        password: { type: "string", description: "The password.", secret: true },
        capacity: { type: "string", description: "Maximum memory (128M to 8G)." },
        evictionPolicy: { type: "string", description: "maxmemory-policy." },
        network: { type: "string", description: "Docker: the network an EngineApp of another stack joins to reach it (its sharedCaches); absent on Kubernetes.", optional: true },
    },
    Domain: {
        url: { type: "string", description: "The URL the domain serves (https when it has a certificate)." },
        hostname: { type: "string", description: "The bound hostname." },
        environment: { type: "string", description: "production, or stage for stg- hostnames." },
        inboundIps: { type: "string[]", description: "Addresses to point the hostname's DNS A records at." },
    },
    Gateway: {
        domain: { type: "string", description: "Base domain of apps' default hostnames." },
        url: { type: "string", description: "Where clients reach the gateway over HTTP." },
        inboundIps: { type: "string[]", description: "Addresses DNS should point at." },
        outboundIps: { type: "string[]", description: "Addresses apps' outgoing traffic leaves from." },
        routing: { type: "object", description: "What apps and domains behind this gateway need (network, proxy image, public ports)." },
    },
};
