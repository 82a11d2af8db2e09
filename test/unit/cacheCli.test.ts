import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseArgs } from "../../provider/cli/main";

describe("cloudengine cache: arguments", () => {
    it("proxy and shell with their options; what follows -- goes to redis-cli", () => {
        assert.deepEqual(parseArgs(["cache", "proxy", "CACHE"]), { command: "proxy", name: "CACHE", port: 0, rest: [] });
        assert.deepEqual(parseArgs(["cache", "proxy", "CACHE", "--port", "6380", "--project", "shop", "--stack", "prod"]), { command: "proxy", name: "CACHE", port: 6380, project: "shop", stack: "prod", rest: [] });
        assert.deepEqual(parseArgs(["cache", "shell", "CACHE", "--stack", "dev", "--", "GET", "k"]), { command: "shell", name: "CACHE", port: 0, stack: "dev", rest: ["GET", "k"] });
    });

    it("Kubernetes: --platform kubernetes (namespace default), or implied by --namespace or --context", () => {
        assert.deepEqual(parseArgs(["cache", "proxy", "CACHE", "--platform", "kubernetes"]).kubernetes, { namespace: "default" });
        assert.deepEqual(parseArgs(["cache", "shell", "CACHE", "--namespace", "shop"]).kubernetes, { namespace: "shop" });
        assert.deepEqual(parseArgs(["cache", "proxy", "CACHE", "--context", "prod", "--port", "6380"]).kubernetes, { namespace: "default", context: "prod" });
        assert.equal(parseArgs(["cache", "proxy", "CACHE", "--platform", "docker"]).kubernetes, undefined);
    });

    it("anything else is a usage error that says what is allowed", () => {
        for (const argv of [[], ["cache"], ["db", "proxy", "X"], ["cache", "proxy"], ["cache", "proxy", "--port"], ["cache", "tunnel", "X"]]) {
            assert.throws(() => parseArgs(argv), /^Error: usage: cloudengine cache proxy <NAME>/m, argv.join(" "));
        }
        assert.throws(() => parseArgs(["cache", "proxy", "X", "--port", "70000"]), /--port: a port from 1 to 65535 \(proxy only\); got 70000/);
        assert.throws(() => parseArgs(["cache", "shell", "X", "--port", "6380"]), /--port: a port from 1 to 65535 \(proxy only\)/);
        assert.throws(() => parseArgs(["cache", "proxy", "X", "--verbose", "1"]), /unknown argument --verbose/);
        assert.throws(() => parseArgs(["cache", "proxy", "X", "--", "PING"]), /arguments after -- are for shell/);
        assert.throws(() => parseArgs(["cache", "proxy", "X", "--platform", "podman"]), /--platform: docker or kubernetes; got podman/);
        assert.throws(() => parseArgs(["cache", "proxy", "X", "--platform", "docker", "--namespace", "shop"]), /--namespace and --context are for --platform kubernetes/);
    });
});
