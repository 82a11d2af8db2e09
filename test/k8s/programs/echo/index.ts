// The Kubernetes tests' program: the e2e echo app (test/fixtures/echoapp, copied next to this file as
// ./echoapp) built from source, with a Domain that serves a user's certificate. Stack config switches
// what the tests change: `release` (a new version: the pods roll), `neverHealthy` (a version that
// never becomes healthy), `instances`.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { Domain, EngineApp } from "pulumi-cloudengine";

const config = new pulumi.Config();
const app = new EngineApp("echo", {
    source: "./echoapp",
    instances: config.getNumber("instances") ?? 2,
    startupTimeout: 15,
    // Each release is a version of its own (LEANCLOUD_VERSION_TAG, which / answers with).
    versionTag: `r${config.get("release") ?? "1"}`,
    variables: {
        RELEASE: config.get("release") ?? "1",
        ...(config.getBoolean("neverHealthy") ? { NEVER_HEALTHY: "1" } : {}),
    },
});
const own = new Domain("own", {
    hostname: "own.example.com",
    app,
    tls: { certificate: fs.readFileSync("tls/example.com.crt", "utf8"), privateKey: pulumi.secret(fs.readFileSync("tls/example.com.key", "utf8")) },
});

export const url = app.url;
export const ownUrl = own.url;
export const versionTag = app.versionTag;
export const inboundIps = app.inboundIps;
export const ownInboundIps = own.inboundIps;
