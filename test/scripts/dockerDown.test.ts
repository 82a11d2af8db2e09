// `npm run docker-down` (scripts/docker-down.sh) stops the dockerd that scripts/docker-up.sh started and
// recorded, and nothing else. Here a stand-in process named dockerd (a copy of sleep) plays the daemon,
// so the test never touches a real Docker engine.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "./support";

const SCRIPT = path.join(repoRoot(), "scripts", "docker-down.sh");

function down(pidfile: string): { status: number | null; stderr: string } {
    const r = spawnSync("/bin/bash", [SCRIPT], { encoding: "utf8", env: { ...process.env, DOCKER_UP_PIDFILE: pidfile, DOCKER_DOWN_TIMEOUT: "10" }, timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.split(") ")[1]?.[0] !== "Z";
    } catch {
        return false;
    }
}

describe("scripts/docker-down.sh", { timeout: 60_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-docker-down-"));
    const children: number[] = [];
    after(() => {
        for (const pid of children) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("stops the recorded dockerd and removes the pid file", async () => {
        const fake = path.join(tmp, "dockerd");
        fs.copyFileSync(fs.realpathSync("/bin/sleep"), fake);
        fs.chmodSync(fake, 0o755);
        const child = spawn(fake, ["300"], { stdio: "ignore" });
        children.push(child.pid!);
        const exited = new Promise((resolve) => child.on("exit", resolve));
        const pidfile = path.join(tmp, "dockerd.pid");
        fs.writeFileSync(pidfile, `${child.pid}\n`);
        const r = down(pidfile);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`stopping dockerd \\(pid ${child.pid}`));
        assert.match(r.stderr, /dockerd stopped/);
        await exited;
        assert.equal(alive(child.pid!), false);
        assert.equal(fs.existsSync(pidfile), false);
    });

    it("leaves a process that is not dockerd alone (a stale pid file)", () => {
        const child = spawn("sleep", ["300"], { stdio: "ignore" });
        children.push(child.pid!);
        const pidfile = path.join(tmp, "stale.pid");
        fs.writeFileSync(pidfile, `${child.pid}\n`);
        const r = down(pidfile);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /is 'sleep', not dockerd .*leaving it alone/);
        assert.equal(alive(child.pid!), true);
    });

    it("without a pid file: nothing to stop", () => {
        const r = down(path.join(tmp, "none.pid"));
        assert.equal(r.status, 0);
        assert.match(r.stderr, /nothing to stop/);
    });
});
