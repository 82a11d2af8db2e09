// The harness refuses and records what the real Docker provider and Pulumi engine do, on plain
// containers (no package code): where it once differed, the package passed the harness and failed
// with the real provider (issue "the first ten minutes, and the real Docker provider").
//   * a health-check start interval on an engine older than API 1.44: the Docker client's error, and
//     nothing is created;
//   * durations are stored as Go prints them: "60s" previews an update after every up, "1m0s" none;
//   * after a refresh the mounts are read back: a tmpfs mount without its mode previews a change;
//   * a create that failed its health wait stays in the state with initialization errors and the
//     container it replaced becomes a pending delete: the retried up deletes the healthy one first and
//     "updates" the unhealthy one into success — why instances are released by the package's Release.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as docker from "@pulumi/docker";
import { DockerHarness, prepareE2E } from "./harness";

const IMAGE = "debian:bookworm-slim";

function container(name: string, args: Partial<docker.ContainerArgs>, opts: { deleteBeforeReplace?: boolean } = {}): docker.Container {
    return new docker.Container(name, { image: IMAGE, command: ["sleep", "infinity"], destroyGraceSeconds: 1, ...args }, opts);
}

describe("harness fidelity: what the real provider and engine do", { timeout: 10 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-fidelity" });
    let apiVersion = "";

    before(async () => {
        await prepareE2E();
        apiVersion = (await harness.docker.version()).ApiVersion;
    });
    after(() => harness.destroy());

    it("a health-check start interval: refused below API 1.44 with the Docker client's error, before anything exists", async (t) => {
        const [major, minor] = apiVersion.split(".").map(Number);
        const supported = major > 1 || minor >= 44;
        t.diagnostic(`engine API ${apiVersion}: start interval ${supported ? "supported" : "refused"}`);
        const program = () => { container("starts", { healthcheck: { tests: ["CMD", "true"], interval: "5s", startInterval: "1s" } }); };
        if (supported) {
            const result = await harness.up(program);
            assert.deepEqual(result.changes.map((s) => `${s.op} ${s.name}`), ["create starts"]);
        } else {
            await assert.rejects(harness.up(program), /Unable to create container: "specify health-check start interval" requires API version 1\.44, but the Docker daemon API version is 1\.\d+/);
            assert.deepEqual(harness.containers(), [], "nothing in the state");
        }
        await harness.up(() => undefined);
    });

    it("durations are stored as Go prints them: 60s diffs after every up, 1m0s never", async () => {
        const program = (startPeriod: string) => () => { container("durations", { healthcheck: { tests: ["CMD", "true"], interval: "5s", startPeriod } }); };
        await harness.up(program("60s"));
        const again = await harness.up(program("60s"));
        assert.deepEqual(again.changes.map((s) => `${s.op} ${s.name} ${s.fields}`), ["update durations healthcheck"], "60s is stored as 1m0s: a change every time");
        await harness.up(program("1m0s"));
        const clean = await harness.up(program("1m0s"));
        assert.deepEqual(clean.changes, [], "the stored form previews clean");
        await harness.up(() => undefined);
    });

    it("after a refresh the mounts are read back: a tmpfs mount without its mode or read-only flag previews a change", async () => {
        const program = (full: boolean) => () => {
            container("mounts", { mounts: [full ? { type: "tmpfs", target: "/scratch", readOnly: false, tmpfsOptions: { sizeBytes: 1 << 20, mode: 0o1777 } } : { type: "tmpfs", target: "/scratch", tmpfsOptions: { sizeBytes: 1 << 20 } }] });
        };
        await harness.up(program(false));
        assert.deepEqual((await harness.up(program(false))).changes, [], "no change before a refresh");
        await harness.refresh();
        const after = await harness.up(program(false));
        assert.deepEqual(after.changes.filter((s) => s.op === "replace").map((s) => `${s.name} ${s.fields}`), ["mounts mounts"], "the refreshed mount differs from the input");
        await harness.up(program(true));
        await harness.refresh();
        assert.deepEqual((await harness.up(program(true))).changes, [], "every option given: clean after a refresh");
        await harness.up(() => undefined);
    });

    it("a failed health wait: kept with initialization errors, the replaced container a pending delete, the retry deletes it and succeeds", async () => {
        const program = (version: string, healthy: boolean) => () => {
            container("instance", {
                envs: [`VERSION=${version}`],
                healthcheck: { tests: ["CMD", healthy ? "true" : "false"], interval: "1s", retries: 1 },
                wait: true,
                waitTimeout: 4,
            }, { deleteBeforeReplace: false });
        };
        await harness.up(program("v1", true));
        const v1 = harness.container("instance").id;
        await assert.rejects(harness.up(program("v2", false)), (err: Error) => {
            // The provider's words, nothing else: this is all `pulumi up` prints.
            assert.match(err.message, /: container failed to be in healthy state$/);
            return true;
        });
        const v2 = harness.container("instance").id;
        assert.notEqual(v2, v1, "the failed container is the resource in the state");
        assert.ok((await harness.docker.getContainer(v1).inspect()).State.Running, "v1 still runs after the failed up");

        const retry = await harness.up(program("v2", false));
        assert.deepEqual(retry.changes.map((s) => `${s.op} ${s.name}${s.reason ? ` (${s.reason})` : ""}`), ["delete instance (pending)", "update instance"],
            "the retry deletes the pending v1 first, then updates the failed v2 into success");
        await assert.rejects(harness.docker.getContainer(v1).inspect(), (err: any) => err.statusCode === 404, "v1 is gone");
        assert.equal(harness.container("instance").id, v2, "only the never-healthy v2 is left");
        await harness.up(() => undefined);
    });
});
