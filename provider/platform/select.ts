import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { dockerPlatform } from "./docker";
import { Platform } from "./platform";

/** Stack config `cloudengine:platform` chooses where everything runs. */
export const PLATFORMS = ["docker", "kubernetes"] as const;

export function selectPlatform(resource: string): Platform {
    const chosen = new pulumi.Config("cloudengine").get("platform") ?? "docker";
    if (chosen === "docker") return dockerPlatform;
    if (chosen === "kubernetes") {
        throw new ConfigError(resource, "stack config cloudengine:platform", chosen, "docker (the kubernetes platform is not built yet)");
    }
    throw new ConfigError(resource, "stack config cloudengine:platform", chosen, PLATFORMS.join(" or "));
}
