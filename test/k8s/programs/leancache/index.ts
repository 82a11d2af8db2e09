// The Kubernetes LeanCache test's program: one highly available instance. Stack config: `password`
// (secret), `capacity`, `evictionPolicy`.
import * as pulumi from "@pulumi/pulumi";
import { LeanCacheInstance } from "pulumi-cloudengine";

const config = new pulumi.Config();
const cache = new LeanCacheInstance("cache", {
    name: "CACHE",
    highAvailability: true,
    password: config.requireSecret("password"),
    capacity: (config.get("capacity") ?? "128M") as "128M",
    evictionPolicy: (config.get("evictionPolicy") ?? "volatile-lru") as "volatile-lru",
});

export const url = cache.url;
export const host = cache.host;
