import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "pulumi-cloudengine";

// A LeanCache instance; the app receives REDIS_URL_CACHE.
const cache = new LeanCacheInstance("cache", { name: "CACHE", capacity: "256M" });

// Variables shared by several apps; secrets stay Pulumi secrets.
const shared = new EnvGroup("shared", { variables: { GREETING: "hello" }, secrets: { API_TOKEN: "s3cr3t" } });

// The Go app in ./app: built from source (go.mod), two instances behind the load balancer.
const app = new EngineApp("hello", {
    source: "./app",
    instances: 2,
    stagingInstances: 1,
    caches: [cache],
    envGroups: [shared],
    variables: { VISIT_KEY: "visits" },
});

// A custom domain, and its staging twin.
new Domain("www", { hostname: "www.example.test", app });
new Domain("www-staging", { hostname: "stg-www.example.test", app });

export const url = app.url;
export const stagingUrl = app.stagingUrl;
export const versionTag = app.versionTag;
// Where clients reach it: point the hostnames' DNS records here.
export const inboundIps = app.inboundIps;
