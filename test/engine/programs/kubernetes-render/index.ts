// A TypeScript program on the Kubernetes platform with every component, rendered to YAML by a real
// Kubernetes provider (renderYamlToDirectory): EngineApp (production and staging, a prebuilt engine
// image), LeanCacheInstance, EnvGroup with a secret, Domain with a generated certificate.
// Inputs that the tests vary come from stack config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "pulumi-cloudengine";

const config = new pulumi.Config();
const render = new k8s.Provider("render", { renderYamlToDirectory: config.require("renderDir") });
const opts = { providers: [render] };

const shared = new EnvGroup("shared", { variables: { FEATURE: "on" }, secrets: { TOKEN: config.requireSecret("token") } }, opts);
const cache = new LeanCacheInstance("sessions", { capacity: config.get("capacity") ?? "256M", evictionPolicy: config.get("eviction") ?? "volatile-lru" }, opts);
const web = new EngineApp("web", {
    engineImage: "registry.example.com/team/web:v1",
    instances: 2,
    stagingInstances: 1,
    caches: [cache],
    envGroups: [shared],
    variables: { MODE: config.get("mode") ?? "a" },
}, opts);
const shop = new Domain("shop", { app: web, hostname: "shop.example.com", tls: {} }, opts);

export const url = web.url;
export const stagingUrl = web.stagingUrl;
export const domainUrl = shop.url;
export const cacheEnv = cache.envName;
export const groupNames = shared.names;
