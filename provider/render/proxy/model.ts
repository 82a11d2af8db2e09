// The proxy layer's input: what the load balancers must do for each site (an app environment's
// hostnames, a Domain). Rendered to nginx configuration by siteConf.ts (the pieces), siteGatewayConf.ts
// (Docker) and loadBalancerConf.ts (Kubernetes).
//
// Topology:
//   Docker      client ──► gateway (one nginx per stack: every site in its own included file; TLS, limits,
//               headers, gzip, CDN cache) ──► app instances (pooled; the readiness DNS lists the ready ones)
//   Kubernetes  client ──► one load balancer per app and per Domain (the same site blocks) ──► ready pods
//               (pooled; a headless Service lists them)

/** Ports a Kubernetes load balancer listens on inside its pod (unprivileged: above 1024). */
export const LOAD_BALANCER_HTTP_PORT = 8080;
export const LOAD_BALANCER_HTTPS_PORT = 8443;

/** One set of hostnames served by a load balancer, and the instances behind them. */
export interface ProxySite {
    /** Stable identifier, [a-z0-9-]+; names cache zones and certificate files. */
    id: string;
    /**
     * Hostnames (lowercase, no port) this site answers for; "*.name" is any one label under name (App
     * Engine's subdomains: "any string allowed in one part of a domain name"). An exact name wins.
     */
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
    /** Cloud Engine's request limits (100M, 504 after the timeout), or App Engine's (32 MB each way, 500). */
    limits: ProxyLimits;
}

export type ProxyLimits = "cloudengine" | "appengine";

export interface LoadBalancerModel {
    sites: ProxySite[];
    /** Public HTTPS port, used in force-HTTPS redirects (443 is omitted from URLs). */
    publicHttpsPort: number;
    /**
     * The cluster's DNS: each site's upstreamHost (a headless Service) lists only the ready pods, and the
     * load balancer keeps a pool of connections to them that follows the name (nginx >= 1.27.3 `resolve`).
     */
    resolver: string;
    /** X-AppEngine-Country from the country database at COUNTRY_DATABASE_PATH (country.ts); absent: no lookup. */
    countryLookup?: boolean;
}

/** Where a site's certificate and key are inside the load balancer's container. */
export function tlsCertificatePath(siteId: string): string {
    return `/etc/cloudengine/tls/${siteId}.crt`;
}
export function tlsKeyPath(siteId: string): string {
    return `/etc/cloudengine/tls/${siteId}.key`;
}
