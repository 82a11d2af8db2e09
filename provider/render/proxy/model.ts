// The proxy layer's input: what the load balancers must do for each site (an app environment's
// hostnames, a Domain). Rendered to nginx configuration by routerConf.ts (its pieces) and siteGatewayConf.ts.
//
// Topology:
//   Docker      client ──► gateway (one nginx per stack: every site in its own included file; TLS, limits,
//               headers, gzip, CDN cache) ──► app instances (pooled; the readiness DNS lists the ready ones)
//   Kubernetes  client ──► one load balancer per app and per Domain (the same site blocks) ──► ready pods
//               (pooled; a headless Service lists them)
// (gatewayConf.ts still renders the earlier static Docker gateway that dispatched to per-app routers.)

/** Ports the router listens on inside its container; the gateway forwards to them. */
export const ROUTER_HTTP_PORT = 8080;
/** TLS from the gateway arrives here wrapped in the PROXY protocol (client address preserved). */
export const ROUTER_HTTPS_PORT = 8443;

/** Suffix appended to a hostname to form the DNS name of the router that serves it. */
export const ROUTE_DNS_SUFFIX = "route.cloudengine.internal";

/** One set of hostnames served by a router, and the instances behind them. */
export interface ProxySite {
    /** Stable identifier, [a-z0-9-]+; names cache zones and certificate files. */
    id: string;
    /** Hostnames (lowercase, no port) this site answers for. */
    hostnames: string[];
    /** DNS name that resolves to every healthy instance of the target environment. */
    upstreamHost: string;
    /** The port the app listens on (LEANCLOUD_APP_PORT). */
    upstreamPort: number;
    /** Redirect plain HTTP to HTTPS, keeping host and path. */
    forceHttps: boolean;
    /** Terminate TLS for this site; certificate and key are mounted at tlsCertificatePath / tlsKeyPath. */
    tls: boolean;
    /** Cache responses like the spec's CDN (Last-Modified, 2xx, idempotent, Cache-Control honoured). */
    cdnCache: boolean;
}

export interface RouterModel {
    sites: ProxySite[];
    /** Public HTTPS port of the gateway, used in force-HTTPS redirects (443 is omitted from URLs). */
    publicHttpsPort: number;
    /** DNS resolver the router uses to find instances (Docker: 127.0.0.11; Kubernetes: cluster DNS). */
    resolver: string;
    /**
     * Each site's upstreamHost lists only ready instances (Kubernetes: a headless Service): the router keeps
     * a pool of connections to them that follows the name (nginx >= 1.27.3 `resolve`), so no request opens
     * a connection. Otherwise (Docker, until its routers find instances through cloudengine-ready) the name
     * lists every instance's init gate and is resolved per request, one connection each.
     */
    pooledUpstreams?: boolean;
}

export interface GatewayModel {
    /** DNS resolver the gateway uses to find routers. */
    resolver: string;
    /** Ports inside the gateway container. */
    httpPort: number;
    httpsPort: number;
}

/** Where a site's certificate and key are mounted inside the router container. */
export function tlsCertificatePath(siteId: string): string {
    return `/etc/cloudengine/tls/${siteId}.crt`;
}
export function tlsKeyPath(siteId: string): string {
    return `/etc/cloudengine/tls/${siteId}.key`;
}

/** DNS name under which the router serving `hostname` is reachable from the gateway. */
export function routeDnsName(hostname: string): string {
    return `${hostname}.${ROUTE_DNS_SUFFIX}`;
}
