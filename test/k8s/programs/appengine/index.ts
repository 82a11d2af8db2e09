// The Kubernetes tests' App Engine program: the e2e echo app (./echoapp) as two versions side by side,
// App Engine's limits, and automatic scaling on CPU. Stack config: `defaultVersion` (v1 or v2).
import * as pulumi from "@pulumi/pulumi";
import { EngineApp } from "pulumi-cloudengine";

const config = new pulumi.Config();
const app = new EngineApp("gae", {
    versions: { v1: { source: "./echoapp" }, v2: { source: "./echoapp" } },
    defaultVersion: config.get("defaultVersion") ?? "v1",
    limits: "appengine",
    startupTimeout: 15,
    // A fifth of a CPU per instance: a few requests to /burn are well over half of it.
    cpus: 0.2,
    scaling: { min: 1, max: 3, targetCpu: 50, scaleDownDelaySeconds: 15 },
});

export const url = app.url;
export const versionUrls = app.versionUrls;
export const versionTag = app.versionTag;
