import assert from "node:assert/strict";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { describe, it } from "node:test";
import { EngineApp, LeanCacheInstance } from "../../provider";
import { apiAtLeast } from "../../provider/platform/docker/engineApi";
import { goDuration } from "../../provider/platform/docker/healthcheck";
import { CONTAINER, fixture, only, run } from "../mocks";

// Docker engines older than 25 (API 1.44) refuse a health-check start interval, and the Docker
// provider reads durations back in Go's form: inputs must be what the provider stores.

async function healthchecks(apiVersion: string) {
    process.env.CLOUDENGINE_DOCKER_API_VERSION = apiVersion;
    try {
        const resources = await run(() => {
            new EngineApp("web", { source: fixture("goapp"), startupTimeout: 90 });
            new LeanCacheInstance("cache", { password: "pa55word-xyz" });
        });
        return { app: only(resources, CONTAINER, "web-production-0").inputs.healthcheck, cache: only(resources, CONTAINER, "cache").inputs.healthcheck };
    } finally {
        delete process.env.CLOUDENGINE_DOCKER_API_VERSION;
    }
}

describe("Docker health checks", () => {
    it("durations are written as Go's time.Duration.String() prints them", () => {
        assert.deepEqual([0, 1, 5, 59, 60, 61, 90, 120, 3600, 3725].map(goDuration), ["0s", "1s", "5s", "59s", "1m0s", "1m1s", "1m30s", "2m0s", "1h0m0s", "1h2m5s"]);
        assert.throws(() => goDuration(1.5), /not a whole number/);
    });

    it("engine API 1.44 and later: probes every second during start-up", async () => {
        const { app, cache } = await healthchecks("1.44");
        assert.equal(app.startInterval, "1s");
        assert.equal(app.startPeriod, "1m30s");
        assert.equal(cache.startInterval, "1s");
        assert.equal((await healthchecks("1.51")).app.startInterval, "1s");
    });

    it("older engines (Debian's Docker 20.10, API 1.41): no start interval, which they refuse", async () => {
        const { app, cache } = await healthchecks("1.41");
        assert.equal(app.startInterval, "0s");
        assert.equal(cache.startInterval, "0s");
        // Everything else is the same: the instance's own supervisor still probes every second.
        assert.equal(app.interval, "5s");
        assert.equal(app.startPeriod, "1m30s");
    });

    it("API versions compare by number, not as text", () => {
        assert.equal(apiAtLeast("1.44", "1.44"), true);
        assert.equal(apiAtLeast("1.100", "1.44"), true);
        assert.equal(apiAtLeast("1.9", "1.44"), false);
        assert.equal(apiAtLeast("2.0", "1.44"), true);
    });

    it("asks the engine at DOCKER_HOST (unix socket), and says nothing when nobody answers", async () => {
        const socket = path.join(os.tmpdir(), `cloudengine-engine-${process.pid}.sock`);
        const server = http.createServer((req, res) => {
            res.setHeader("content-type", "application/json");
            res.end(req.url === "/version" ? JSON.stringify({ Version: "20.10.24", ApiVersion: "1.41" }) : "{}");
        });
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        const script = (host: string) => `process.env.DOCKER_HOST = ${JSON.stringify(host)};
            require(${JSON.stringify(path.resolve(__dirname, "../../provider/platform/docker/engineApi"))}).engineApiVersion().then((v) => console.log(JSON.stringify(v ?? null)));`;
        try {
            assert.equal(await node(script(`unix://${socket}`)), "\"1.41\"");
            assert.equal(await node(script(`unix://${socket}.missing`)), "null");
            assert.equal(await node(script("ssh://user@example.test")), "null");
        } finally {
            server.close();
        }
    });
});

/** Runs a snippet in a fresh Node process (the engine's answer is asked once per process). */
async function node(code: string): Promise<string> {
    const { execFile } = await import("child_process");
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["-e", code], { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim())));
    });
}
