import {
    checkFileRoot,
    checkListenAddress,
    checkPort,
    listen,
    renderHeaderSizeMap,
    renderHostHeaderMap,
    renderHttpCommon,
    renderUpgradeMap,
} from "./nginxBase";
import {
    ACME_CHALLENGE_PREFIX,
    APPENGINE_CLIENT_MAX_BODY_SIZE,
    APPENGINE_RESPONSE_MAX_BYTES,
    CDN_CACHE_INACTIVE,
    CDN_CACHE_KEYS_ZONE_SIZE,
    CDN_CACHE_MAX_SIZE,
    CDN_HTML_MAX_AGE_SECONDS,
    CLIENT_MAX_BODY_SIZE,
    HOSTNAME_PATTERN,
    LARGE_CLIENT_HEADER_BUFFERS,
    PROXY_NEXT_UPSTREAM_TRIES,
    INTERNAL_CONNECT_TIMEOUT_MS,
    LIMITS_HOP_GRACE_SECONDS,
    PROXY_TIMEOUT_SECONDS,
    UPSTREAM_KEEPALIVE_CONNECTIONS,
    UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS,
    RESOLVER_TIMEOUT_SECONDS,
    RESOLVER_VALID_SECONDS,
    upToRegex,
} from "./limits";
import { COUNTRY_HEADER, COUNTRY_VARIABLE, renderCountryLookup } from "./country";
import { ProxySite, tlsCertificatePath, tlsKeyPath } from "./model";

// The spec's load balancer for the sites it serves, as nginx configuration: what the http context needs,
// the servers for unknown hostnames, and one site's blocks — TLS, HTTPS redirect, limits, client-address
// headers, gzip, CDN cache, and a pool of kept-alive connections to the DNS name that lists the ready
// instances. Clients connect straight to this nginx. Assembled per platform by siteGatewayConf.ts (Docker)
// and loadBalancerConf.ts (Kubernetes). Written for nginx 1.28 as in the official image.

/** Compressed when the client accepts gzip (text/html always is, and nginx warns if it is listed). */
export const GZIP_TYPES = [
    "text/plain",
    "text/css",
    "text/xml",
    "text/javascript",
    "text/markdown",
    "text/csv",
    "application/javascript",
    "application/x-javascript",
    "application/json",
    "application/ld+json",
    "application/manifest+json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/xhtml+xml",
    "application/wasm",
    "image/svg+xml",
    "image/x-icon",
];

/** gzip level and smallest body compressed: level 5 is most of level 9's saving for a fraction of its CPU. */
export const GZIP_COMP_LEVEL = 5;
export const GZIP_MIN_LENGTH = 256;

/** What the load balancer tells the app about the request, as `proxy_set_header` name and value. */
const FORWARDED_REQUEST_HEADERS: [string, string][] = [
    ["Host", "$cloudengine_host"],
    ["X-Real-IP", "$remote_addr"],
    ["X-Forwarded-Proto", "$scheme"],
    ["X-Forwarded-For", "$proxy_add_x_forwarded_for"],
    // Replaced, not appended: it describes the original request (spec), which a client could otherwise forge.
    ["Forwarded", `'for=$cloudengine_forwarded_for;proto=$scheme;host="$cloudengine_host"'`],
    // Empty (so not sent) unless the country database knows the client's address; a client's own is dropped.
    [COUNTRY_HEADER, COUNTRY_VARIABLE],
    ["Upgrade", "$http_upgrade"],
    // No "Connection: close" to the app, or the pooled connection could not be used again.
    ["Connection", "$cloudengine_upstream_connection"],
];

/** The same headers passed on unchanged by the App Engine limits hop (Connection is hop-by-hop: computed again). */
const PASSED_ON_REQUEST_HEADERS: [string, string][] = FORWARDED_REQUEST_HEADERS.map(([name, value]) =>
    [name, name === "Connection" ? value : `$http_${name.toLowerCase().replace(/-/g, "_")}`]);

/** The shared memory zone of the CDN cache. */
const CDN_CACHE_ZONE = "cloudengine_cdn";

/** Where a site with App Engine limits sends a response over the size limit, and a request past the deadline: a 500. */
const RESPONSE_TOO_LARGE_LOCATION = "@cloudengine_response_too_large";
const DEADLINE_LOCATION = "@cloudengine_deadline";

