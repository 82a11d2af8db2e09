// Limits of the Cloud Engine load balancer (spec: "Load Balancer and CDN", "CDN Caching"), as used by the
// gateway and router nginx configurations. Each constant quotes the sentence it implements; the few that
// the spec does not fix say why they have the value they have.

/** "each line of the request header should be within 8K" */
export const REQUEST_HEADER_LINE_MAX_BYTES = 8 * 1024;

/** "The size of a request header (URL and headers) should be within 64K" */
export const REQUEST_HEADER_MAX_BYTES = 64 * 1024;

/**
 * nginx form of the line limit, with room for the whole-head limit (`large_client_header_buffers 16 8k`):
 * nginx keeps whole lines in its 8k buffers, so one buffer may hold a single line of 4097 bytes and 64K of
 * such lines need 16 buffers (8 buffers refused heads of 33K). The 64K total is checked exactly with
 * REQUEST_HEADER_WITHIN_LIMIT_REGEX on $request_length.
 */
export const LARGE_CLIENT_HEADER_BUFFERS = `${(2 * REQUEST_HEADER_MAX_BYTES) / REQUEST_HEADER_LINE_MAX_BYTES} ${REQUEST_HEADER_LINE_MAX_BYTES / 1024}k`;

/**
 * Matches the decimal numbers 0..REQUEST_HEADER_MAX_BYTES: nginx maps compare strings, and $request_length
 * before the body is read is the size of the request line and headers.
 */
export const REQUEST_HEADER_WITHIN_LIMIT_REGEX = upToRegex(REQUEST_HEADER_MAX_BYTES);

/** A regex matching exactly the decimal integers 0..max (no leading zeros). */
export function upToRegex(max: number): string {
    if (!Number.isInteger(max) || max < 0) throw new Error(`upToRegex: ${max}`);
    const s = String(max);
    const alts = s.length > 1 ? ["0", `[1-9][0-9]{0,${s.length - 2}}`] : [];
    for (let i = 0; i < s.length; i++) {
        const d = Number(s[i]);
        const lo = i === 0 && s.length > 1 ? 1 : 0;
        if (d > lo) alts.push(`${s.slice(0, i)}[${lo}-${d - 1}]${i + 1 < s.length ? `[0-9]{${s.length - i - 1}}` : ""}`);
    }
    alts.push(s);
    return `^(?:${alts.join("|")})$`;
}

/** "The size of a request (for uploading files) should be within 100M." */
export const REQUEST_BODY_MAX_BYTES = 100 * 1024 * 1024;

/** nginx form of REQUEST_BODY_MAX_BYTES (`client_max_body_size`). */
export const CLIENT_MAX_BODY_SIZE = `${REQUEST_BODY_MAX_BYTES / (1024 * 1024)}m`;

/**
 * App Engine's "request size 32 megabytes" and "response size 32 megabytes", for sites with limits
 * "appengine" (the Go runtime document's quotas; megabytes counted like the 100M above, in MiB).
 */
export const APPENGINE_REQUEST_BODY_MAX_BYTES = 32 * 1024 * 1024;
export const APPENGINE_RESPONSE_MAX_BYTES = 32 * 1024 * 1024;

/** nginx form of APPENGINE_REQUEST_BODY_MAX_BYTES. */
export const APPENGINE_CLIENT_MAX_BODY_SIZE = `${APPENGINE_REQUEST_BODY_MAX_BYTES / (1024 * 1024)}m`;

/**
 * Not in the spec: how much longer a site with App Engine limits waits for its limits hop than the hop
 * waits for the app (App Engine's deadline, "typically around 60 seconds": PROXY_TIMEOUT_SECONDS), so that
 * the hop's 500 ("the runtime environment returns an HTTP 500 server error") arrives before a 504.
 */
export const LIMITS_HOP_GRACE_SECONDS = 5;

/** "The timeout for connecting or waiting for a response is 60 seconds." */
export const PROXY_TIMEOUT_SECONDS = 60;

/**
 * Not in the spec: connecting from the load balancer to an instance on the platform's own network. A live
 * instance accepts or refuses at once; only the address of one just removed (still in a DNS answer cached
 * for RESOLVER_VALID_SECONDS after it stopped) never answers. Waiting 60 s for it would stall requests during
 * rollouts, so such a connect fails fast and the next address is tried.
 */
export const INTERNAL_CONNECT_TIMEOUT_MS = 500;

/** "Paths starting with /.well-known/acme-challenge/ are used by Cloud Engine to automatically renew certificates." */
export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

/** "for HTML files, they will be cached for at most 60 seconds" — also the default validity of any cached response. */
export const CDN_HTML_MAX_AGE_SECONDS = 60;

/** Not in the spec: how long a resolved instance address is reused; short so rollouts are seen quickly. */
export const RESOLVER_VALID_SECONDS = 1;

/** Not in the spec: an unknown hostname must fail fast (502) instead of hanging on an unanswered DNS query. */
export const RESOLVER_TIMEOUT_SECONDS = 5;

/** Not in the spec: attempts per request across instances, so a stopping/starting instance is skipped (bounded). */
export const PROXY_NEXT_UPSTREAM_TRIES = 3;

/** Not in the spec: idle connections a router keeps per site to its instances (pooled upstreams). */
export const UPSTREAM_KEEPALIVE_CONNECTIONS = 32;
/** Not in the spec: below the idle timeouts apps commonly use (Node.js: 5 s), so the router closes first. */
export const UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS = 4;

/**
 * Not in the spec: size of a load balancer's CDN cache, shared by all its sites; half of its /tmp tmpfs
 * (PROXY_TMP_BYTES), so temp files and nginx's lag in trimming the cache still fit.
 */
export const CDN_CACHE_MAX_SIZE = "256m";

/** Not in the spec: shared memory for cache keys (1m holds about 8000 keys; 32m about 256,000). */
export const CDN_CACHE_KEYS_ZONE_SIZE = "32m";

/** Not in the spec: entries not requested for this long are evicted regardless of freshness. */
export const CDN_CACHE_INACTIVE = "10m";

/** Not in the spec: DNS limit on a hostname's length (RFC 1035), checked before a name is looked up. */
export const HOSTNAME_MAX_LENGTH = 253;

/**
 * Not in the spec: a valid hostname (RFC 1123 labels: lowercase letters, digits, inner hyphens; dots between
 * labels). Shared by the TypeScript validation and the nginx maps, so both accept exactly the same names.
 */
export const HOSTNAME_PATTERN =
    `^(?=.{1,${HOSTNAME_MAX_LENGTH}}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:[.][a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$`;
