import { REQUEST_HEADER_WITHIN_LIMIT_REGEX } from "./limits";

// The parts of nginx.conf every load balancer the package renders shares (siteConf.ts, siteGatewayConf.ts,
// loadBalancerConf.ts): the main context, temp files, header maps, and the checks of render-time values.
// Written for nginx 1.28 as in the official image: no njs/lua.

/**
 * Host header values passed on unchanged: a hostname with an optional numeric port. nginx itself only
 * rejects a few characters after the ':' of Host, and the value ends up in a quoted Forwarded parameter.
 */
export const HOST_HEADER_PATTERN = "^[A-Za-z0-9.-]+(:[0-9]{1,5})?$";

/** Where nginx keeps its master's process id (`nginx -s reload` reads it). */
export const NGINX_PID_FILE = "/tmp/nginx.pid";

/** Top-level directives: modules, root master, unprivileged workers, everything writable under /tmp (read-only root). */
function renderMainContext(root: string, modules: string[]): string[] {
    return [
        ...modules,
        "user nobody nogroup;",
        "worker_processes auto;",
        `pid ${root}${NGINX_PID_FILE};`,
        "error_log stderr warn;",
        "",
        "events {",
        "    worker_connections 4096;",
        "}",
    ];
}

/** http-level directives: temp files on /tmp, no version banner. */
export function renderHttpCommon(root: string): string[] {
    return [
        "server_tokens off;",
        `client_body_temp_path ${root}/tmp/nginx-client-body;`,
        `proxy_temp_path ${root}/tmp/nginx-proxy;`,
        `fastcgi_temp_path ${root}/tmp/nginx-fastcgi;`,
        `uwsgi_temp_path ${root}/tmp/nginx-uwsgi;`,
        `scgi_temp_path ${root}/tmp/nginx-scgi;`,
        "",
    ];
}

/** $cloudengine_host: the client's Host header when it is well-formed, otherwise the validated $host. */
export function renderHostHeaderMap(): string[] {
    return ["map $http_host $cloudengine_host {", `    "~${HOST_HEADER_PATTERN}" $http_host;`, "    default $host;", "}"];
}

/**
 * $cloudengine_header_too_large: 1 when the request line and headers ($request_length before the body is
 * read) exceed the spec's 64K.
 */
export function renderHeaderSizeMap(): string[] {
    return ["map $request_length $cloudengine_header_too_large {", `    "~${REQUEST_HEADER_WITHIN_LIMIT_REGEX}" 0;`, "    default 1;", "}"];
}

/**
 * $cloudengine_upstream_connection: keeps WebSocket upgrades working through the proxy, and otherwise
 * sends no Connection header, so the pooled connection to the app stays open for the next request.
 */
export function renderUpgradeMap(): string[] {
    return ["map $http_upgrade $cloudengine_upstream_connection {", "    default upgrade;", '    "" "";', "}"];
}

/** A whole nginx.conf: the header comments, the main context (after the given load_module lines), and the given http-level lines. */
export function renderNginxConf(header: string[], root: string, http: string[], modules: string[] = []): string {
    return [...header, "", ...renderMainContext(root, modules), "", "http {", ...indent(http), "}"].join("\n") + "\n";
}

function indent(lines: string[], depth = 1): string[] {
    const pad = "    ".repeat(depth);
    return lines.map((l) => (l === "" ? "" : pad + l));
}

export function listen(address: string | undefined, port: number): string {
    return address === undefined ? `${port}` : `${address}:${port}`;
}

export function checkPort(name: string, port: number): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got ${port}`);
    return port;
}

/** One or more resolver addresses (IPv4, [IPv6], optional :port); no room for nginx syntax. */
export function checkResolver(resolver: string): string {
    const parts = resolver.trim().split(/\s+/);
    if (resolver.trim() === "" || !parts.every((p) => /^(?:[0-9.]+|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?$/.test(p))) {
        throw new Error(`resolver must be one or more addresses, got ${JSON.stringify(resolver)}`);
    }
    return parts.join(" ");
}

export function checkListenAddress(address: string | undefined): string | undefined {
    if (address !== undefined && !/^(?:[0-9.]+|\[[0-9a-fA-F:.]+\])$/.test(address)) {
        throw new Error(`listenAddress must be an IP address, got ${JSON.stringify(address)}`);
    }
    return address;
}

export function checkFileRoot(root: string): string {
    if (root !== "" && !/^\/[A-Za-z0-9._\/-]*[A-Za-z0-9._-]$/.test(root)) {
        throw new Error(`fileRoot must be an absolute path without trailing slash or special characters, got ${JSON.stringify(root)}`);
    }
    return root;
}
