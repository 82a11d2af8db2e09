// The instance sandbox on the local Docker engine (spec "File System"; README "Sandbox"): the app runs as
// user 1000, the root filesystem is read-only, only /tmp and /home/leanengine are writable and together
// they hold at most 1 GiB, and the instance has no capabilities and cannot gain privileges. Checked with the
// echo app's own requests (/whoami, /write through the gateway on 127.0.0.1) and with docker exec.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/sandbox.test.js
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type Docker from "dockerode";
import * as path from "path";
import { EngineApp, Gateway } from "../../provider";
import { SANDBOX_MOUNTS } from "../../provider/config/spec";
import { dockerExec as exec, DockerHarness, eventually, httpRequest, prepareE2E, repoRoot } from "./harness";

const HOST = "echo.localhost";
const INSTANCE = "echo-production-0";
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The spec's 1 GB ("The size limit for all the files created by your application is 1 GB"). */
const TOTAL = 1 * GiB;
/** The README's split, reported (the tests hold the sizes to the 1 GiB total, not to these). */

interface WriteResult {
    written: number;
    error: string;
}

describe("sandbox: what an instance may do", { timeout: 20 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-sandbox" });
    const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
    let httpPort = 0;
    let httpsPort = 0;
    let container: Docker.Container;

    const get = (p: string, timeoutMs = 60_000) => httpRequest(`http://127.0.0.1:${httpPort}${p}`, { host: HOST, timeoutMs });

    /** The app writes `bytes` bytes to `file` (and removes it afterwards). */
    async function write(file: string, bytes: number): Promise<WriteResult> {
        const res = await get(`/write?path=${encodeURIComponent(file)}&bytes=${bytes}`, 120_000);
        assert.equal(res.status, 200, `GET /write ${file}: ${res.status} ${res.body}`);
        const { written, error } = JSON.parse(res.body);
        return { written, error };
    }

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        await harness.up(() => {
            const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort });
            new EngineApp("echo", { source, gateway, startupTimeout: 15 });
            return {};
        });
        container = harness.docker.getContainer(harness.container(INSTANCE).id);
        await eventually(async () => assert.equal((await get("/", 5_000)).status, 200), { timeoutMs: 30_000 });
    });

    after(async () => {
        await harness.destroy();
    });

    it("the app and everything in the instance run as user 1000, not root", async (t) => {
        const me = JSON.parse((await get("/whoami")).body);
        t.diagnostic(`/whoami: ${JSON.stringify(me)}`);
        assert.equal(me.uid, 1000);
        assert.equal(me.gid, 1000);
        const id = await exec(container, ["id"]);
        t.diagnostic(`docker exec id: ${id.output.trim()}`);
        assert.equal(id.exitCode, 0);
        assert.match(id.output, /^uid=1000\(leanengine\) gid=1000\(leanengine\) groups=1000\(leanengine\)\s*$/);
        // Every process of the instance (init, sh, the app, this exec) has real, effective, saved and fs uid 1000.
        const uids = await exec(container, ["sh", "-c", "for s in /proc/[0-9]*/status; do sed -n 's/^Uid:[[:space:]]*//p' $s; done | sort -u"]);
        assert.equal(uids.output.trim().replace(/\s+/g, " "), "1000 1000 1000 1000");
    });

    it("writing outside /tmp and /home/leanengine fails: the root filesystem is read-only", async (t) => {
        for (const file of ["/app/x", "/x", "/etc/x", "/home/x", "/var/tmp/x", "/cloudengine/x"]) {
            const r = await write(file, 1);
            t.diagnostic(`${file}: ${JSON.stringify(r)}`);
            assert.equal(r.written, 0, file);
            assert.match(r.error, /read-only file system/, `${file}: ${r.error}`);
        }
        // Also for a process that could try harder: docker exec as uid 0 (still no capabilities).
        const asRoot = await exec(container, ["sh", "-c", "echo x > /etc/x"], "0");
        assert.notEqual(asRoot.exitCode, 0);
        assert.match(asRoot.output, /Read-only file system/);
    });

    it("writing 10 MB to /tmp and to /home/leanengine works", async () => {
        for (const dir of ["/tmp", "/home/leanengine"]) {
            const r = await write(`${dir}/ten-mb`, 10 * 1000 * 1000);
            assert.deepEqual(r, { written: 10 * 1000 * 1000, error: "" }, dir);
        }
        // HOME points at the writable home directory.
        const env = JSON.parse((await get("/env")).body);
        assert.equal(env.HOME, "/home/leanengine");
    });

    it("neither /home/leanengine nor /tmp can hold more than its size (both well below 1 GiB)", { timeout: 5 * 60_000 }, async (t) => {
        const sizes = await mountSizes(container);
        t.diagnostic(`sizes: /home/leanengine ${sizes["/home/leanengine"] / MiB} MiB, /tmp ${sizes["/tmp"] / MiB} MiB (asked for: ${SANDBOX_MOUNTS["/home/leanengine"] / MiB} and ${SANDBOX_MOUNTS["/tmp"] / MiB})`);
        for (const dir of ["/home/leanengine", "/tmp"]) {
            assert.ok(sizes[dir] > 10 * MiB && sizes[dir] < TOTAL, `${dir}: ${sizes[dir]}`);
            // The app asks for more than 1 GiB and gets no more than the mount's size.
            const r = await write(`${dir}/big`, TOTAL + 64 * MiB);
            t.diagnostic(`${dir}, asked ${TOTAL + 64 * MiB}: ${JSON.stringify(r)}`);
            assert.match(r.error, /no space left on device/);
            assert.ok(r.written <= sizes[dir] && r.written >= sizes[dir] - 4 * MiB, `${dir} took ${r.written} of ${sizes[dir]}`);
        }
        // The space is usable again once the files are gone (the app removed them).
        assert.deepEqual(await write("/home/leanengine/after", 10 * MiB), { written: 10 * MiB, error: "" });
    });

    it("all the app can write, together, stays within 1 GiB", { timeout: 5 * 60_000 }, async (t) => {
        // /home/leanengine and /tmp are filled by files that stay; then the app writes wherever else it can.
        const fills: Record<string, number> = {};
        try {
            for (const dir of ["/home/leanengine", "/tmp"]) {
                const fill = await exec(container, ["sh", "-c", `head -c 2000M /dev/zero > ${dir}/fill; echo status=$?; stat -c size=%s ${dir}/fill`]);
                t.diagnostic(`fill ${dir}: ${fill.output.trim().replace(/\n/g, " | ")}`);
                assert.match(fill.output, /No space left on device/);
                fills[dir] = Number(/size=(\d+)/.exec(fill.output)![1]);
            }
            const extra: Record<string, WriteResult> = {};
            for (const file of ["/home/leanengine/extra", "/tmp/extra", "/dev/shm/extra"]) extra[file] = await write(file, TOTAL);
            t.diagnostic(`then the app wrote: ${Object.entries(extra).map(([f, r]) => `${f} ${r.written} (${r.error || "no error"})`).join("; ")}`);
            const together = Object.values(fills).reduce((a, b) => a + b, 0) + Object.values(extra).reduce((a, r) => a + r.written, 0);
            t.diagnostic(`together: ${together} bytes = ${(together / MiB).toFixed(1)} MiB (limit ${TOTAL / MiB} MiB)`);
            assert.ok(together >= TOTAL - 80 * MiB, `together ${together}: the writable places were usable to (nearly) the limit`);
            assert.ok(together <= TOTAL, `the app stored ${(together / MiB).toFixed(1)} MiB in all, more than 1 GiB: ${Object.entries(extra).filter(([, r]) => r.written > 0).map(([f, r]) => `${f} took ${(r.written / MiB).toFixed(1)} MiB after /home/leanengine and /tmp were full`).join("; ")}`);
        } finally {
            await exec(container, ["rm", "-f", "/home/leanengine/fill", "/tmp/fill"]);
        }
    });

    it("no place other than /tmp, /home/leanengine and /dev/shm is writable by the app", async (t) => {
        // Every read-write mount apart from the kernel's pseudo filesystems, probed by creating a file as uid 1000.
        const mounts = await exec(container, ["cat", "/proc/mounts"]);
        const rw = mounts.output.trim().split("\n").map((l) => l.split(" ")).filter(([, , type, opts]) => opts.split(",").includes("rw") && !["proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue"].includes(type));
        t.diagnostic(`read-write mounts: ${rw.map(([dev, target, type, opts]) => `${target} (${type}${/size=\w+/.exec(opts) ? ` ${/size=\w+/.exec(opts)![0]}` : ""}, ${dev})`).join("; ")}`);
        const writable: string[] = [];
        for (const [, target] of rw) {
            const probe = await exec(container, ["sh", "-c", `f=${target}/.cloudengine-probe-$$; if : > "$f" 2>/dev/null; then rm -f "$f"; echo writable; else echo not writable; fi`]);
            if (probe.output.trim() === "writable") writable.push(target);
        }
        t.diagnostic(`writable by uid 1000: ${writable.join(", ")}`);
        assert.deepEqual(writable.sort(), Object.keys(SANDBOX_MOUNTS).sort(), "only /tmp, /home/leanengine and /dev/shm (within the 1 GiB) are writable");
    });

    it("the instance has no capabilities and cannot gain privileges (no_new_privs)", async (t) => {
        const me = JSON.parse((await get("/whoami")).body);
        for (const pid of ["1", String(me.pid)]) {
            const status = await exec(container, ["sh", "-c", `grep -E '^(Name|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/${pid}/status`]);
            t.diagnostic(`pid ${pid}: ${status.output.trim().replace(/\s*\n\s*/g, "; ").replace(/\t/g, " ")}`);
            for (const cap of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) {
                assert.match(status.output, new RegExp(`^${cap}:\\s+0000000000000000$`, "m"), `pid ${pid} ${cap}`);
            }
            assert.match(status.output, /^NoNewPrivs:\s+1$/m, `pid ${pid} NoNewPrivs`);
        }
        const info = await container.inspect();
        assert.equal(info.HostConfig.ReadonlyRootfs, true);
        assert.deepEqual(info.HostConfig.CapDrop, ["ALL"]);
        assert.ok(info.HostConfig.SecurityOpt?.includes("no-new-privileges:true"));
        assert.equal(info.HostConfig.Privileged, false);
        assert.equal(info.Config.User, "1000:1000");
        // Even uid 0 inside (docker exec -u 0) has no capabilities: changing a file's owner is refused.
        const chown = await exec(container, ["sh", "-c", "echo x > /tmp/owned && chown 1000:1000 /tmp/owned && chown 0:0 /tmp/owned; s=$?; rm -f /tmp/owned; exit $s"], "0");
        t.diagnostic(`chown as uid 0: exit ${chown.exitCode}: ${chown.output.trim()}`);
        assert.notEqual(chown.exitCode, 0);
        assert.match(chown.output, /Operation not permitted/);
    });
});

/** Sizes in bytes of /tmp and /home/leanengine as the instance sees them (df). */
async function mountSizes(container: Docker.Container): Promise<Record<string, number>> {
    const df = await exec(container, ["df", "-B1", "--output=target,size", "/tmp", "/home/leanengine"]);
    assert.equal(df.exitCode, 0, df.output);
    return Object.fromEntries(df.output.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/)).map(([m, s]) => [m, Number(s)]));
}

