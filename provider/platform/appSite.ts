import { AppModel } from "../config/appModel";
import { AppEnvironment } from "../config/spec";
import { ProxySite } from "../render/proxy/model";

/** An environment's own hostname: <app>.<domain>, stg-<app>.<domain>, or <version>.latest.<app>.<domain> for a version. */
export function appHostname(m: AppModel, env: AppEnvironment, domain: string): string {
    if (m.versionOf) return `${m.versionOf.version}.latest.${m.versionOf.app}.${domain}`;
    return `${env === "stage" ? "stg-" : ""}${m.slug}.${domain}`;
}

/**
 * The site of a hostname on either platform: the name and, as App Engine routes them, any one-label
 * subdomain of it, the Host kept as called.
 */
export function hostnameSite(m: AppModel, hostname: string, id: string, upstreamHost: string): ProxySite {
    return {
        id,
        hostnames: [hostname, `*.${hostname}`],
        upstreamHost,
        upstreamPort: m.port,
        forceHttps: false,
        tls: false,
        cdnCache: m.cdn,
        limits: m.limits,
    };
}

/** The site of an app environment's own hostnames (appHostname). */
export function appSite(m: AppModel, env: AppEnvironment, domain: string, id: string, upstreamHost: string): ProxySite {
    return hostnameSite(m, appHostname(m, env, domain), id, upstreamHost);
}

/** A versioned app's own hostnames (<app>.<domain>), served by its default version's instances. */
export function defaultVersionSite(m: AppModel, domain: string, id: string, upstreamHost: string): ProxySite {
    return hostnameSite(m, `${m.versionOf!.app}.${domain}`, id, upstreamHost);
}