const SITE_ID = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** One DNS label (RFC 1123), as in HOSTNAME_PATTERN. */
const LABEL_PATTERN = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME = new RegExp(HOSTNAME_PATTERN);

/** The connect/send/read timeout towards the app: PROXY_TIMEOUT_SECONDS unless a test sets it. */
function checkTimeout(seconds: number | undefined): number {
    const timeout = seconds ?? PROXY_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeout) || timeout < 1) throw new Error(`proxyTimeoutSeconds must be a positive integer, got ${timeout}`);
    return timeout;
}

/**
 * http-level directives of a load balancer: logs, the spec's limits, client-address handling, what is sent
 * to the app, gzip; TLS session settings and the CDN cache's maps when some site needs them.
 */
export function renderProxyHttpContext(ctx: SiteContext, options: { resolver: string; tls: boolean; cache: boolean; countryLookup: boolean }): string[] {
    const { root, timeout } = ctx;
    const http: string[] = [
        ...renderHttpCommon(root),
        "log_format cloudengine_router '$remote_addr \"$host\" \"$request\" $status $body_bytes_sent $request_time '",
        // $connection (the client connection's serial number): how many connections carried the requests.
        "                              '\"$upstream_addr\" $upstream_status $upstream_cache_status $connection';",
        // Buffered: a write to the container's log per request costs a fifth to a third of the throughput
        // (measured); lines reach the log within a second.
        "access_log /dev/stdout cloudengine_router buffer=64k flush=1s;",
        // Hostnames may be up to 253 characters; the default bucket only fits short ones.
        "server_names_hash_bucket_size 512;",
        "server_names_hash_max_size 8192;",
        "",
        // Spec limits: the router answers 400/414 (headers) and 413 (body) itself.
        `large_client_header_buffers ${LARGE_CLIENT_HEADER_BUFFERS};`,
        `client_max_body_size ${CLIENT_MAX_BODY_SIZE};`,
        // App Engine limits (a site's limits: "appengine"): its hop adds X-Accel-Redirect to a response
        // whose declared length is over the limit, which the site's server turns into a 500.
        "map $upstream_http_content_length $cloudengine_response_too_large {",
        `    "~${upToRegex(APPENGINE_RESPONSE_MAX_BYTES)}" "";`,
        '    "" "";',
        `    default ${RESPONSE_TOO_LARGE_LOCATION};`,
        "}",
        "",
        `resolver ${options.resolver} valid=${RESOLVER_VALID_SECONDS}s ipv6=off;`,
        `resolver_timeout ${RESOLVER_TIMEOUT_SECONDS}s;`,
        "",
        // Client address: the connection's own (clients connect directly; no forwarded address is trusted).
        // RFC 7239 section 6: an IPv6 node is bracketed, and then must be a quoted-string.
        "map $remote_addr $cloudengine_forwarded_for {",
        `    "~:" '"[$remote_addr]"';`,
        "    default $remote_addr;",
        "}",
        ...renderCountryLookup(root, options.countryLookup),
        ...renderHostHeaderMap(),
        // Hostnames no site serves are 404, unless they are not hostnames at all: 400.
        "map $host $cloudengine_invalid_host {",
        `    "~*${HOSTNAME_PATTERN}" 0;`,
        "    default 1;",
        "}",
        ...renderUpgradeMap(),
        ...renderHeaderSizeMap(),
        "",
        "proxy_http_version 1.1;",
        ...FORWARDED_REQUEST_HEADERS.map(([name, value]) => `proxy_set_header ${name} ${value};`),
        "proxy_redirect off;",
        `proxy_connect_timeout ${Math.min(timeout * 1000, INTERNAL_CONNECT_TIMEOUT_MS)}ms;`,
        `proxy_send_timeout ${timeout}s;`,
        `proxy_read_timeout ${timeout}s;`,
        // Zero-downtime rollouts: an instance that refuses, times out or says 502/503 is skipped for the
        // next address of the DNS answer (never for POST and the like: nginx does not retry those).
        "proxy_next_upstream error timeout http_502 http_503;",
        `proxy_next_upstream_tries ${PROXY_NEXT_UPSTREAM_TRIES};`,
        `proxy_next_upstream_timeout ${timeout}s;`,
        // Uploads go straight to the app instead of filling the /tmp tmpfs (up to 100M each); large
        // responses to slow clients likewise wait on the app rather than on temp files.
        "proxy_request_buffering off;",
        "proxy_max_temp_file_size 0;",
        "",
        "gzip on;",
        "gzip_proxied any;",
        "gzip_vary on;",
        `gzip_comp_level ${GZIP_COMP_LEVEL};`,
        `gzip_min_length ${GZIP_MIN_LENGTH};`,
        `gzip_types ${GZIP_TYPES.join(" ")};`,
    ];
    if (options.tls) {
        http.push(
            "",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_prefer_server_ciphers off;",
            "ssl_session_cache shared:cloudengine_tls:10m;",
            "ssl_session_timeout 1h;",
            "ssl_session_tickets off;",
        );
    }
    if (options.cache) {
        http.push(
            "",
            "# CDN cache (spec 'CDN Caching'): only responses with Last-Modified, only 2xx (the last attempt's status).",
            // One cache for every site of this load balancer (keys hold the host), so its size is bounded
            // however many sites use it: it lives on the /tmp tmpfs. Flat under /tmp: nginx creates it.
            `proxy_cache_path ${root}/tmp/nginx-cdn-cache levels=1:2 keys_zone=${CDN_CACHE_ZONE}:${CDN_CACHE_KEYS_ZONE_SIZE} ` +
                `max_size=${CDN_CACHE_MAX_SIZE} inactive=${CDN_CACHE_INACTIVE} use_temp_path=off;`,
            "map $upstream_http_last_modified $cloudengine_no_last_modified {",
            '    "" 1;',
            "    default 0;",
            "}",
            "map $upstream_status $cloudengine_not_2xx {",
            '    "~(?:^|[ ,:])2[0-9][0-9]$" 0;',
            "    default 1;",
            "}",
        );
    }
    return http;
}

