import { AppModel } from "../config/appModel";
import { AppEnvironment } from "../config/spec";
import { ProxySite } from "../render/proxy/model";

/**
 * The site of an app environment's own hostnames on either platform: <app>.<domain> (stg-<app>.<domain>
 * for staging) and, as App Engine routes them, any one-label subdomain of it, the Host kept as called.
 */
export function appSite(m: AppModel, env: AppEnvironment, domain: string, id: string, upstreamHost: string): ProxySite {
    const hostname = `${env === "stage" ? "stg-" : ""}${m.slug}.${domain}`;
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
