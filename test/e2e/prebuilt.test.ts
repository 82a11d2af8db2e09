// A prebuilt image instead of a source directory: the platform wraps it with /cloudengine/init (the
// health probe and supervisor) and runs the given command through it, with the same sandbox,
// environment and load balancing as a source build.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import { EngineApp, Gateway } from "../../provider";
import { DockerHarness, eventually, httpRequest, prepareE2E, repoRoot } from "./harness";

describe("an app from a prebuilt image on Docker", { timeout: 15 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-prebuilt" });
    let httpPort = 0;
    let httpsPort = 0;
    let built = "";

    const program = (withPrebuilt: boolean) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
        const source = new EngineApp("src", { source: path.join(repoRoot(), "test", "fixtures", "echoapp"), gateway });
        if (!withPrebuilt) return { versionTag: source.versionTag };
        // The image the first up built stands in for one from a registry.
        const prebuilt = new EngineApp("pre", { image: built, run: "exec ./main", gateway, versionTag: "v7", variables: { FROM: "prebuilt" } });
        return { url: prebuilt.url };
    };

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        await harness.up(program(false));
        built = harness.outputs("docker:index/image:Image", "src").imageName;
    });
    after(() => harness.destroy());

    it("runs the image's program under /cloudengine/init, healthy, behind the gateway, with the platform's environment", async () => {
        const result = await harness.up(program(true));
        assert.equal(result.outputs.url, `http://pre.localhost:${httpPort}`);
        const res = await eventually(async () => {
            const r = await httpRequest(`http://127.0.0.1:${httpPort}/env`, { host: "pre.localhost", timeoutMs: 10_000 });
            assert.equal(r.status, 200, r.body);
            return r;
        }, { timeoutMs: 30_000 });
        const env = JSON.parse(res.body);
        assert.deepEqual([env.LEANCLOUD_APP_ID, env.LEANCLOUD_VERSION_TAG, env.FROM, env.CLOUDENGINE_SERVE_PORT], ["pre", "v7", "prebuilt", "61000"]);
        const instance = await harness.docker.getContainer(harness.container("pre-production-0").id).inspect();
        assert.deepEqual(instance.Config.Entrypoint, ["/cloudengine/init", "run", "--"]);
        assert.deepEqual(instance.Config.Cmd, ["sh", "-c", "exec ./main"]);
        assert.equal(instance.State.Health?.Status, "healthy");
        assert.equal(instance.HostConfig.ReadonlyRootfs, true);
    });
});
