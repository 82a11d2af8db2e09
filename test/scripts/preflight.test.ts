// scripts/preflight.sh, run first by `npm test`, `npm run test:e2e` and `npm run test:engine`: a missing
// prerequisite fails once, before anything is built, with the exact Debian packages and commands.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "./support";

const ROOT = repoRoot();
const SCRIPT = path.join(ROOT, "scripts", "preflight.sh");
const APT = "apt-get install redis-server openssl";

function which(cmd: string): string {
    const r = spawnSync("bash", ["-c", `PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v ${cmd}`], { encoding: "utf8" });
    assert.equal(r.status, 0, `${cmd} must be installed on the machine running this test`);
    return r.stdout.trim();
}

/** A directory of symlinks to the real commands given (and nothing else): the search path preflight sees. */
function fakeBin(commands: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-preflight-"));
    for (const [name, target] of Object.entries(commands)) fs.symlinkSync(target, path.join(dir, name));
    return dir;
}

function preflight(mode: string, env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
    const r = spawnSync("/bin/bash", [SCRIPT, mode], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe("scripts/preflight.sh", () => {
    const dirs: string[] = [];
    after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
    const real = { "redis-server": which("redis-server"), openssl: which("openssl"), go: which("go"), geoiplookup: which("geoiplookup") };
    const noNginx = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-preflight-cache-")); dirs.push(d); return d; };

    it("passes on this machine (it has everything npm test needs)", () => {
        const r = preflight("test", {});
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /^preflight: ok for npm test — /);
    });

    it("without redis-server on the search path: exit 1, one message naming it, the Debian packages and the apt-get command", () => {
        const { "redis-server": _r, ...rest } = real;
        const bin = fakeBin(rest);
        dirs.push(bin);
        const r = preflight("test", { PREFLIGHT_PATH: bin });
        assert.equal(r.status, 1);
        assert.equal(r.stdout, "");
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines[0], "preflight: npm test cannot run on this machine yet:");
        assert.equal(lines.filter((l) => l.startsWith("preflight")).length, 1, r.stderr);
        // exactly one problem: redis-server; openssl, go and the nginx were found
        assert.deepEqual(lines.filter((l) => l.startsWith("  - ")).map((l) => l.split(":")[0]), ["  - redis-server"], r.stderr);
        assert.equal(r.stderr.split(APT).length - 1, 1, `the apt-get command once:\n${r.stderr}`);
    });

    it("no nginx built, not root and no compiler: names the packages host-nginx.sh builds it with", () => {
        const bin = fakeBin(real);
        dirs.push(bin);
        const r = preflight("test", { PREFLIGHT_PATH: bin, PREFLIGHT_UID: "1000", CLOUDENGINE_TEST_CACHE: noNginx() });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /\n {2}- nginx 1\.28 for the artifact tests: not built yet, and no C compiler/);
        assert.match(r.stderr, /apt-get install gcc make libc6-dev libpcre2-dev zlib1g-dev libssl-dev/);
        // as root it would be built (host-nginx.sh installs the compiler)
        assert.equal(preflight("test", { PREFLIGHT_PATH: bin, PREFLIGHT_UID: "0", CLOUDENGINE_TEST_CACHE: noNginx() }).status, 0);
    });

    it("without the country database or geoiplookup: names Debian's geoip-database and geoip-bin", () => {
        const { geoiplookup: _g, ...rest } = real;
        const bin = fakeBin(rest);
        dirs.push(bin);
        const r = preflight("test", { PREFLIGHT_PATH: bin, CLOUDENGINE_TEST_COUNTRY_DATABASE: "/nonexistent/GeoIP.dat" });
        assert.equal(r.status, 1);
        assert.deepEqual(r.stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.split(":")[0]), ["  - /nonexistent/GeoIP.dat", "  - geoiplookup"], r.stderr);
        assert.equal(r.stderr.split("apt-get install geoip-database geoip-bin").length - 1, 1, `the apt-get command once:\n${r.stderr}`);
    });

    it("with Debian bookworm's Go 1.19: too old, and the fix is scripts/install-go.sh", () => {
        const bin = fakeBin({ "redis-server": real["redis-server"], openssl: real.openssl, geoiplookup: real.geoiplookup });
        dirs.push(bin);
        fs.writeFileSync(path.join(bin, "go"), "#!/bin/sh\necho go1.19.8\n", { mode: 0o755 });
        const r = preflight("test", { PREFLIGHT_PATH: bin });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /go: .*\/go is go1\.19\.8, too old .*Go 1\.24 or newer/);
        assert.match(r.stderr, /bash scripts\/install-go\.sh && export PATH=\/usr\/local\/go\/bin:\$PATH/);
        assert.doesNotMatch(r.stderr, /apt-get install/, "nothing from apt is missing");
    });

    it("test:e2e, example and test:k8s as a non-root user: say they need root", () => {
        const r = preflight("e2e", { PREFLIGHT_UID: "1000" });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /^preflight: npm run test:e2e cannot run on this machine yet:\n {2}- not root: /);
        assert.match(r.stderr, /\n {2}sudo npm run test:e2e /);
        const example = preflight("example", { PREFLIGHT_UID: "1000" });
        assert.equal(example.status, 1);
        assert.match(example.stderr, /^preflight: npm run example \(through the e2e harness\) cannot run on this machine yet:\n {2}- not root: /);
        assert.match(example.stderr, /\n {2}sudo npm run example /);
        const k8s = preflight("k8s", { PREFLIGHT_UID: "1000" });
        assert.equal(k8s.status, 1);
        assert.match(k8s.stderr, /^preflight: npm run test:k8s cannot run on this machine yet:\n {2}- not root: the local Kubernetes cluster/);
        assert.match(k8s.stderr, /\n {2}sudo npm run test:k8s /);
        const exampleK8s = preflight("example-k8s", { PREFLIGHT_UID: "1000" });
        assert.equal(exampleK8s.status, 1);
        assert.match(exampleK8s.stderr, /^preflight: npm run example -- --platform kubernetes cannot run on this machine yet:\n {2}- not root: the local Kubernetes cluster/);
        assert.match(exampleK8s.stderr, /\n {2}sudo npm run example -- --platform kubernetes /);
    });

    it("runs first in npm test, test:e2e, test:engine and test:k8s", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
        assert.match(scripts.test, /^bash scripts\/preflight\.sh test && /);
        assert.match(scripts["test:e2e"], /^bash scripts\/preflight\.sh e2e && /);
        assert.match(scripts["test:engine"], /^bash scripts\/preflight\.sh engine && /);
        assert.match(scripts["test:k8s"], /^bash scripts\/preflight\.sh k8s && /);
    });

    it("every install hint in the tests, scripts and CI names the same Debian packages as preflight.sh", () => {
        const hits: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) { if (e.name !== "node_modules" && e.name !== ".pulumi") walk(p); }
                else if (/\.(ts|sh|md)$/.test(e.name) || p.endsWith(path.join(".ci", "run"))) {
                    if (fs.readFileSync(p, "utf8").includes("nginx-" + "light")) hits.push(path.relative(ROOT, p));
                }
            }
        };
        for (const d of ["test", "scripts", ".ci", "examples"]) walk(path.join(ROOT, d));
        hits.push(...(fs.readFileSync(path.join(ROOT, "README.md"), "utf8").includes("nginx-" + "light") ? ["README.md"] : []));
        assert.deepEqual(hits, []);
    });
});
