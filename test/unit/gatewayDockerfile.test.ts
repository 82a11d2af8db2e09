import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runtimeSource } from "../../provider/config/initSource";
import { READY_PATH, renderGatewayDockerfile } from "../../provider/render/gatewayDockerfile";

const input = {
    proxyImage: "nginx:1.28-bookworm",
    builderImage: "golang:1.26-bookworm",
    readySource: runtimeSource("cloudengine-ready"),
    command: ["nginx", "-c", "/etc/cloudengine/nginx.conf", "-g", "daemon off;"],
};

describe("the Docker gateway's Dockerfile", () => {
    it("compiles cloudengine-ready from the package's own source and adds it to the nginx image, unchanged otherwise", () => {
        const lines = renderGatewayDockerfile(input).split("\n");
        const froms = lines.filter((l) => l.startsWith("FROM "));
        assert.deepEqual(froms, ["FROM golang:1.26-bookworm AS cloudengine-ready", "FROM nginx:1.28-bookworm"]);
        const write = lines.find((l) => l.startsWith("RUN ") && l.includes("base64 -d"))!;
        // Every source file (not the tests) is written into the build stage, byte for byte.
        const written = [...write.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d > ([\w.]+)/g)].map((m) => [m[2], Buffer.from(m[1], "base64").toString("utf8")]);
        assert.deepEqual(Object.fromEntries(written), input.readySource);
        assert.ok(Object.keys(input.readySource).includes("supervise.go") && !Object.keys(input.readySource).some((f) => f.endsWith("_test.go")));
        assert.ok(lines.some((l) => l.includes(`go build -trimpath -ldflags='-s -w' -o ${READY_PATH} .`)));
        assert.ok(lines.includes(`COPY --from=cloudengine-ready ${READY_PATH} ${READY_PATH}`));
    });

    it("runs nginx under cloudengine-ready, stopped gracefully", () => {
        const lines = renderGatewayDockerfile(input).split("\n");
        assert.ok(lines.includes(`ENTRYPOINT ["${READY_PATH}","--"]`));
        assert.ok(lines.includes(`CMD ${JSON.stringify(input.command)}`));
        assert.ok(lines.includes("STOPSIGNAL SIGQUIT"));
    });

    it("refuses an empty source (the package is broken, say so instead of building nothing)", () => {
        assert.throws(() => renderGatewayDockerfile({ ...input, readySource: {} }), /no source files for \/cloudengine\/ready/);
    });
});
