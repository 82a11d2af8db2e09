// scripts/install-go.sh (run by .ci/run): with no go on PATH it fetches golang.org/toolchain's module zip
// from the Go module proxy, checks its sha256 and unpacks a working toolchain. Here the proxy is a local
// HTTP server on 127.0.0.1 serving a fake toolchain zip; .ci/run uses the real one (the same code path).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "./support";

const SCRIPT = path.join(repoRoot(), "scripts", "install-go.sh");
const VERSION = "1.99.1";
const MODULE = `golang.org/toolchain@v0.0.1-go${VERSION}.linux-amd64`;

/** A zip (stored, no compression) of the given files, as module zips are laid out. */
function zip(files: Record<string, string>): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const [name, text] of Object.entries(files)) {
        const data = Buffer.from(text);
        const nameBuf = Buffer.from(name);
        const crc = zlib.crc32(data);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0, 6); local.writeUInt16LE(0, 8);
        local.writeUInt32LE(0, 10); local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
        local.writeUInt16LE(nameBuf.length, 26); local.writeUInt16LE(0, 28);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(0, 8);
        central.writeUInt16LE(0, 10); central.writeUInt32LE(0, 12); central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20);
        central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBuf.length, 28); central.writeUInt32LE(offset, 42);
        locals.push(local, nameBuf, data);
        centrals.push(central, nameBuf);
        offset += 30 + nameBuf.length + data.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
    end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

/** A PATH holding the tools the script uses, and no go. */
function pathWithoutGo(): string {
    const dirs = ["/usr/local/bin", "/usr/bin", "/bin"].filter((d) => !fs.existsSync(path.join(d, "go")));
    assert.ok(dirs.includes("/usr/bin"), "/usr/bin must not hold a go for this test");
    return dirs.join(":");
}

function run(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("/bin/bash", [SCRIPT], { env: { HOME: os.tmpdir(), ...env }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c) => (stderr += c));
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

describe("scripts/install-go.sh", { timeout: 60_000 }, () => {
    const archive = zip({
        [`${MODULE}/VERSION`]: `go${VERSION}\n`,
        [`${MODULE}/bin/go`]: `#!/bin/sh\ncase "$1" in env) echo go${VERSION} ;; *) echo "go version go${VERSION} linux/amd64" ;; esac\n`,
        [`${MODULE}/pkg/tool/linux_amd64/compile`]: "#!/bin/sh\n",
        [`${MODULE}/src/make.bash`]: "#!/bin/sh\n",
    });
    const sha = crypto.createHash("sha256").update(archive).digest("hex");
    const requests: string[] = [];
    let server: http.Server;
    let proxy = "";
    let tmp = "";

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-install-go-"));
        server = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            if (req.url === `/golang.org/toolchain/@v/v0.0.1-go${VERSION}.linux-amd64.zip`) res.end(archive);
            else { res.statusCode = 404; res.end("not found"); }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
        proxy = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    after(() => {
        server?.close();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("with no go on PATH: downloads the toolchain module zip from GOPROXY, checks it, installs a runnable go", async () => {
        const dir = path.join(tmp, "a", "go");
        const r = await run({ PATH: pathWithoutGo(), GOPROXY: `${proxy},direct`, GO_VERSION: VERSION, GO_ZIP_SHA256: sha, GO_INSTALL_DIR: dir });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(requests, [`/golang.org/toolchain/@v/v0.0.1-go${VERSION}.linux-amd64.zip`]);
        assert.equal(fs.readFileSync(path.join(dir, "VERSION"), "utf8"), `go${VERSION}\n`);
        for (const exe of ["bin/go", "pkg/tool/linux_amd64/compile", "src/make.bash"]) {
            assert.equal(fs.statSync(path.join(dir, exe)).mode & 0o777, 0o755, `${exe} is executable`);
        }
        assert.equal(fs.statSync(path.join(dir, "VERSION")).mode & 0o777, 0o644);
        assert.match(r.stderr, new RegExp(`go${VERSION.replace(/\./g, "\\.")} installed in ${dir}; put it on PATH: export PATH=${dir}/bin:\\$PATH`));
        // a second run finds it and downloads nothing
        const again = await run({ PATH: pathWithoutGo(), GOPROXY: proxy, GO_VERSION: VERSION, GO_ZIP_SHA256: sha, GO_INSTALL_DIR: dir });
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stderr, /is already in/);
        assert.equal(requests.length, 1);
    });

    it("a zip whose sha256 is not the pinned one is refused and nothing is installed", async () => {
        const dir = path.join(tmp, "b", "go");
        const r = await run({ PATH: pathWithoutGo(), GOPROXY: proxy, GO_VERSION: VERSION, GO_ZIP_SHA256: "0".repeat(64), GO_INSTALL_DIR: dir });
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`has sha256 ${sha}, expected 0{64}`));
        assert.equal(fs.existsSync(dir), false);
    });

    it("a go new enough on PATH is kept: nothing is downloaded", async () => {
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "go"), "#!/bin/sh\necho go1.30.2\n", { mode: 0o755 });
        const before = requests.length;
        const r = await run({ PATH: `${bin}:${pathWithoutGo()}`, GOPROXY: proxy, GO_VERSION: VERSION, GO_INSTALL_DIR: path.join(tmp, "c", "go") });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /go1\.30\.2 at .* is new enough/);
        assert.equal(requests.length, before);
    });
});
