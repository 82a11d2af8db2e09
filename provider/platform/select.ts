import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { dockerPlatform } from "./docker";
import { kubernetesPlatform } from "./kubernetes";
import { kubernetesSettingsOf } from "./kubernetes/settings";
import { Platform } from "./platform";

/** Stack config `cloudengine:platform` chooses where everything runs. */
export const PLATFORMS = ["docker", "kubernetes"] as const;

export function selectPlatform(resource: string): Platform {
    const chosen = new pulumi.Config("cloudengine").get("platform") ?? "docker";
    if (chosen === "docker") return dockerPlatform;
    if (chosen === "kubernetes") {
        kubernetesSettingsOf(); // its errors, too, before anything is registered
        return kubernetesPlatform;
    }
    throw new ConfigError(resource, "stack config cloudengine:platform", chosen, PLATFORMS.join(" or "));
}
