import { ConfigError } from "../config/errors";
import { perRun } from "../platform/perRun";

// One hostname, one Domain: two Domains binding the same hostname would give the gateway two sites
// for one name (the proxy refuses to start, or one silently wins). Refused where the second is declared.

export function claimHostname(hostname: string, name: string, resource: string): void {
    const owners = perRun("domain-hostnames", () => new Map<string, string>());
    const owner = owners.get(hostname);
    if (owner !== undefined && owner !== name) {
        throw new ConfigError(resource, "hostname", hostname, `a hostname no other Domain binds (the Domain ${JSON.stringify(owner)} already binds ${hostname}; one Domain serves a hostname)`);
    }
    owners.set(hostname, name);
}
