import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderGatewayConf } from "../../provider/render/proxy/gatewayConf";
import { renderRouterConf } from "../../provider/render/proxy/routerConf";
import { GatewayModel, ProxySite, RouterModel, tlsCertificatePath, tlsKeyPath } from "../../provider/render/proxy/model";
import { CDN_CACHE_MAX_SIZE, HOSTNAME_PATTERN, RESOLVER_VALID_SECONDS, upToRegex } from "../../provider/render/proxy/limits";

// What the rendered text says. Whether nginx accepts it and behaves accordingly is test/artifact/nginxConf.test.ts.

const gatewayModel: GatewayModel = { resolver: "127.0.0.11", httpPort: 80, httpsPort: 443 };

function site(id: string, over: Partial<ProxySite> = {}): ProxySite {
    return {
        id,
        hostnames: [`${id}.example.com`],
        upstreamHost: `${id}.app.internal`,
        upstreamPort: 3000,
        forceHttps: false,
        tls: false,
        cdnCache: false,
        ...over,
    };
}

function router(sites: ProxySite[], over: Partial<RouterModel> = {}): RouterModel {
    return { sites, publicHttpsPort: 443, resolver: "127.0.0.11", ...over };
}

/** The server block rendered for one site and scheme (from its marker comment to its closing brace). */
function serverBlock(conf: string, id: string, scheme: "http" | "https"): string {
    const lines = conf.split("\n");
    const start = lines.indexOf(`    # site ${id} (${scheme})`);
    assert.notEqual(start, -1, `no ${scheme} server for site ${id}`);
    const end = lines.indexOf("    }", start);
    return lines.slice(start, end + 1).join("\n");
}

function count(text: string, needle: string): number {
    return text.split(needle).length - 1;
}

