// Limits of the Cloud Engine load balancer (spec: "Load Balancer and CDN", "CDN Caching"), as used by the
// gateway and router nginx configurations. Each constant quotes the sentence it implements; the few that
// the spec does not fix say why they have the value they have.

/** "each line of the request header should be within 8K" */
export const REQUEST_HEADER_LINE_MAX_BYTES = 8 * 1024;

/** "The size of a request header (URL and headers) should be within 64K" */
export const REQUEST_HEADER_MAX_BYTES = 64 * 1024;

/** nginx form of the two header limits: N buffers of one line each (`large_client_header_buffers 8 8k`). */
export const LARGE_CLIENT_HEADER_BUFFERS = `${REQUEST_HEADER_MAX_BYTES / REQUEST_HEADER_LINE_MAX_BYTES} ${REQUEST_HEADER_LINE_MAX_BYTES / 1024}k`;

/** "The size of a request (for uploading files) should be within 100M." */
export const REQUEST_BODY_MAX_BYTES = 100 * 1024 * 1024;

/** nginx form of REQUEST_BODY_MAX_BYTES (`client_max_body_size`). */
export const CLIENT_MAX_BODY_SIZE = `${REQUEST_BODY_MAX_BYTES / (1024 * 1024)}m`;

/** "The timeout for connecting or waiting for a response is 60 seconds." */
export const PROXY_TIMEOUT_SECONDS = 60;

/**
 * Not in the spec: connecting across the platform's own hops (gateway → router → instance) on one
 * host network. A live container accepts or refuses at once; only the address of a container that was
 * just removed (still in a DNS answer cached for RESOLVER_VALID_SECONDS after it stopped) never answers. Waiting 60 s
 * for it would stall requests during rollouts, so such a connect fails fast and the next address is tried.
 */
export const INTERNAL_CONNECT_TIMEOUT_MS = 500;

/**
 * Not in the spec: the gateway waits this much longer than the router, so that on a slow app it is the
 * router that answers 504 (and logs it), not the gateway racing it by a few milliseconds.
 */
export const GATEWAY_TIMEOUT_MARGIN_SECONDS = 5;

/** "Paths starting with /.well-known/acme-challenge/ are used by Cloud Engine to automatically renew certificates." */
export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

/** "for HTML files, they will be cached for at most 60 seconds" — also the default validity of any cached response. */
export const CDN_HTML_MAX_AGE_SECONDS = 60;

/** Not in the spec: how long a resolved instance / router address is reused; short so rollouts are seen quickly. */
export const RESOLVER_VALID_SECONDS = 1;

/** Not in the spec: an unknown hostname must fail fast (502) instead of hanging on an unanswered DNS query. */
export const RESOLVER_TIMEOUT_SECONDS = 5;

/** Not in the spec: attempts per request across instances, so a stopping/starting instance is skipped (bounded). */
export const PROXY_NEXT_UPSTREAM_TRIES = 3;

/** Not in the spec: size of each site's CDN cache; bounded because it lives on the /tmp tmpfs (PROXY_TMP_BYTES holds several). */
export const CDN_CACHE_MAX_SIZE = "128m";

/** Not in the spec: shared memory for cache keys (1m holds about 8000 keys). */
export const CDN_CACHE_KEYS_ZONE_SIZE = "10m";

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