/** Requests for hostnames no site serves: 404 over HTTP; over HTTPS the handshake is refused. */
export function renderDefaultServers(ctx: SiteContext, tls: boolean): string[] {
    const { address } = ctx;
    const lines = [
        "server {",
        `    listen ${listen(address, ctx.httpPort)} default_server;`,
        "    server_name _;",
        "    if ($cloudengine_invalid_host) {",
        "        return 400;",
        "    }",
        "    return 404;",
        "}",
    ];
    if (tls) {
        lines.push(
            "",
            "server {",
            `    listen ${listen(address, ctx.httpsPort)} ssl default_server;`,
            "    server_name _;",
            // No certificate to show for an unknown SNI: refuse the handshake (nginx >= 1.19.4).
            "    ssl_reject_handshake on;",
            "    return 404;",
            "}",
        );
    }
    return lines;
}

/**
 * Everything one site adds at http level: its pool of connections, its servers, and with App Engine limits
 * the hop that applies them (renderLimitsHop).
 */
export function renderSite(site: ProxySite, ctx: SiteContext): string[] {
    const lines: string[] = [];
    lines.push(...renderUpstream(site), "");
    if (site.limits === "appengine") lines.push(...renderLimitsHop(site, ctx), "");
    lines.push(...renderSiteServer(site, ctx, false));
    if (site.tls) lines.push("", ...renderSiteServer(site, ctx, true));
    return lines;
}

/** The checked SiteContext of render-time values (ports, the test file root and listen address). */
export function siteContext(values: {
    fileRoot?: string;
    listenAddress?: string;
    httpPort: number;
    httpsPort: number;
    publicHttpsPort: number;
    proxyTimeoutSeconds?: number;
}): SiteContext {
    return {
        timeout: checkTimeout(values.proxyTimeoutSeconds),
        root: checkFileRoot(values.fileRoot ?? ""),
        address: checkListenAddress(values.listenAddress),
        httpPort: checkPort("httpPort", values.httpPort),
        httpsPort: checkPort("httpsPort", values.httpsPort),
        publicHttpsPort: checkPort("publicHttpsPort", values.publicHttpsPort),
    };
}