describe("renderGatewayConf", () => {
    const conf = renderGatewayConf(gatewayModel);

    it("is a complete nginx.conf for a root master with everything writable under /tmp", () => {
        assert.doesNotMatch(conf, /modules-enabled/, "the stream module is compiled into the official image");
        assert.match(conf, /^user nobody nogroup;$/m);
        assert.match(conf, /^pid \/tmp\/nginx\.pid;$/m);
        assert.match(conf, /^error_log stderr warn;$/m);
        assert.match(conf, /access_log \/dev\/stdout cloudengine_gateway;/);
        for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
            assert.match(conf, new RegExp(`${t}_temp_path /tmp/nginx-`));
        }
        assert.match(conf, /^events \{$/m);
        assert.match(conf, /^http \{$/m);
        assert.match(conf, /^stream \{$/m);
    });

    it("routes HTTP by a validated Host to <host>.<suffix>:8080 through the resolver", () => {
        assert.match(conf, /listen 80 default_server;/);
        assert.match(conf, /map \$host \$cloudengine_route \{\n\s+"~\*\^\(\?=\.\{1,253\}\$\)[^\n]*" "\$host\.route\.cloudengine\.internal";\n\s+default "";/);
        assert.match(conf, /if \(\$cloudengine_route = ""\) \{\n\s+return 400;/);
        assert.match(conf, /proxy_pass http:\/\/\$cloudengine_route:8080;/);
        assert.ok(conf.includes(`resolver 127.0.0.11 valid=${RESOLVER_VALID_SECONDS}s ipv6=off;`));
        assert.match(conf, /resolver_timeout 5s;/);
    });

    it("sets X-Real-IP and Host but leaves X-Forwarded-For to the router", () => {
        assert.match(conf, /proxy_set_header X-Real-IP \$remote_addr;/);
        assert.match(conf, /proxy_set_header Host \$cloudengine_host;/);
        assert.doesNotMatch(conf, /X-Forwarded-For/);
        assert.match(conf, /proxy_http_version 1\.1;/);
    });

    it("applies the spec's limits, and waits longer than the router so the router answers 504", () => {
        assert.match(conf, /large_client_header_buffers 16 8k;/);
        assert.match(conf, /client_max_body_size 100m;/);
        assert.match(conf, /proxy_connect_timeout 500ms;/, "internal hops connect fast; a removed container never answers");
        assert.match(conf, /proxy_read_timeout 65s;/);
        assert.match(conf, /proxy_send_timeout 65s;/);
    });

    it("passes TLS through by SNI with the PROXY protocol, without terminating it", () => {
        const stream = conf.slice(conf.indexOf("stream {"));
        assert.match(stream, /listen 443;/);
        assert.match(stream, /ssl_preread on;/);
        assert.match(stream, /map \$ssl_preread_server_name \$cloudengine_tls_route \{\n\s+"~\*\^[^\n]*" "\$ssl_preread_server_name\.route\.cloudengine\.internal:8443";/);
        assert.match(stream, /proxy_pass \$cloudengine_tls_route;/);
        assert.match(stream, /proxy_protocol on;/);
        assert.ok(stream.includes(`resolver 127.0.0.11 valid=${RESOLVER_VALID_SECONDS}s ipv6=off;`));
        assert.doesNotMatch(conf, /ssl_certificate/);
    });

    it("takes listen ports from the model and test overrides for addresses, router ports and file root", () => {
        const c = renderGatewayConf(
            { resolver: "127.0.0.1:5353", httpPort: 18080, httpsPort: 18443 },
            { listenAddress: "127.0.0.1", routerHttpPort: 28080, routerHttpsPort: 28443, fileRoot: "/tmp/x" },
        );
        assert.match(c, /listen 127\.0\.0\.1:18080 default_server;/);
        assert.match(c, /listen 127\.0\.0\.1:18443;/);
        assert.match(c, /\$cloudengine_route:28080;/);
        assert.match(c, /internal:28443";/);
        assert.match(c, /pid \/tmp\/x\/tmp\/nginx\.pid;/);
        assert.ok(c.includes(`resolver 127.0.0.1:5353 valid=${RESOLVER_VALID_SECONDS}s`));
    });

    it("uses one hostname pattern that accepts DNS names and rejects everything else", () => {
        const re = new RegExp(HOSTNAME_PATTERN);
        for (const ok of ["a", "example.com", "stg-app.example.com", "1.2.3.4", "x".repeat(63) + ".com", ("a".repeat(49) + ".").repeat(5) + "abc"]) {
            assert.ok(re.test(ok), ok);
        }
        for (const bad of ["", ".", "a..b", "-a.com", "a-.com", "a_b.com", "a b", "a.com.", "x".repeat(64) + ".com", ("a".repeat(49) + ".").repeat(5) + "abcd", 'a";x', "a}"]) {
            assert.ok(!re.test(bad), bad);
        }
    });

    it("rejects values that would inject nginx syntax", () => {
        assert.throws(() => renderGatewayConf({ ...gatewayModel, resolver: "1.1.1.1; include /x" }));
        assert.throws(() => renderGatewayConf({ ...gatewayModel, resolver: "" }));
        assert.throws(() => renderGatewayConf({ ...gatewayModel, httpPort: 0 }));
        assert.throws(() => renderGatewayConf({ ...gatewayModel, httpsPort: 70000 }));
        assert.throws(() => renderGatewayConf(gatewayModel, { fileRoot: "relative" }));
    });

    it("is deterministic", () => {
        assert.equal(renderGatewayConf(gatewayModel), conf);
    });
});

describe("renderRouterConf", () => {
    const full = router([
        site("shop", { hostnames: ["shop.example.com", "www.shop.example.com"], tls: true, forceHttps: true, cdnCache: true }),
        site("api", { tls: true }),
        site("plain"),
    ]);
    const conf = renderRouterConf(full);

    it("is a complete nginx.conf for a root master with everything writable under /tmp", () => {
        assert.match(conf, /^user nobody nogroup;$/m);
        assert.match(conf, /^pid \/tmp\/nginx\.pid;$/m);
        assert.match(conf, /^error_log stderr warn;$/m);
        assert.match(conf, /access_log \/dev\/stdout cloudengine_router buffer=64k flush=1s;/);
        assert.match(conf, /proxy_cache_path \/tmp\/nginx-cache-shop /);
        // The router needs no dynamic module.
        assert.doesNotMatch(conf, /modules-enabled/);
    });

    it("answers unknown hostnames with 404 on both ports, and a Host that is no hostname with 400", () => {
        assert.match(conf, /listen 8080 default_server;\n\s+server_name _;\n\s+real_ip_header X-Real-IP;\n\s+if \(\$cloudengine_invalid_host\) \{\n\s+return 400;\n\s+\}\n\s+return 404;/);
        assert.match(conf, /listen 8443 ssl proxy_protocol default_server;[\s\S]*?ssl_reject_handshake on;\n\s+return 404;/);
    });

    it("renders an https server only for tls sites, with the mounted certificate", () => {
        assert.equal(count(conf, "ssl proxy_protocol;"), 2);
        const shop = serverBlock(conf, "shop", "https");
        assert.match(shop, /listen 8443 ssl proxy_protocol;/);
        assert.match(shop, /server_name shop\.example\.com www\.shop\.example\.com;/);
        assert.ok(shop.includes(`ssl_certificate ${tlsCertificatePath("shop")};`));
        assert.ok(shop.includes(`ssl_certificate_key ${tlsKeyPath("shop")};`));
        assert.ok(!conf.includes("# site plain (https)"));
        const noTls = renderRouterConf(router([site("plain")]));
        assert.doesNotMatch(noTls, /ssl/);
        assert.doesNotMatch(noTls, /8443/);
    });

    it("takes the client address from X-Real-IP (http) or the PROXY protocol (https), trusting only private ranges", () => {
        for (const r of ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"]) {
            assert.ok(conf.includes(`set_real_ip_from ${r};`), r);
        }
        assert.doesNotMatch(conf, /set_real_ip_from 0\.0\.0\.0/);
        assert.match(serverBlock(conf, "api", "http"), /real_ip_header X-Real-IP;/);
        assert.match(serverBlock(conf, "api", "https"), /real_ip_header proxy_protocol;/);
    });

    it("sends X-Real-IP, X-Forwarded-Proto, X-Forwarded-For, Host and an RFC 7239 Forwarded header", () => {
        assert.match(conf, /proxy_set_header X-Real-IP \$remote_addr;/);
        assert.match(conf, /proxy_set_header X-Forwarded-Proto \$scheme;/);
        assert.match(conf, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
        assert.match(conf, /proxy_set_header Host \$cloudengine_host;/);
        assert.ok(conf.includes(`proxy_set_header Forwarded 'for=$cloudengine_forwarded_for;proto=$scheme;host="$cloudengine_host"';`));
        // IPv6 nodes are "[...]" quoted-strings; IPv4 ones are tokens.
        assert.ok(conf.includes(`map $remote_addr $cloudengine_forwarded_for {\n        "~:" '"[$remote_addr]"';\n        default $remote_addr;\n    }`));
        // Only proxy_set_header at http level: one in a location would silently drop all of these.
        assert.equal(count(conf, "proxy_set_header"), 7);
    });

    it("keeps /.well-known/acme-challenge/ from the app in every site server", () => {
        const acme = "location ^~ /.well-known/acme-challenge/ {\n            return 404;\n        }";
        for (const [id, scheme] of [["shop", "http"], ["shop", "https"], ["api", "http"], ["api", "https"], ["plain", "http"]] as const) {
            assert.ok(serverBlock(conf, id, scheme).includes(acme), `${id} ${scheme}`);
        }
    });

    it("redirects plain HTTP to HTTPS when forceHttps, keeping host, path and query, omitting :443", () => {
        const shop = serverBlock(conf, "shop", "http");
        assert.match(shop, /return 301 https:\/\/\$host\$request_uri;/);
        assert.doesNotMatch(shop, /proxy_pass/);
        // The ACME location comes first and wins over the redirect (^~ prefix match).
        assert.ok(shop.indexOf("acme-challenge") < shop.indexOf("return 301"));
        assert.match(serverBlock(conf, "shop", "https"), /proxy_pass/);
        const onPort = renderRouterConf({ ...full, publicHttpsPort: 8443 });
        assert.match(serverBlock(onPort, "shop", "http"), /return 301 https:\/\/\$host:8443\$request_uri;/);
        assert.doesNotMatch(serverBlock(conf, "api", "http"), /return 301/);
    });

    it("applies the spec's limits and timeouts", () => {
        assert.match(conf, /large_client_header_buffers 16 8k;/);
        assert.match(conf, /client_max_body_size 100m;/);
        assert.match(conf, /proxy_connect_timeout 500ms;/, "internal hops connect fast; a removed container never answers");
        assert.match(conf, /proxy_send_timeout 60s;/);
        assert.match(conf, /proxy_read_timeout 60s;/);
        assert.match(renderRouterConf(full, { proxyTimeoutSeconds: 2 }), /proxy_read_timeout 2s;/);
    });

    it("load-balances over the DNS answer and skips failing instances a bounded number of times", () => {
        const api = serverBlock(conf, "api", "https");
        assert.match(api, /set \$cloudengine_upstream "api\.app\.internal";\n\s+proxy_pass http:\/\/\$cloudengine_upstream:3000;/);
        assert.ok(conf.includes(`resolver 127.0.0.11 valid=${RESOLVER_VALID_SECONDS}s ipv6=off;`));
        assert.match(conf, /proxy_next_upstream error timeout http_502 http_503;/);
        assert.match(conf, /proxy_next_upstream_tries 3;/);
        assert.match(conf, /proxy_next_upstream_timeout 60s;/);
    });

    it("gzips text responses for clients that accept it", () => {
        assert.match(conf, /gzip on;/);
        assert.match(conf, /gzip_proxied any;/);
        assert.match(conf, /gzip_vary on;/);
        const types = /gzip_types ([^;]+);/.exec(conf)?.[1].split(" ") ?? [];
        for (const t of ["application/json", "application/javascript", "text/css", "application/xml", "image/svg+xml"]) assert.ok(types.includes(t), t);
        // text/html is always compressed; listing it makes nginx warn.
        assert.ok(!types.includes("text/html"));
    });

    it("caches like the spec's CDN only for cdnCache sites", () => {
        const shop = serverBlock(conf, "shop", "https");
        assert.match(shop, /proxy_cache cloudengine_cache_shop;/);
        assert.match(shop, /proxy_cache_methods GET HEAD;/);
        assert.match(shop, /proxy_cache_valid any 60s;/);
        assert.match(shop, /proxy_no_cache \$cloudengine_no_last_modified \$cloudengine_not_2xx \$http_authorization;/);
        assert.match(shop, /add_header X-Cache-Status \$upstream_cache_status always;/);
        assert.doesNotMatch(shop, /proxy_ignore_headers/, "the app's Cache-Control must be honoured");
        assert.match(conf, /map \$upstream_http_last_modified \$cloudengine_no_last_modified \{\n\s+"" 1;\n\s+default 0;/);
        assert.match(conf, /map \$upstream_status \$cloudengine_not_2xx \{/);
        assert.ok(conf.includes(`keys_zone=cloudengine_cache_shop:10m max_size=${CDN_CACHE_MAX_SIZE} `));
        assert.equal(count(conf, "proxy_cache_path"), 1);
        for (const [id, scheme] of [["api", "http"], ["api", "https"], ["plain", "http"]] as const) {
            assert.doesNotMatch(serverBlock(conf, id, scheme), /proxy_cache|X-Cache-Status/);
        }
        const noCache = renderRouterConf(router([site("plain"), site("api", { tls: true })]));
        assert.doesNotMatch(noCache, /proxy_cache|cloudengine_no_last_modified|X-Cache-Status/);

        // The status map caches only when the last attempt's status is 2xx.
        const key = /map \$upstream_status \$cloudengine_not_2xx \{\n\s+"~([^"]+)" 0;/.exec(conf)?.[1];
        assert.ok(key);
        const re = new RegExp(key);
        for (const s of ["200", "204", "502, 200", "503, 502, 206", "200 : 200"]) assert.ok(re.test(s), s);
        for (const s of ["404", "301", "200, 502", "500", "2000"]) assert.ok(!re.test(s), s);
    });

    it("keeps the caller's order of sites and hostnames, and is deterministic", () => {
        assert.equal(renderRouterConf(full), conf);
        assert.ok(conf.indexOf("# site shop") < conf.indexOf("# site api"));
        assert.ok(conf.indexOf("# site api") < conf.indexOf("# site plain"));
        const reversed = renderRouterConf({ ...full, sites: [...full.sites].reverse() });
        assert.ok(reversed.indexOf("# site plain") < reversed.indexOf("# site shop"));
    });

    it("takes test overrides for listen ports, address and file root", () => {
        const c = renderRouterConf(full, { httpPort: 18080, httpsPort: 18443, listenAddress: "127.0.0.1", fileRoot: "/tmp/r" });
        assert.match(c, /listen 127\.0\.0\.1:18080 default_server;/);
        assert.match(c, /listen 127\.0\.0\.1:18443 ssl proxy_protocol;/);
        assert.ok(c.includes(`ssl_certificate /tmp/r${tlsCertificatePath("shop")};`));
        assert.match(c, /proxy_cache_path \/tmp\/r\/tmp\/nginx-cache-shop /);
        assert.doesNotMatch(c, / 8080| 8443/);
    });

    it("renders a router with no sites", () => {
        const c = renderRouterConf(router([]));
        assert.match(c, /listen 8080 default_server;/);
        assert.doesNotMatch(c, /server_name [a-z]/);
    });

    it("rejects models that would inject nginx syntax or be silently misrouted", () => {
        assert.throws(() => renderRouterConf(router([site("Bad_Id")])), /site id/);
        assert.throws(() => renderRouterConf(router([site("a"), site("a", { hostnames: ["x.com"] })])), /duplicate site id/);
        assert.throws(() => renderRouterConf(router([site("a", { hostnames: ["*.a.com"] })])), /invalid hostname/);
        assert.throws(() => renderRouterConf(router([site("a", { hostnames: ["A.com"] })])), /invalid hostname/);
        assert.throws(() => renderRouterConf(router([site("a", { hostnames: [] })])), /no hostnames/);
        assert.throws(() => renderRouterConf(router([site("a", { hostnames: ["x.com"] }), site("b", { hostnames: ["x.com"] })])), /more than one site/);
        assert.throws(() => renderRouterConf(router([site("a", { upstreamHost: 'x"; }' })])), /upstreamHost/);
        assert.throws(() => renderRouterConf(router([site("a", { upstreamPort: 0 })])), /upstreamPort/);
        assert.throws(() => renderRouterConf(router([], { publicHttpsPort: 1.5 })), /publicHttpsPort/);
        assert.throws(() => renderRouterConf(router([], { resolver: "8.8.8.8;" })), /resolver/);
    });
});

describe("header size regex", () => {
    it("matches exactly the decimal numbers 0..max", () => {
        for (const max of [0, 7, 10, 65536, 65792]) {
            const re = new RegExp(upToRegex(max));
            for (let n = 0; n <= max + 200; n += n < 2000 || n > max - 2000 ? 1 : 97) assert.equal(re.test(String(n)), n <= max, `${n} vs ${max}`);
            if (max > 0) assert.ok(!re.test(`0${max}`), "no leading zeros");
        }
    });
});
