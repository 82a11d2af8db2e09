import * as pulumi from "@pulumi/pulumi";
import { AppEnvironment } from "../../config/spec";
import { dnsLabel } from "../../config/names";

// Docker-side names: deterministic, derived from project, stack and the user's resource names.

/** Docker's embedded DNS server, reachable from every container on a user-defined network. */
export const DOCKER_DNS = "127.0.0.11";

export function stackPrefix(): string {
    return dnsLabel(`${pulumi.getProject()}-${pulumi.getStack()}`, 40);
}

/** DNS name (network alias) shared by every instance of an app environment: DNS round robin. */
export function instanceDnsName(appSlug: string, env: AppEnvironment): string {
    return `${env}.${appSlug}.app.cloudengine.internal`;
}

export function cacheDnsName(cacheSlug: string): string {
    return `${cacheSlug}.cache.cloudengine.internal`;
}

/** Labels on everything the package creates, so a host's resources can be listed and cleaned up. */
export function labels(component: string, name: string, extra: Record<string, string> = {}): { label: string; value: string }[] {
    const all: Record<string, string> = {
        "cloudengine.project": pulumi.getProject(),
        "cloudengine.stack": pulumi.getStack(),
        "cloudengine.component": component,
        "cloudengine.name": name,
        ...extra,
    };
    return Object.keys(all).sort().map((label) => ({ label, value: all[label] }));
}