/** Where and how a load balancer's sites are rendered (checked values). */
export interface SiteContext {
    /** Prefix for every file the config names; "" in production, a directory in tests. */
    root: string;
    /** Bind to this address only; all addresses when undefined. */
    address: string | undefined;
    httpPort: number;
    httpsPort: number;
    /** Public HTTPS port, used in force-HTTPS redirects (443 is omitted from URLs). */
    publicHttpsPort: number;
    /** Connect/send/read timeout towards the app, in seconds. */
    timeout: number;
}

function upstreamName(site: ProxySite): string {
    return `cloudengine_site_${site.id.replace(/-/g, "_")}`;
}

/**
 * A site's pool of connections to its instances: nginx follows the name (every RESOLVER_VALID_SECONDS) and
 * keeps idle connections shorter than apps commonly keep theirs (Node.js: 5 s), so the app never closes
 * one under a request; a request that fails on one instance goes to the next (proxy_next_upstream).
 */
function renderUpstream(site: ProxySite): string[] {
    const name = upstreamName(site);
    return [
        `upstream ${name} {`,
        `    zone ${name} 64k;`,
        // max_fails=0: DNS already lists only ready instances; marking one down after a single failed attempt
        // (a pooled connection the app closed, a replaced pod) would leave a one-instance site with none.
        `    server ${site.upstreamHost}:${site.upstreamPort} resolve max_fails=0;`,
        `    keepalive ${UPSTREAM_KEEPALIVE_CONNECTIONS};`,
        `    keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS}s;`,
        "}",
    ];
}

function limitsHopName(site: ProxySite): string {
    return `cloudengine_limits_${site.id.replace(/-/g, "_")}`;
}

function limitsHopSocket(site: ProxySite, ctx: SiteContext): string {
    return `${ctx.root}/tmp/cloudengine-limits-${site.id}.sock`;
}

/**
 * App Engine limits need what nginx does not do on one hop: a response's status decided by its length, and
 * a timed-out request answered 500. So the site's servers proxy to this hop (a server of the same nginx on a
 * unix socket), which proxies to the instances, answers its own timeout with 500, and marks a response whose
 * Content-Length is over the limit with X-Accel-Redirect, which the site's server follows to a 500 (the app's
 * own X-Accel-Redirect is dropped). A response streamed without a declared length is not measured.
 */
function renderLimitsHop(site: ProxySite, ctx: SiteContext): string[] {
    const name = limitsHopName(site);
    return [
        `# site ${site.id}: App Engine limits hop`,
        `upstream ${name} {`,
        `    server unix:${limitsHopSocket(site, ctx)};`,
        `    keepalive ${UPSTREAM_KEEPALIVE_CONNECTIONS};`,
        `    keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS}s;`,
        "}",
        "server {",
        `    listen unix:${limitsHopSocket(site, ctx)};`,
        // The site's server logs the request and compresses the response.
        "    access_log off;",
        "    gzip off;",
        "    location / {",
        `        proxy_pass http://${upstreamName(site)};`,
        ...PASSED_ON_REQUEST_HEADERS.map(([header, value]) => `        proxy_set_header ${header} ${value};`),
        "        proxy_ignore_headers X-Accel-Redirect;",
        "        proxy_hide_header X-Accel-Redirect;",
        "        add_header X-Accel-Redirect $cloudengine_response_too_large always;",
        // Only this nginx's own 504 (the deadline passed): an app's 504 reaches the client as it is.
        `        error_page 504 =500 ${DEADLINE_LOCATION};`,
        "    }",
        `    location ${DEADLINE_LOCATION} {`,
        "        return 500;",
        "    }",
        "}",
    ];
}

/** The servers of a site's hostnames ("*.name": any one label under name, as App Engine's subdomains). */
function serverNames(site: ProxySite): string {
    return site.hostnames
        .map((h) => (h.startsWith("*.") ? `"~^${LABEL_PATTERN}\\.${h.slice(2).replace(/\./g, "\\.")}$"` : h))
        .join(" ");
}

