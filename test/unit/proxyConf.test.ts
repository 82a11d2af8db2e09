import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { renderLoadBalancerConf } from "../../provider/render/proxy/loadBalancerConf";
import { LoadBalancerModel, ProxySite, tlsCertificatePath, tlsKeyPath } from "../../provider/render/proxy/model";
import { CDN_CACHE_MAX_SIZE, HOSTNAME_PATTERN, RESOLVER_VALID_SECONDS, upToRegex } from "../../provider/render/proxy/limits";

// What the rendered text says (the Kubernetes load balancer's file: every piece the Docker gateway's sites
// share). Whether nginx accepts it and behaves accordingly is test/artifact/nginxConf.test.ts.

function site(id: string, over: Partial<ProxySite> = {}): ProxySite {
    return {
        id,
        hostnames: [`${id}.example.com`],
        upstreamHost: `${id}.app.internal`,
        upstreamPort: 3000,
        forceHttps: false,
        tls: false,
        cdnCache: false,
        limits: "cloudengine",
        ...over,
    };
}

function model(sites: ProxySite[], over: Partial<LoadBalancerModel> = {}): LoadBalancerModel {
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

describe("renderLoadBalancerConf", () => {
    const full = model([
        site("shop", { hostnames: ["shop.example.com", "www.shop.example.com"], tls: true, forceHttps: true, cdnCache: true }),
        site("api", { tls: true }),
        site("plain"),
    ]);
    const conf = renderLoadBalancerConf(full);

    it("is a complete nginx.conf for a root master with everything writable under /tmp", () => {
        assert.match(conf, /^user nobody nogroup;$/m);
        assert.match(conf, /^pid \/tmp\/nginx\.pid;$/m);
        assert.match(conf, /^error_log stderr warn;$/m);
        assert.match(conf, /access_log \/dev\/stdout cloudengine_router buffer=64k flush=1s;/);
        assert.match(conf, /'"\$upstream_addr" \$upstream_status \$upstream_cache_status \$connection';/, "the log names each request's client connection");
        assert.match(conf, /proxy_cache_path \/tmp\/nginx-cdn-cache /);
        // No dynamic module needed.
        assert.doesNotMatch(conf, /modules-enabled/);
    });

    it("answers unknown hostnames with 404 on both ports, and a Host that is no hostname with 400", () => {
        assert.match(conf, /listen 8080 default_server;\n\s+server_name _;\n\s+if \(\$cloudengine_invalid_host\) \{\n\s+return 400;\n\s+\}\n\s+return 404;/);
        assert.match(conf, /listen 8443 ssl default_server;[\s\S]*?ssl_reject_handshake on;\n\s+return 404;/);
    });

    it("renders an https server only for tls sites, with the mounted certificate", () => {
        assert.equal(count(conf, "listen 8443 ssl;"), 2);
        const shop = serverBlock(conf, "shop", "https");
        assert.match(shop, /listen 8443 ssl;/);
        assert.match(shop, /server_name shop\.example\.com www\.shop\.example\.com;/);
        assert.ok(shop.includes(`ssl_certificate ${tlsCertificatePath("shop")};`));
        assert.ok(shop.includes(`ssl_certificate_key ${tlsKeyPath("shop")};`));
        assert.ok(!conf.includes("# site plain (https)"));
        const noTls = renderLoadBalancerConf(model([site("plain")]));
        assert.doesNotMatch(noTls, /ssl/);
        assert.doesNotMatch(noTls, /8443/);
    });

    it("takes the client address from the connection: clients connect directly, no forwarded address is trusted", () => {
        assert.doesNotMatch(conf, /set_real_ip_from|real_ip_header|proxy_protocol/);
    });

    it("sends X-Real-IP, X-Forwarded-Proto, X-Forwarded-For, Host and an RFC 7239 Forwarded header", () => {
        assert.match(conf, /proxy_set_header X-Real-IP \$remote_addr;/);
        assert.match(conf, /proxy_set_header X-Forwarded-Proto \$scheme;/);
        assert.match(conf, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
        assert.match(conf, /proxy_set_header Host \$cloudengine_host;/);
        assert.ok(conf.includes(`proxy_set_header Forwarded 'for=$cloudengine_forwarded_for;proto=$scheme;host="$cloudengine_host"';`));
        // IPv6 nodes are "[...]" quoted-strings; IPv4 ones are tokens.
        assert.ok(conf.includes(`map $remote_addr $cloudengine_forwarded_for {\n        "~:" '"[$remote_addr]"';\n        default $remote_addr;\n    }`));
        // Only proxy_set_header at http level: one in a location would silently drop all of these (the
        // eighth is X-AppEngine-Country: test/unit/countryHeader.test.ts).
        assert.equal(count(conf, "proxy_set_header"), 8);
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
        const onPort = renderLoadBalancerConf({ ...full, publicHttpsPort: 8443 });
        assert.match(serverBlock(onPort, "shop", "http"), /return 301 https:\/\/\$host:8443\$request_uri;/);
        assert.doesNotMatch(serverBlock(conf, "api", "http"), /return 301/);
    });

    it("applies the spec's limits and timeouts", () => {
        assert.match(conf, /large_client_header_buffers 16 8k;/);
        assert.match(conf, /client_max_body_size 100m;/);
        assert.match(conf, /proxy_connect_timeout 500ms;/, "instances connect fast; a removed one never answers");
        assert.match(conf, /proxy_send_timeout 60s;/);
        assert.match(conf, /proxy_read_timeout 60s;/);
        assert.match(renderLoadBalancerConf(full, { proxyTimeoutSeconds: 2 }), /proxy_read_timeout 2s;/);
    });

    it("limits appengine: 32 MB requests at the site's server; a hop that answers its own timeout 500 and marks responses over 32 MB for a 500", () => {
        const c = renderLoadBalancerConf(model([site("gae", { limits: "appengine", tls: true }), site("lean")]), { fileRoot: "/tmp/r" });
        const server = (id: string, scheme: string) => c.slice(c.indexOf(`# site ${id} (${scheme})`), c.indexOf("\n}\n", c.indexOf(`# site ${id} (${scheme})`)));
        for (const scheme of ["http", "https"]) {
            const gae = server("gae", scheme);
            assert.match(gae, /client_max_body_size 32m;/);
            assert.match(gae, /proxy_pass http:\/\/cloudengine_limits_gae;/);
            assert.match(gae, /proxy_next_upstream off;/, "the hop already tried the next instance");
            assert.match(gae, /proxy_read_timeout 65s;/, "the hop's 500 comes first");
            assert.match(gae, /location @cloudengine_response_too_large \{\n\s+return 500;/);
        }
        const hop = c.slice(c.indexOf("# site gae: App Engine limits hop"), c.indexOf("# site gae (http)"));
        assert.match(hop, /server unix:\/tmp\/r\/tmp\/cloudengine-limits-gae\.sock;/);
        assert.match(hop, /listen unix:\/tmp\/r\/tmp\/cloudengine-limits-gae\.sock;/);
        assert.match(hop, /proxy_pass http:\/\/cloudengine_site_gae;/);
        assert.match(hop, /error_page 504 =500 @cloudengine_deadline;/);
        assert.match(hop, /proxy_ignore_headers X-Accel-Redirect;/, "the app's own X-Accel-Redirect is not followed");
        assert.match(hop, /proxy_hide_header X-Accel-Redirect;/);
        assert.match(hop, /add_header X-Accel-Redirect \$cloudengine_response_too_large always;/);
        // Passed on as the site's server set them (not the hop's own client address, a unix socket).
        for (const header of ["Host $http_host", "X-Real-IP $http_x_real_ip", "X-Forwarded-For $http_x_forwarded_for", "Forwarded $http_forwarded", "X-Forwarded-Proto $http_x_forwarded_proto"]) {
            assert.ok(hop.includes(`proxy_set_header ${header};`), header);
        }
        const map = c.slice(c.indexOf("map $upstream_http_content_length $cloudengine_response_too_large {"));
        assert.ok(map.includes(`"~${upToRegex(32 * 1024 * 1024)}" "";`), "a declared length up to 32 MB passes");
        const entries = map.slice(0, map.indexOf("\n    }")).split("\n").slice(1).map((l) => l.trim());
        assert.deepEqual(entries.slice(1), ['"" "";', "default @cloudengine_response_too_large;"], "no declared length passes; anything else is too large");
        // The default stays Cloud Engine's: 100m from the http context, no hop.
        const lean = server("lean", "http");
        assert.doesNotMatch(lean, /client_max_body_size|cloudengine_limits|@cloudengine_response_too_large/);
        assert.equal(count(c, "listen unix:"), 1);
    });

    it("serves '*.name' as any one label under name (a regex server name), exact names first", () => {
        const c = renderLoadBalancerConf(model([site("app", { hostnames: ["app.example.com", "*.app.example.com"] })]));
        assert.ok(c.includes('server_name app.example.com "~^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.app\\.example\\.com$";'));
        const pattern = new RegExp("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.app\\.example\\.com$");
        assert.ok(pattern.test("x-1.app.example.com"));
        assert.ok(!pattern.test("a.b.app.example.com"), "one label, as App Engine's subdomains");
        assert.ok(!pattern.test("app.example.com"));
        assert.ok(!pattern.test("xapp.example.com"));
    });

    it("keeps a pool of connections per site that follows the DNS answer, and skips failing instances a bounded number of times", () => {
        assert.match(conf, /upstream cloudengine_site_api \{\n\s+zone cloudengine_site_api 64k;\n\s+server api\.app\.internal:3000 resolve max_fails=0;\n\s+keepalive 32;\n\s+keepalive_timeout 4s;\n\s+\}/);
        assert.match(serverBlock(conf, "api", "https"), /proxy_pass http:\/\/cloudengine_site_api;/);
        assert.equal(count(conf, "upstream cloudengine_site_"), 3);
        // Pooled: the app is never asked to close; WebSocket upgrades still pass.
        assert.match(conf, /proxy_set_header Connection \$cloudengine_upstream_connection;/);
        assert.match(conf, /map \$http_upgrade \$cloudengine_upstream_connection \{\n\s+default upgrade;\n\s+"" "";/);
        assert.ok(conf.includes(`resolver 127.0.0.11 valid=${RESOLVER_VALID_SECONDS}s ipv6=off;`));
        assert.match(conf, /resolver_timeout 5s;/);
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
        assert.match(shop, /proxy_cache cloudengine_cdn;/);
        assert.match(shop, /proxy_cache_methods GET HEAD;/);
        assert.match(shop, /proxy_cache_valid any 60s;/);
        assert.match(shop, /proxy_no_cache \$cloudengine_no_last_modified \$cloudengine_not_2xx \$http_authorization;/);
        assert.match(shop, /add_header X-Cache-Status \$upstream_cache_status always;/);
        // The app's Cache-Control must be honoured: the only response header ignored is X-Accel-Redirect.
        assert.deepEqual(shop.match(/proxy_ignore_headers [^;]*;/g), ["proxy_ignore_headers X-Accel-Redirect;"]);
        assert.match(conf, /map \$upstream_http_last_modified \$cloudengine_no_last_modified \{\n\s+"" 1;\n\s+default 0;/);
        assert.match(conf, /map \$upstream_status \$cloudengine_not_2xx \{/);
        // One cache for every cdn site, bounded once (it lives on the load balancer's /tmp tmpfs).
        assert.ok(conf.includes(`keys_zone=cloudengine_cdn:32m max_size=${CDN_CACHE_MAX_SIZE} `));
        assert.equal(count(conf, "proxy_cache_path"), 1);
        const twoCdnSites = renderLoadBalancerConf(model([site("a", { cdnCache: true }), site("b", { cdnCache: true })]));
        assert.equal(count(twoCdnSites, "proxy_cache_path"), 1);
        assert.equal(count(twoCdnSites, "proxy_cache cloudengine_cdn;"), 2);
        for (const [id, scheme] of [["api", "http"], ["api", "https"], ["plain", "http"]] as const) {
            assert.doesNotMatch(serverBlock(conf, id, scheme), /proxy_cache|X-Cache-Status/);
        }
        const noCache = renderLoadBalancerConf(model([site("plain"), site("api", { tls: true })]));
        assert.doesNotMatch(noCache, /proxy_cache|cloudengine_no_last_modified|X-Cache-Status/);

        // The status map caches only when the last attempt's status is 2xx.
        const key = /map \$upstream_status \$cloudengine_not_2xx \{\n\s+"~([^"]+)" 0;/.exec(conf)?.[1];
        assert.ok(key);
        const re = new RegExp(key);
        for (const s of ["200", "204", "502, 200", "503, 502, 206", "200 : 200"]) assert.ok(re.test(s), s);
        for (const s of ["404", "301", "200, 502", "500", "2000"]) assert.ok(!re.test(s), s);
    });

    it("keeps the caller's order of sites and hostnames, and is deterministic", () => {
        assert.equal(renderLoadBalancerConf(full), conf);
        assert.ok(conf.indexOf("# site shop") < conf.indexOf("# site api"));
        assert.ok(conf.indexOf("# site api") < conf.indexOf("# site plain"));
        const reversed = renderLoadBalancerConf({ ...full, sites: [...full.sites].reverse() });
        assert.ok(reversed.indexOf("# site plain") < reversed.indexOf("# site shop"));
    });

    it("takes test overrides for listen ports, address and file root", () => {
        const c = renderLoadBalancerConf(full, { httpPort: 18080, httpsPort: 18443, listenAddress: "127.0.0.1", fileRoot: "/tmp/r" });
        assert.match(c, /listen 127\.0\.0\.1:18080 default_server;/);
        assert.match(c, /listen 127\.0\.0\.1:18443 ssl;/);
        assert.ok(c.includes(`ssl_certificate /tmp/r${tlsCertificatePath("shop")};`));
        assert.match(c, /proxy_cache_path \/tmp\/r\/tmp\/nginx-cdn-cache /);
        assert.doesNotMatch(c, / 8080| 8443/);
    });

    it("renders a load balancer with no sites", () => {
        const c = renderLoadBalancerConf(model([]));
        assert.match(c, /listen 8080 default_server;/);
        assert.doesNotMatch(c, /server_name [a-z]/);
    });

    it("rejects models that would inject nginx syntax or be silently misrouted", () => {
        assert.throws(() => renderLoadBalancerConf(model([site("Bad_Id")])), /site id/);
        assert.throws(() => renderLoadBalancerConf(model([site("a"), site("a", { hostnames: ["x.com"] })])), /duplicate site id/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: ["*a.com"] })])), /invalid hostname/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: ["a.*.com"] })])), /invalid hostname/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: ["*.*.a.com"] })])), /invalid hostname/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: ["A.com"] })])), /invalid hostname/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: [] })])), /no hostnames/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { hostnames: ["x.com"] }), site("b", { hostnames: ["x.com"] })])), /more than one site/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { upstreamHost: 'x"; }' })])), /upstreamHost/);
        assert.throws(() => renderLoadBalancerConf(model([site("a", { upstreamPort: 0 })])), /upstreamPort/);
        assert.throws(() => renderLoadBalancerConf(model([], { publicHttpsPort: 1.5 })), /publicHttpsPort/);
        assert.throws(() => renderLoadBalancerConf(model([], { resolver: "8.8.8.8;" })), /resolver/);
        assert.throws(() => renderLoadBalancerConf(model([], { resolver: "" })), /resolver/);
        assert.throws(() => renderLoadBalancerConf(model([]), { httpPort: 0 }), /httpPort/);
        assert.throws(() => renderLoadBalancerConf(model([]), { httpsPort: 70000 }), /httpsPort/);
        assert.throws(() => renderLoadBalancerConf(model([]), { fileRoot: "relative" }), /fileRoot/);
        assert.throws(() => renderLoadBalancerConf(model([]), { listenAddress: "0.0.0.0; x" }), /listenAddress/);
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
