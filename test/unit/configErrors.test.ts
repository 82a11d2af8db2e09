import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { ConfigError } from "../../provider/config/errors";
import { parseAppYaml } from "../../provider/config/source/appYaml";
import { checkAppFileLimits } from "../../provider/config/source/appFiles";
import { parseGoMod } from "../../provider/config/source/goMod";
import { parseLeanengineYaml } from "../../provider/config/source/leanengineYaml";
import { fixture, run } from "../mocks";

// Table-driven: every malformed input must fail with a ConfigError whose message names the
// resource, the field, the value given and what is allowed (each matched by a fragment).

const R = 'cloudengine:index:EngineApp "web"';
const DEFAULTS = { install: "go mod download", build: "go build -o main" };
const lean = (text: string) => () => parseLeanengineYaml(text, R, DEFAULTS);

/** A throwaway Go source directory with the given files. */
function sourceDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-src-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

interface Case { name: string; act: () => unknown; expect: (string | RegExp)[] }

const cases: Case[] = [
    // leanengine.yaml
    { name: "leanengine.yaml not YAML", act: lean("build: [unclosed"), expect: [R, "leanengine.yaml", "allowed: a YAML mapping"] },
    { name: "leanengine.yaml a list", act: lean("- go build"), expect: ["leanengine.yaml", 'got ["go build"]', "a YAML mapping of build, run"] },
    { name: "unknown key", act: lean("biuld: go build"), expect: ["leanengine.yaml: biuld", "a field this resource does not have", "(did you mean build?)"] },
    { name: "run as a list", act: lean("run: [./a, ./b]"), expect: ["leanengine.yaml: run", '["./a","./b"]'] },
    { name: "empty build", act: lean('build: ""'), expect: ["leanengine.yaml: build", 'got ""'] },
    { name: "build list with an object", act: lean("build:\n  - {use: other}"), expect: ["leanengine.yaml: build"] },
    { name: "install use not default", act: lean("install:\n  - {use: yarn}"), expect: ["leanengine.yaml: install"] },
    { name: "require not a list", act: lean("install:\n  - require: go.mod"), expect: ["leanengine.yaml: install"] },
    { name: "unknown system dependency", act: lean("systemDependencies: [imagemagik]"), expect: ["systemDependencies.0", '"imagemagik"', "one of ffmpeg, imagemagick, fonts-wqy"] },
    { name: "unavailable system dependency", act: lean("systemDependencies: [ffmpeg, phantomjs]"), expect: ["systemDependencies.1", '"phantomjs"', "discontinued"] },
    { name: "startupTimeout too small", act: lean("startupTimeout: 10"), expect: ["leanengine.yaml: startupTimeout", "got 10", "a whole number from 15 to 120"] },
    { name: "startupTimeout too big", act: lean("startupTimeout: 121"), expect: ["startupTimeout", "got 121", "a whole number from 15 to 120"] },
    { name: "startupTimeout not whole", act: lean("startupTimeout: 30.5"), expect: ["startupTimeout", "got 30.5", "a whole number"] },
    { name: "startupTimeout a string", act: lean("startupTimeout: soon"), expect: ["startupTimeout", '"soon"', "a whole number from 15 to 120"] },
    { name: "functionsMode unknown", act: lean("functionsMode: lax"), expect: ["functionsMode", '"lax"', 'one of "strict", "default"'] },
    // app.yaml
    { name: "app.yaml wrong runtime", act: () => parseAppYaml("runtime: python\napi_version: 3", R), expect: ["app.yaml: runtime", '"python"', '"go"'] },
    { name: "app.yaml no api_version", act: () => parseAppYaml("runtime: go", R), expect: ["app.yaml: api_version", "nothing (the field is missing)"] },
    { name: "app.yaml bad api_version", act: () => parseAppYaml("runtime: go\napi_version: 9", R), expect: ["app.yaml: api_version", "got 9"] },
    { name: "app.yaml scalar", act: () => parseAppYaml("go", R), expect: ["app.yaml", 'got "go"', "runtime: go"] },
    // go.mod
    { name: "go.mod without module", act: () => parseGoMod("go 1.22\n", R), expect: ["go.mod", "module <path>"] },
    { name: "go.mod bad go line", act: () => parseGoMod("module x\ngo one.two\n", R), expect: ["go.mod line 2", '"go one.two"', "go 1.22"] },
    { name: "go.mod bad toolchain", act: () => parseGoMod("module x\ngo 1.22\ntoolchain gox\n", R), expect: ["go.mod line 3", "toolchain go1.22.3"] },
    // app files
    { name: "file over 32 MB", act: () => checkAppFileLimits(sourceDir({ "big.bin": "x".repeat(33) }), R, { totalFiles: 10, filesPerDirectory: 10, fileBytes: 32, totalBytes: 150 }), expect: ["source", "big.bin", "App Engine limit"] },
    { name: "too many files in a directory", act: () => checkAppFileLimits(sourceDir({ a: "", b: "", c: "" }), R, { totalFiles: 10, filesPerDirectory: 2, fileBytes: 32, totalBytes: 150 }), expect: ["3 entries in directory .", "at most 2 files per directory"] },
    { name: "too many files", act: () => checkAppFileLimits(sourceDir({ "a/1": "", "b/2": "", "c/3": "" }), R, { totalFiles: 2, filesPerDirectory: 10, fileBytes: 32, totalBytes: 150 }), expect: ["more than 2 files", "at most 2 files in all"] },
    { name: "too many bytes", act: () => checkAppFileLimits(sourceDir({ a: "1234", b: "1234" }), R, { totalFiles: 10, filesPerDirectory: 10, fileBytes: 32, totalBytes: 6 }), expect: ["more than 6 bytes of files", "at most 6 bytes in all"] },
    // EngineApp arguments
    { name: "no source and no image", act: () => new EngineApp("web", {}), expect: [R, "invalid source", "exactly one of source"] },
    { name: "both source and image", act: () => new EngineApp("web", { source: fixture("goapp"), image: "x" }), expect: ["exactly one of source"] },
    { name: "source without go.mod", act: () => new EngineApp("web", { source: sourceDir({ "main.go": "package main" }) }), expect: ["invalid source", "go.mod at the root"] },
    { name: "source missing", act: () => new EngineApp("web", { source: "/nonexistent/dir" }), expect: ['"/nonexistent/dir"', "an existing directory"] },
    { name: "zero instances", act: () => new EngineApp("web", { source: fixture("goapp"), instances: 0 }), expect: ["invalid instances", "got 0", "a whole number from 1 to 50"] },
    { name: "fractional instances", act: () => new EngineApp("web", { source: fixture("goapp"), instances: 1.5 }), expect: ["instances", "got 1.5", "a whole number"] },
    { name: "instances as string", act: () => new EngineApp("web", { source: fixture("goapp"), instances: "2" as any }), expect: ["instances", 'got "2"'] },
    { name: "bad region", act: () => new EngineApp("web", { source: fixture("goapp"), region: "EU" as any }), expect: ["region", '"EU"', 'one of "CN", "US"'] },
    { name: "startupTimeout arg", act: () => new EngineApp("web", { source: fixture("goapp"), startupTimeout: 5 }), expect: ["startupTimeout", "got 5", "a whole number from 15 to 120"] },
    { name: "reserved variable", act: () => new EngineApp("web", { source: fixture("goapp"), variables: { LEANCLOUD_APP_ID: "x" } }), expect: ["variables.LEANCLOUD_APP_ID", "a name the platform does not set"] },
    { name: "REDIS_URL variable", act: () => new EngineApp("web", { source: fixture("goapp"), variables: { REDIS_URL_X: "x" } }), expect: ["variables.REDIS_URL_X", "REDIS_URL_*"] },
    { name: "TZ variable", act: () => new EngineApp("web", { source: fixture("goapp"), variables: { TZ: "UTC" } }), expect: ["variables.TZ", "timezone argument"] },
    { name: "invalid variable name", act: () => new EngineApp("web", { source: fixture("goapp"), variables: { "1BAD": "x" } }), expect: ["variables.1BAD", 'got "1BAD"', "letters, digits and _"] },
    { name: "misspelled argument", act: () => new EngineApp("web", { source: fixture("goapp"), instance: 2 } as any), expect: ['invalid instance: got a field this resource does not have', "(did you mean instances?)"] },
    { name: "port the platform uses", act: () => new EngineApp("web", { source: fixture("goapp"), port: 61000 }), expect: ["invalid port", "got 61000", "a port other than 61000"] },
    { name: "bad memory", act: () => new EngineApp("web", { source: fixture("goapp"), memory: "1.5GB" }), expect: ["memory", '"1.5GB"', "512M or 1G"] },
    { name: "cache not a resource", act: () => new EngineApp("web", { source: fixture("goapp"), caches: ["MYCACHE"] as any }), expect: ["caches.0", '"MYCACHE"', "a LeanCacheInstance resource"] },
    { name: "run with source", act: () => new EngineApp("web", { source: fixture("goapp"), run: "./x" }), expect: ["invalid run", "leanengine.yaml"] },
    { name: "bad apiServer", act: () => new EngineApp("web", { source: fixture("goapp"), apiServer: "ftp://x" }), expect: ["apiServer", '"ftp://x"'] },
    // other components
    { name: "cache capacity", act: () => new LeanCacheInstance("c", { capacity: "3G" as any }), expect: ['LeanCacheInstance "c"', "capacity", '"3G"', '"128M", "256M", "512M", "1G", "2G", "4G", "8G"'] },
    { name: "cache eviction policy", act: () => new LeanCacheInstance("c", { evictionPolicy: "lru" as any }), expect: ["evictionPolicy", '"lru"', '"volatile-lru"'] },
    { name: "cache name from resource name", act: () => new LeanCacheInstance("my-cache"), expect: ["invalid name", '"my-cache" cannot be used, so set name'] },
    { name: "cache password with spaces", act: () => new LeanCacheInstance("c", { password: "has spaces in it" }), expect: ["invalid password", "got a secret value (not shown)", "without spaces"] },
    { name: "domain hostname with scheme", act: () => new Domain("d", { hostname: "https://www.example.com", app: {} as any }), expect: ['Domain "d"', "hostname", "no scheme, port or path"] },
    { name: "domain hostname uppercase", act: () => new Domain("d", { hostname: "WWW.example.com", app: {} as any }), expect: ["hostname", '"WWW.example.com"', "lowercase"] },
    { name: "domain app missing", act: () => new Domain("d", { hostname: "a.example.com" } as any), expect: ["invalid app", "an EngineApp resource"] },
    { name: "forceHttps without tls", act: () => new Domain("d", { hostname: "a.example.com", app: new EngineApp("x", { source: fixture("goapp") }), forceHttps: true }), expect: ["forceHttps", "needs tls"] },
    { name: "tls with a certificate but no key", act: () => new Domain("d", { hostname: "a.example.com", app: new EngineApp("x", { source: fixture("goapp") }), tls: { certificate: "PEM" } }), expect: ["tls.certificate", "give both certificate and privateKey, or neither"] },
    { name: "gateway same ports", act: () => new Gateway("g", { httpPort: 8080, httpsPort: 8080 }), expect: ["httpsPort", "must differ"] },
    { name: "gateway bad address", act: () => new Gateway("g", { listenAddress: "localhost" }), expect: ["listenAddress", '"localhost"', "an IPv4 address"] },
    { name: "envgroup reserved", act: () => new EnvGroup("g", { variables: { LC_APP_ID: "x" } }), expect: ['EnvGroup "g"', "variables.LC_APP_ID"] },
    { name: "envgroup name in both", act: () => new EnvGroup("g", { variables: { A: "1" }, secrets: { A: "2" } }), expect: ["secrets.A", "either plain or secret"] },
];

describe("malformed input fails with a clear error", () => {
    it("has at least 30 cases", () => assert.ok(cases.length >= 30, String(cases.length)));
    for (const c of cases) {
        it(c.name, async () => {
            await run(() => {
                let thrown: unknown;
                try {
                    c.act();
                } catch (e) {
                    thrown = e;
                }
                assert.ok(thrown instanceof ConfigError, `expected a ConfigError, got ${thrown}`);
                const message = (thrown as Error).message;
                assert.doesNotMatch(message, /\n\s+at /, "no stack trace in the message");
                for (const fragment of c.expect) {
                    if (typeof fragment === "string") assert.ok(message.includes(fragment), `message lacks ${JSON.stringify(fragment)}:\n${message}`);
                    else assert.match(message, fragment);
                }
            });
        });
    }
});