function renderSiteServer(site: ProxySite, ctx: SiteContext, tls: boolean): string[] {
    const appEngine = site.limits === "appengine";
    const lines = [
        `# site ${site.id} (${tls ? "https" : "http"})`,
        "server {",
        tls ? `    listen ${listen(ctx.address, ctx.httpsPort)} ssl;` : `    listen ${listen(ctx.address, ctx.httpPort)};`,
        `    server_name ${serverNames(site)};`,
    ];
    // Spec: "The size of a request header (URL and headers) should be within 64K": exactly, as the client sent it.
    lines.push("    if ($cloudengine_header_too_large) {", "        return 431;", "    }");
    if (appEngine) lines.push(`    client_max_body_size ${APPENGINE_CLIENT_MAX_BODY_SIZE};`);
    if (tls) {
        lines.push(
            `    ssl_certificate ${ctx.root}${tlsCertificatePath(site.id)};`,
            `    ssl_certificate_key ${ctx.root}${tlsKeyPath(site.id)};`,
        );
    }
    lines.push(
        "",
        // Reserved for certificate renewal: never forwarded, and not redirected either.
        `    location ^~ ${ACME_CHALLENGE_PREFIX} {`,
        "        return 404;",
        "    }",
        "",
        "    location / {",
    );
    if (!tls && site.forceHttps) {
        const port = ctx.publicHttpsPort === 443 ? "" : `:${ctx.publicHttpsPort}`;
        lines.push(`        return 301 https://$host${port}$request_uri;`);
    } else {
        if (appEngine) {
            const wait = ctx.timeout + LIMITS_HOP_GRACE_SECONDS;
            lines.push(
                `        proxy_pass http://${limitsHopName(site)};`,
                // The hop already tried the next instance; trying the hop again would send the request twice.
                "        proxy_next_upstream off;",
                `        proxy_send_timeout ${wait}s;`,
                `        proxy_read_timeout ${wait}s;`,
            );
        } else {
            // An app's X-Accel-Redirect is not followed (as behind the App Engine limits hop): the app
            // answers its requests; which of the load balancer's locations answers is not its to choose.
            lines.push(`        proxy_pass http://${upstreamName(site)};`, "        proxy_ignore_headers X-Accel-Redirect;");
        }
        if (site.cdnCache) {
            lines.push(
                `        proxy_cache ${CDN_CACHE_ZONE};`,
                "        proxy_cache_methods GET HEAD;",
                "        proxy_cache_key $scheme://$host$request_uri;",
                // The app's Cache-Control / Expires take precedence (no-cache, private, max-age, s-maxage);
                // without them a response is fresh for the spec's HTML maximum.
                `        proxy_cache_valid any ${CDN_HTML_MAX_AGE_SECONDS}s;`,
                "        proxy_no_cache $cloudengine_no_last_modified $cloudengine_not_2xx $http_authorization;",
                // A shared cache does not answer authorized requests from the cache (RFC 9111 section 3.5).
                "        proxy_cache_bypass $http_authorization;",
                "        proxy_cache_lock on;",
                "        proxy_cache_revalidate on;",
                "        add_header X-Cache-Status $upstream_cache_status always;",
            );
        }
    }
    lines.push("    }");
    if (appEngine) lines.push(`    location ${RESPONSE_TOO_LARGE_LOCATION} {`, "        return 500;", "    }");
    lines.push("}");
    return lines;
}

export function checkSites(sites: ProxySite[]): void {
    const ids = new Set<string>();
    const hostnames = new Set<string>();
    for (const site of sites) {
        if (!SITE_ID.test(site.id)) throw new Error(`site id must match ${SITE_ID}, got ${JSON.stringify(site.id)}`);
        if (ids.has(site.id)) throw new Error(`duplicate site id ${site.id}`);
        ids.add(site.id);
        if (site.hostnames.length === 0) throw new Error(`site ${site.id} has no hostnames`);
        for (const h of site.hostnames) {
            if (!HOSTNAME.test(h.startsWith("*.") ? h.slice(2) : h)) throw new Error(`site ${site.id}: invalid hostname ${JSON.stringify(h)}`);
            // nginx would only warn and silently serve the first site.
            if (hostnames.has(h)) throw new Error(`hostname ${h} is served by more than one site`);
            hostnames.add(h);
        }
        // A DNS name or an IPv4 literal (both match): it is written into a quoted nginx string.
        if (!HOSTNAME.test(site.upstreamHost)) {
            throw new Error(`site ${site.id}: invalid upstreamHost ${JSON.stringify(site.upstreamHost)}`);
        }
        checkPort(`site ${site.id} upstreamPort`, site.upstreamPort);
    }
}
