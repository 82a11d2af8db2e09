import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";
import { kubernetesSettings } from "../../provider/config/args/kubernetes";
import { ConfigError, describeValue } from "../../provider/config/errors";
import { parseAppYaml } from "../../provider/config/source/appYaml";
import { checkAppFileLimits } from "../../provider/config/source/appFiles";
import { parseGoMod } from "../../provider/config/source/goMod";
import { parseLeanengineYaml } from "../../provider/config/source/leanengineYaml";
import { readGoSource } from "../../provider/config/source/sourceDir";
import { checkedString, checkedStrings } from "../../provider/config/resolvedInputs";
import { validate } from "../../provider/config/validate";
import { fixture, run, tlsFixture } from "../mocks";

// Table-driven: every malformed input, across every argument of every component and every source
// file, fails with a ConfigError whose whole shape is asserted: the resource, the field path, the
// value given (as the message prints it) and what is allowed; the message is exactly
// "<resource>: invalid <field>: got <given>; allowed: <allowed>" and never holds a stack trace or a
// secret given in the case.

const APP = 'cloudengine:index:EngineApp "web"';
const CACHE = 'cloudengine:index:LeanCacheInstance "c"';
const DOMAIN = 'cloudengine:index:Domain "d"';
const GROUP = 'cloudengine:index:EnvGroup "g"';
const GATEWAY = 'cloudengine:index:Gateway "gw"';
const KUBE = "stack config cloudengine:kubernetes";
const SECRET = "hunter2-0d5e";
const HIDDEN = "a secret value (not shown)";
const UNKNOWN = "a field this resource does not have";
const DEFAULTS = { install: "go mod download", build: "go build -o main" };
const lean = (text: string) => () => parseLeanengineYaml(text, APP, DEFAULTS);
const appYaml = (text: string) => () => parseAppYaml(text, APP);
const goMod = (text: string) => () => parseGoMod(text, APP);
const goapp = () => fixture("goapp");
const app = (args: Record<string, unknown>) => () => new EngineApp("web", { source: goapp(), ...args } as any);
const cache = (args: Record<string, unknown>) => () => new LeanCacheInstance("c", args as any);
const group = (args: Record<string, unknown>) => () => new EnvGroup("g", args as any);
const gateway = (args: Record<string, unknown>) => () => new Gateway("gw", args as any);
const kube = (args: Record<string, unknown>) => () => validate(kubernetesSettings, args, KUBE);
/** A Domain for an app of its own. */
const domain = (args: Record<string, unknown>) => () => new Domain("d", { hostname: "www.example.com", app: new EngineApp("x", { source: goapp() }), ...args } as any);

/** A throwaway Go source directory with the given files (go.mod by default). */
function sourceDir(files: Record<string, string | Buffer>, withGoMod = true): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-src-"));
    for (const [name, content] of Object.entries({ ...(withGoMod ? { "go.mod": "module example.com/web\n\ngo 1.22\n" } : {}), ...files })) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}
/** A throwaway file with the given content. */
function tempFile(name: string, content: Buffer): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ce-file-")), name);
    fs.writeFileSync(file, content);
    return file;
}
const source = (files: Record<string, string | Buffer>, withGoMod = true) => () => readGoSource(sourceDir(files, withGoMod), APP);
const limits = { totalFiles: 10, filesPerDirectory: 10, fileBytes: 32, totalBytes: 150 };

interface Case {
    name: string;
    act: () => unknown;
    resource: string;
    field: string;
    /** How the message shows the given value: the exact text, or a pattern. */
    given: string | RegExp;
    /** What is allowed: a fragment of it, or a pattern. */
    allowed: string | RegExp;
    /** Stack config of the run. */
    config?: Record<string, string>;
}

const c = (name: string, act: () => unknown, resource: string, field: string, given: string | RegExp, allowed: string | RegExp, config?: Record<string, string>): Case => ({ name, act, resource, field, given, allowed, config });

const cases: Case[] = [
    // --- leanengine.yaml ---------------------------------------------------------------------------
    c("leanengine.yaml not YAML", lean("build: [unclosed"), APP, "leanengine.yaml line 1", /^"build: \[unclosed": /, "a YAML mapping of build, run, install"),
    c("leanengine.yaml a list", lean("- go build"), APP, "leanengine.yaml", '["go build"]', "a YAML mapping of build, run"),
    c("leanengine.yaml a scalar", lean("just text"), APP, "leanengine.yaml", '"just text"', "a YAML mapping"),
    c("leanengine.yaml duplicated key", lean("run: ./a\nrun: ./b"), APP, "leanengine.yaml line 2", '"run: ./b": the key "run" appears more than once', "a YAML mapping"),
    c("leanengine.yaml tab indentation", lean("build:\n\t- go build"), APP, "leanengine.yaml line 2", /tabs/i, "a YAML mapping"),
    c("leanengine.yaml nested too deep", lean(`install: ${"[".repeat(200)}go${"]".repeat(200)}`), APP, "leanengine.yaml line 1", "nesting deeper than 64 levels", "nested at most 64 levels"),
    c("leanengine.yaml alias to nothing", lean("run: *missing"), APP, "leanengine.yaml", /unresolved alias/i, "at most 50 alias expansions"),
    c("unknown key, near a known one", lean("biuld: go build"), APP, "leanengine.yaml: biuld", UNKNOWN, "(did you mean build?)"),
    c("unknown key, far from all", lean("deploy: now"), APP, "leanengine.yaml: deploy", UNKNOWN, "(check the spelling)"),
    c("run as a list", lean("run: [./a, ./b]"), APP, "leanengine.yaml: run", '["./a","./b"]', "a shell command"),
    c("run empty", lean('run: ""'), APP, "leanengine.yaml: run", '""', "a non-empty string"),
    c("run a number", lean("run: 5"), APP, "leanengine.yaml: run", "5", "a shell command"),
    c("build empty", lean('build: ""'), APP, "leanengine.yaml: build", '""', "a non-empty string"),
    c("build a mapping", lean("build: {a: 1}"), APP, "leanengine.yaml: build", '{"a":1}', "a shell command or a list of at least 1 item (each item a shell command or {use: default})"),
    c("build an empty list", lean("build: []"), APP, "leanengine.yaml: build", "[]", "at least 1 item"),
    c("build use other", lean("build:\n  - {use: other}"), APP, "leanengine.yaml: build.0.use", '"other"', '"default"'),
    c("build with require", lean("build:\n  - require: [go.mod]"), APP, "leanengine.yaml: build.0", '{"require":["go.mod"]}', "a shell command or {use: default}"),
    c("install a number", lean("install: 5"), APP, "leanengine.yaml: install", "5", "{require: a list of at least 1 item (each item a file path inside the source directory)}"),
    c("install use yarn", lean("install:\n  - {use: yarn}"), APP, "leanengine.yaml: install.0.use", '"yarn"', '"default"'),
    c("install require a string", lean("install:\n  - require: go.mod"), APP, "leanengine.yaml: install.0.require", '"go.mod"', "a list of at least 1 item (each item a file path inside the source directory)"),
    c("install require empty list", lean("install:\n  - require: []"), APP, "leanengine.yaml: install.0.require", "[]", "at least 1 item"),
    c("install step a number", lean("install:\n  - go mod download\n  - 7"), APP, "leanengine.yaml: install.1", "7", "a shell command, {use: default} or {require:"),
    c("install require outside", () => readGoSource(sourceDir({ "leanengine.yaml": "install:\n  - require: [../secrets.txt]\n" }), APP), APP, "leanengine.yaml: install.require", '"../secrets.txt"', "a path inside the source directory"),
    c("install require absolute", () => readGoSource(sourceDir({ "leanengine.yaml": "install:\n  - require: [/etc/passwd]\n" }), APP), APP, "leanengine.yaml: install.require", '"/etc/passwd"', "a path inside the source directory"),
    c("install require missing", () => readGoSource(sourceDir({ "leanengine.yaml": "install:\n  - require: [vendor.txt]\n" }), APP), APP, "leanengine.yaml: install.require", '"vendor.txt"', "a file that exists in the source directory"),
    c("systemDependencies a string", lean("systemDependencies: ffmpeg"), APP, "leanengine.yaml: systemDependencies", '"ffmpeg"', "a list (each item a dependency name (ffmpeg, imagemagick"),
    c("unknown system dependency", lean("systemDependencies: [imagemagik]"), APP, "leanengine.yaml: systemDependencies.0", '"imagemagik"', "one of ffmpeg, imagemagick, fonts-wqy"),
    c("unavailable system dependency", lean("systemDependencies: [ffmpeg, phantomjs]"), APP, "leanengine.yaml: systemDependencies.1", '"phantomjs"', "discontinued"),
    c("system dependency a number", lean("systemDependencies: [3]"), APP, "leanengine.yaml: systemDependencies.0", "3", "a dependency name"),
    c("startupTimeout too small", lean("startupTimeout: 10"), APP, "leanengine.yaml: startupTimeout", "10", "a whole number from 15 to 120"),
    c("startupTimeout too big", lean("startupTimeout: 121"), APP, "leanengine.yaml: startupTimeout", "121", "a whole number from 15 to 120"),
    c("startupTimeout not whole", lean("startupTimeout: 30.5"), APP, "leanengine.yaml: startupTimeout", "30.5", "a whole number from 15 to 120"),
    c("startupTimeout a string", lean("startupTimeout: soon"), APP, "leanengine.yaml: startupTimeout", '"soon"', "a whole number from 15 to 120"),
    c("functionsMode unknown", lean("functionsMode: lax"), APP, "leanengine.yaml: functionsMode", '"lax"', 'one of "strict", "default"'),
    c("functionsMode a boolean", lean("functionsMode: true"), APP, "leanengine.yaml: functionsMode", "true", 'one of "strict", "default"'),
    // --- app.yaml ----------------------------------------------------------------------------------
    c("app.yaml wrong runtime", appYaml("runtime: python\napi_version: 3"), APP, "app.yaml: runtime", '"python"', '"go"'),
    c("app.yaml no runtime", appYaml("api_version: 3"), APP, "app.yaml: runtime", "nothing (the field is missing)", '"go"'),
    c("app.yaml no api_version", appYaml("runtime: go"), APP, "app.yaml: api_version", "nothing (the field is missing)", /1, 2, 3|1 or 2|"1"/),
    c("app.yaml bad api_version", appYaml("runtime: go\napi_version: 9"), APP, "app.yaml: api_version", "9", /1/),
    c("app.yaml scalar", appYaml("go"), APP, "app.yaml", '"go"', "runtime: go"),
    c("app.yaml duplicated key", appYaml("runtime: go\nruntime: go"), APP, "app.yaml line 2", '"runtime: go": the key "runtime" appears more than once', "runtime: go"),
    // --- go.mod ------------------------------------------------------------------------------------
    c("go.mod without module", goMod("go 1.22\n"), APP, "go.mod", /module/, "module <path>"),
    c("go.mod bad go line", goMod("module x\ngo one.two\n"), APP, "go.mod line 2", /one\.two/, /1\.2/),
    c("go.mod bad toolchain", goMod("module x\ngo 1.22\ntoolchain gox\n"), APP, "go.mod line 3", /gox/, /go1\./),
    c("go.mod with a byte-order mark", goMod("\uFEFFmodule x\ngo 1.22\n"), APP, "go.mod line 1", /byte-order mark/, "without a byte-order mark"),
    c("go.mod repeated go line", goMod("module x\ngo 1.22\ngo 1.23\n"), APP, "go.mod line 3", /go 1\.23|repeated/, /one go line|once|repeated/),
    // --- source directory ----------------------------------------------------------------------------
    c("no go.mod", source({ "main.go": "package main" }, false), APP, "source", /^"\/.*ce-src-/, "go.mod at the root"),
    c("leanengine.yaml over its cap", source({ "leanengine.yaml": "#".repeat(70 * 1024) }), APP, "leanengine.yaml", `a file of ${70 * 1024} bytes`, "at most 65536 bytes"),
    c("go.mod over its cap", source({ "go.mod": "//".repeat(600 * 1024) }), APP, "go.mod", `a file of ${1200 * 1024} bytes`, "at most 1048576 bytes"),
    c("leanengine.yaml not UTF-8", source({ "leanengine.yaml": Buffer.from([0x72, 0x75, 0x6e, 0x3a, 0x20, 0xff, 0xfe]) }), APP, "leanengine.yaml", 'bytes that are not UTF-8 text', "a UTF-8 text file"),
    c("app.yaml a directory", () => { const d = sourceDir({}); fs.mkdirSync(path.join(d, "app.yaml")); return readGoSource(d, APP); }, APP, "app.yaml", 'a directory', "a regular file"),
    c("a link out of the directory", () => { const d = sourceDir({}); fs.symlinkSync("/etc/hostname", path.join(d, "host")); return readGoSource(d, APP); }, APP, "source", "host, a link to /etc/hostname (outside the source directory)", "files and links inside the source directory only"),
    c("leanengine.yaml links out", () => { const d = sourceDir({}); fs.symlinkSync("/etc/hostname", path.join(d, "leanengine.yaml")); return readGoSource(d, APP); }, APP, "leanengine.yaml", /^a link to \/etc\/hostname$/, "a file inside the source directory"),
    c("file over App Engine's 32 MB", () => checkAppFileLimits(sourceDir({ "big.bin": "x".repeat(33) }), APP, limits), APP, "source", '"big.bin of 33 bytes"', "files of at most 32 bytes (App Engine limit)"),
    c("too many files in a directory", () => checkAppFileLimits(sourceDir({ a: "", b: "", c: "" }, false), APP, { ...limits, filesPerDirectory: 2 }), APP, "source", '"3 entries in directory ."', "at most 2 files per directory"),
    c("too many files", () => checkAppFileLimits(sourceDir({ "a/1": "", "b/2": "", "c/3": "" }, false), APP, { ...limits, totalFiles: 2 }), APP, "source", '"more than 2 files"', "at most 2 files in all"),
    c("too many bytes", () => checkAppFileLimits(sourceDir({ a: "1234", b: "1234" }, false), APP, { ...limits, totalBytes: 6 }), APP, "source", '"more than 6 bytes of files"', "at most 6 bytes in all"),
    // --- EngineApp ---------------------------------------------------------------------------------
    c("no source and no image", () => new EngineApp("web", {} as any), APP, "source", "nothing (the field is missing)", "exactly one of source"),
    c("arguments not an object", () => new EngineApp("web", "." as any), APP, "(arguments)", '"."', "an object of arguments (fields: source, image, engineImage"),
    c("both source and image", app({ image: "x" }), APP, "source", /^"\/.*goapp"$/, "exactly one of source"),
    c("source and engineImage", app({ engineImage: "registry.example.com/a:1" }), APP, "source", /goapp/, "exactly one of source"),
    c("source missing", () => new EngineApp("web", { source: "/nonexistent/dir" }), APP, "source", '"/nonexistent/dir"', "an existing directory"),
    c("source a file", () => new EngineApp("web", { source: path.join(goapp(), "go.mod") }), APP, "source", /go\.mod"$/, "an existing directory"),
    c("source empty", () => new EngineApp("web", { source: "" }), APP, "source", '""', "a non-empty string"),
    c("image empty", () => new EngineApp("web", { image: "" }), APP, "image", '""', "a non-empty string"),
    c("engineImage uppercase", () => new EngineApp("web", { engineImage: "Registry/App:1" }), APP, "engineImage", '"Registry/App:1"', "an image reference such as"),
    c("run with source", app({ run: "./x" }), APP, "run", '"./x"', "run is only for image"),
    c("run empty with image", () => new EngineApp("web", { image: "x", run: "" }), APP, "run", '""', "a non-empty string"),
    c("zero instances", app({ instances: 0 }), APP, "instances", "0", "a whole number from 1 to 50"),
    c("too many instances", app({ instances: 51 }), APP, "instances", "51", "a whole number from 1 to 50"),
    c("fractional instances", app({ instances: 1.5 }), APP, "instances", "1.5", "a whole number from 1 to 50"),
    c("instances as string", app({ instances: "2" }), APP, "instances", '"2"', "a whole number from 1 to 50"),
    c("negative staging instances", app({ stagingInstances: -1 }), APP, "stagingInstances", "-1", "a whole number from 0 to 50"),
    c("appId starting with -", app({ appId: "-bad" }), APP, "appId", '"-bad"', "letters, digits, _ and -"),
    c("appId too long", app({ appId: "a".repeat(64) }), APP, "appId", `"${"a".repeat(64)}"`, "(1 to 63)"),
    c("appKey a number", app({ appKey: 42 }), APP, "appKey", "42", "a string (or an Output of one)"),
    c("masterKey a number", app({ masterKey: 42 }), APP, "masterKey", HIDDEN, "a string (or an Output of one)"),
    c("masterKey a list", app({ masterKey: [SECRET] }), APP, "masterKey", HIDDEN, "a string (or an Output of one)"),
    c("masterKey an object", app({ masterKey: { value: SECRET } }), APP, "masterKey", HIDDEN, "a string (or an Output of one)"),
    c("apiServer ftp", app({ apiServer: "ftp://x" }), APP, "apiServer", '"ftp://x"', /URL/),
    c("apiServer not a URL", app({ apiServer: "api.example.com" }), APP, "apiServer", '"api.example.com"', /URL/),
    c("bad region", app({ region: "EU" }), APP, "region", '"EU"', 'one of "CN", "US"'),
    c("group uppercase", app({ group: "Web" }), APP, "group", '"Web"', "lowercase letters, digits and -"),
    c("port below 1024", app({ port: 80 }), APP, "port", "80", "a whole number from 1024 to 65535"),
    c("port the platform uses", app({ port: 61000 }), APP, "port", "61000", "a port other than 61000"),
    c("port above 65535", app({ port: 70000 }), APP, "port", "70000", "a whole number from 1024 to 65535"),
    c("variables not a map", app({ variables: "A=1" }), APP, "variables", '"A=1"', "a mapping (keys: a variable name"),
    c("invalid variable name", app({ variables: { "1BAD": "x" } }), APP, "variables.1BAD", '"1BAD"', "letters, digits and _"),
    c("variable value a number", app({ variables: { PORT_X: 5 } }), APP, "variables.PORT_X", "5", "a string (or an Output of one)"),
    c("reserved variable", app({ variables: { LEANCLOUD_APP_ID: "x" } }), APP, "variables.LEANCLOUD_APP_ID", '"LEANCLOUD_APP_ID"', "a name the platform does not set"),
    c("REDIS_URL variable", app({ variables: { REDIS_URL_X: "x" } }), APP, "variables.REDIS_URL_X", '"REDIS_URL_X"', "REDIS_URL_*"),
    c("TZ variable", app({ variables: { TZ: "UTC" } }), APP, "variables.TZ", '"TZ"', "use the timezone argument for TZ"),
    c("deprecated alias variable", app({ variables: { LC_APP_ENV: "x" } }), APP, "variables.LC_APP_ENV", '"LC_APP_ENV"', "a name the platform does not set"),
    c("envGroups a string", app({ envGroups: "shared" }), APP, "envGroups", '"shared"', "a list (each item an EnvGroup resource)"),
    c("envGroups a plain object", app({ envGroups: [{ variables: {} }] }), APP, "envGroups.0", '{"variables":{}}', "an EnvGroup resource"),
    c("envGroups a cache", () => new EngineApp("web", { source: goapp(), envGroups: [new LeanCacheInstance("other")] as any }), APP, "envGroups.0", /^\{/, "an EnvGroup resource"),
    c("cache not a resource", app({ caches: ["MYCACHE"] }), APP, "caches.0", '"MYCACHE"', "a LeanCacheInstance resource"),
    c("cache a number", app({ caches: [42] }), APP, "caches.0", "42", "a LeanCacheInstance resource"),
    c("two caches with one name", () => new EngineApp("web", { source: goapp(), caches: [new LeanCacheInstance("a", { name: "SESSIONS" }), new LeanCacheInstance("b", { name: "SESSIONS" })] }), APP, "caches", "two caches named SESSIONS", "caches with distinct names (both would set REDIS_URL_SESSIONS)"),
    c("one cache attached twice", () => { const one = new LeanCacheInstance("one"); return new EngineApp("web", { source: goapp(), caches: [one, one] }); }, APP, "caches", "two caches named one", "attach each LeanCacheInstance once"),
    c("sharedCaches name with a dash", app({ sharedCaches: [{ name: "my-cache", url: "redis://default:x@h:6379", network: "n" }] }), APP, "sharedCaches.0.name", '"my-cache"', "letters, digits and _ (1 to 64)"),
    c("sharedCaches url not a redis URL", app({ sharedCaches: [{ name: "S", url: `http://${SECRET}@h`, network: "n" }] }), APP, "sharedCaches.0.url", HIDDEN, "a redis:// URL, such as a LeanCacheInstance's url output"),
    c("sharedCaches with an unknown field", app({ sharedCaches: [{ name: "S", url: "redis://h:6379", network: "n", host: "h" }] }), APP, "sharedCaches.0.host", UNKNOWN, "(check the spelling)"),
    c("sharedCaches network not a network name", app({ sharedCaches: [{ name: "S", url: "redis://h:6379", network: "a network" }] }), APP, "sharedCaches.0.network", '"a network"', "a Docker network name"),
    c("sharedCaches without network on Docker", app({ sharedCaches: [{ name: "S", url: "redis://h:6379" }] }), APP, "sharedCaches.0.network", "nothing (the field is missing)", "the instance's network output (required on Docker"),
    c("sharedCaches network on Kubernetes", app({ sharedCaches: [{ name: "S", url: "redis://h:6379", network: "n" }] }), APP, "sharedCaches.0.network", '"n"', "no network on Kubernetes", { "cloudengine:platform": "kubernetes" }),
    c("a shared cache named like an attached one", () => new EngineApp("web", { source: goapp(), caches: [new LeanCacheInstance("a", { name: "SESSIONS" })], sharedCaches: [{ name: "SESSIONS", url: "redis://h:6379", network: "n" }] }), APP, "caches", "two caches named SESSIONS", "caches with distinct names (both would set REDIS_URL_SESSIONS)"),
    c("timezone with a space", app({ timezone: "Asia Shanghai" }), APP, "timezone", '"Asia Shanghai"', "an IANA time zone"),
    c("versionTag with a space", app({ versionTag: "v 1" }), APP, "versionTag", '"v 1"', "letters, digits, . _ -"),
    c("startupTimeout argument too small", app({ startupTimeout: 5 }), APP, "startupTimeout", "5", "a whole number from 15 to 120"),
    c("startupTimeout argument too big", app({ startupTimeout: 121 }), APP, "startupTimeout", "121", "a whole number from 15 to 120"),
    c("cloudFunctions a string", app({ cloudFunctions: "yes" }), APP, "cloudFunctions", '"yes"', "true or false"),
    c("printBuildLogs a number", app({ printBuildLogs: 1 }), APP, "printBuildLogs", "1", "true or false"),
    c("memory with a unit suffix", app({ memory: "1.5GB" }), APP, "memory", '"1.5GB"', "a size such as 512M or 1G"),
    c("memory zero", app({ memory: "0M" }), APP, "memory", '"0M"', "a size such as 512M or 1G"),
    c("cpus zero", app({ cpus: 0 }), APP, "cpus", "0", "a number more than 0 and at most 64"),
    c("cpus too many", app({ cpus: 65 }), APP, "cpus", "65", "a number more than 0 and at most 64"),
    c("cdn a string", app({ cdn: "true" }), APP, "cdn", '"true"', "true or false"),
    c("versions beside source", app({ versions: { v1: { source: goapp() } } }), APP, "source", /^"\/.*goapp"$/, "nothing here with versions"),
    c("versions beside versionTag", () => new EngineApp("web", { versions: { v1: { image: "x" } }, versionTag: "t" }), APP, "versionTag", '"t"', "its name is its LEANCLOUD_VERSION_TAG"),
    c("versions with staging instances", () => new EngineApp("web", { versions: { v1: { image: "x" } }, stagingInstances: 1 }), APP, "stagingInstances", "1", "0 with versions"),
    c("versions empty", () => new EngineApp("web", { versions: {} }), APP, "versions", "{}", "at least one version"),
    c("versions two without a default", () => new EngineApp("web", { versions: { v1: { image: "x" }, v2: { image: "y" } } }), APP, "defaultVersion", "nothing (the field is missing)", "one of v1, v2"),
    c("defaultVersion not a version", () => new EngineApp("web", { versions: { v1: { image: "x" } }, defaultVersion: "v3" }), APP, "defaultVersion", '"v3"', "one of the versions: v1"),
    c("defaultVersion without versions", app({ defaultVersion: "v1" }), APP, "defaultVersion", '"v1"', "versions to choose from"),
    c("version name not a DNS label", () => new EngineApp("web", { versions: { V_1: { image: "x" } } }), APP, "versions.V_1", /V_1/, "lowercase letters, digits and -"),
    c("version with nothing to run", () => new EngineApp("web", { versions: { v1: {} } }), APP, "versions.v1.source", "nothing (the field is missing)", "exactly one of source"),
    c("version with run beside source", () => new EngineApp("web", { versions: { v1: { source: goapp(), run: "./x" } } }), APP, "versions.v1.run", '"./x"', "run is only for image"),
    c("version instances zero", () => new EngineApp("web", { versions: { v1: { image: "x", instances: 0 } } }), APP, "versions.v1.instances", "0", "a whole number from 1 to 50"),
    c("scaling beside instances", () => new EngineApp("web", { image: "x", cpus: 1, instances: 2, scaling: { min: 1, max: 3, targetCpu: 50 } }), APP, "instances", "2", "nothing with scaling"),
    c("scaling without cpus", () => new EngineApp("web", { image: "x", scaling: { min: 1, max: 3, targetCpu: 50 } }), APP, "cpus", "nothing (the field is missing)", "a CPU limit per instance with scaling"),
    c("scaling max below min", () => new EngineApp("web", { image: "x", cpus: 1, scaling: { min: 3, max: 2, targetCpu: 50 } }), APP, "scaling.max", "2", "at least min"),
    c("scaling target over 100", () => new EngineApp("web", { image: "x", cpus: 1, scaling: { min: 1, max: 2, targetCpu: 150 } }), APP, "scaling.targetCpu", "150", "a whole number from 1 to 100"),
    c("scaling on Docker", () => new EngineApp("web", { image: "x", cpus: 1, scaling: { min: 1, max: 2, targetCpu: 50 } }), APP, "scaling", /"min":1/, "nothing on the Docker platform"),
    c("limits unknown", app({ limits: "gae" }), APP, "limits", '"gae"', 'one of "cloudengine", "appengine"'),
    c("gateway a string", app({ gateway: "gw" }), APP, "gateway", '"gw"', "a Gateway resource"),
    c("gateway an app", () => new EngineApp("web", { source: goapp(), gateway: new EngineApp("other", { image: "x" }) as any }), APP, "gateway", /^\{/, "a Gateway resource"),
    c("misspelled argument", app({ instance: 2 }), APP, "instance", UNKNOWN, "(did you mean instances?)"),
    c("a secret in a misspelled field", app({ masterkey: SECRET }), APP, "masterkey", UNKNOWN, "(did you mean masterKey?)"),
    // --- LeanCacheInstance ----------------------------------------------------------------------------
    c("cache capacity unknown", cache({ capacity: "3G" }), CACHE, "capacity", '"3G"', 'one of "128M", "256M", "512M", "1G", "2G", "4G", "8G"'),
    c("cache capacity a number", cache({ capacity: 128 }), CACHE, "capacity", "128", 'one of "128M"'),
    c("cache eviction policy", cache({ evictionPolicy: "lru" }), CACHE, "evictionPolicy", '"lru"', '"volatile-lru"'),
    c("cache name with -", cache({ name: "my-cache" }), CACHE, "name", '"my-cache"', "letters, digits and _ (1 to 64)"),
    c("cache name too long", cache({ name: "N".repeat(65) }), CACHE, "name", `"${"N".repeat(65)}"`, "letters, digits and _ (1 to 64)"),
    c("cache name from resource name", () => new LeanCacheInstance("my-cache"), 'cloudengine:index:LeanCacheInstance "my-cache"', "name", "nothing (the field is missing)", '"my-cache" cannot be used, so set name'),
    c("cache password with spaces", cache({ password: `${SECRET} with spaces` }), CACHE, "password", HIDDEN, "without spaces"),
    c("cache password too short", cache({ password: "hunter2" }), CACHE, "password", HIDDEN, "8 to 128 printable characters"),
    c("cache password a number", cache({ password: 12345678 }), CACHE, "password", HIDDEN, "a string (or an Output of one)"),
    c("cache image empty", cache({ image: "" }), CACHE, "image", '""', "a non-empty string"),
    c("cache unknown field", cache({ size: "1G" }), CACHE, "size", UNKNOWN, "one of name, capacity, evictionPolicy, password, image"),
    // --- Domain ---------------------------------------------------------------------------------------
    c("hostname with scheme", domain({ hostname: "https://www.example.com" }), DOMAIN, "hostname", '"https://www.example.com"', "no scheme, port or path"),
    c("hostname uppercase", domain({ hostname: "WWW.example.com" }), DOMAIN, "hostname", '"WWW.example.com"', "a lowercase DNS hostname"),
    c("hostname an IP address", domain({ hostname: "10.0.0.1" }), DOMAIN, "hostname", '"10.0.0.1"', "a DNS name, not an IP address"),
    c("hostname with a port", domain({ hostname: "www.example.com:8080" }), DOMAIN, "hostname", '"www.example.com:8080"', "no scheme, port or path"),
    c("hostname with a trailing dot", domain({ hostname: "www.example.com." }), DOMAIN, "hostname", '"www.example.com."', "a lowercase DNS hostname"),
    c("hostname a number", domain({ hostname: 5 }), DOMAIN, "hostname", "5", "a lowercase DNS hostname"),
    c("hostname bound twice", () => { const a = new EngineApp("x", { image: "x" }); new Domain("a", { hostname: "www.example.com", app: a }); return new Domain("d", { hostname: "www.example.com", app: a }); }, DOMAIN, "hostname", '"www.example.com"', 'the Domain "a" already binds www.example.com'),
    c("stg- hostname for an app without staging", () => new Domain("d", { hostname: "stg-www.example.com", app: new EngineApp("x", { image: "x" }) }), DOMAIN, "hostname", '"stg-www.example.com"', "the app has none (set its stagingInstances)"),
    c("domain app missing", () => new Domain("d", { hostname: "a.example.com" } as any), DOMAIN, "app", "nothing (the field is missing)", "an EngineApp resource"),
    c("domain app a string", domain({ app: "web" }), DOMAIN, "app", '"web"', "an EngineApp resource"),
    c("domain app a cache", () => domain({ app: new LeanCacheInstance("cc") })(), DOMAIN, "app", /^\{/, "an EngineApp resource"),
    c("forceHttps without tls", domain({ forceHttps: true }), DOMAIN, "forceHttps", "true", "forceHttps needs tls"),
    c("forceHttps a string", domain({ forceHttps: "yes" }), DOMAIN, "forceHttps", '"yes"', "true or false"),
    c("tls a string", domain({ tls: "on" }), DOMAIN, "tls", HIDDEN, "{certificate: a string (or an Output of one), privateKey: a string (or an Output of one)}"),
    c("tls a certificate but no key", domain({ tls: { certificate: tlsFixture().certificate } }), DOMAIN, "tls.certificate", /BEGIN CERTIFICATE/, "give both certificate and privateKey, or neither"),
    c("tls a key but no certificate", domain({ tls: { privateKey: SECRET } }), DOMAIN, "tls.certificate", "nothing (the field is missing)", "give both certificate and privateKey, or neither"),
    c("tls certificate not PEM", domain({ tls: { certificate: "CERT", privateKey: SECRET } }), DOMAIN, "tls.certificate", "text without a PEM certificate block (4 characters)", "-----BEGIN CERTIFICATE-----"),
    c("tls key not PEM", domain({ tls: { certificate: tlsFixture().certificate, privateKey: SECRET } }), DOMAIN, "tls.privateKey", HIDDEN, "a PEM private key"),
    c("tls key of another certificate", domain({ tls: { certificate: tlsFixture().certificate, privateKey: fs.readFileSync(fixture("tls", "other.key"), "utf8") } }), DOMAIN, "tls.privateKey", HIDDEN, "belongs to another certificate"),
    c("tls key a number", domain({ tls: { certificate: tlsFixture().certificate, privateKey: 7 } }), DOMAIN, "tls.privateKey", HIDDEN, "a string (or an Output of one)"),
    c("tls unknown field", domain({ tls: { ca: "x" } }), DOMAIN, "tls.ca", UNKNOWN, "one of certificate, privateKey"),
    c("cdn a number", domain({ cdn: 1 }), DOMAIN, "cdn", "1", "true or false"),
    // --- EnvGroup -------------------------------------------------------------------------------------
    c("envgroup reserved variable", group({ variables: { LC_APP_ID: "x" } }), GROUP, "variables.LC_APP_ID", '"LC_APP_ID"', "a name the platform does not set"),
    c("envgroup reserved secret", group({ secrets: { LEANCLOUD_TOKEN: SECRET } }), GROUP, "secrets.LEANCLOUD_TOKEN", '"LEANCLOUD_TOKEN"', "LEANCLOUD_*"),
    c("envgroup name in both", group({ variables: { A: "1" }, secrets: { A: SECRET } }), GROUP, "secrets.A", '"A"', "either plain or secret"),
    c("envgroup variable a number", group({ variables: { A: 1 } }), GROUP, "variables.A", "1", "a string (or an Output of one)"),
    c("envgroup secret a number", group({ secrets: { TOKEN: 12345 } }), GROUP, "secrets.TOKEN", HIDDEN, "a string (or an Output of one)"),
    c("envgroup secret a list", group({ secrets: { TOKEN: [SECRET] } }), GROUP, "secrets.TOKEN", HIDDEN, "a string (or an Output of one)"),
    c("envgroup secrets a string", group({ secrets: SECRET }), GROUP, "secrets", HIDDEN, "a mapping (keys: a variable name"),
    c("envgroup variables a list", group({ variables: ["A=1"] }), GROUP, "variables", '["A=1"]', "a mapping (keys: a variable name"),
    c("envgroup variable name invalid", group({ variables: { "1A": "x" } }), GROUP, "variables.1A", '"1A"', "letters, digits and _"),
    c("envgroup secret name invalid", group({ secrets: { "A-B": SECRET } }), GROUP, "secrets.A-B", '"A-B"', "letters, digits and _"),
    c("envgroup misspelled secrets", group({ secret: { TOKEN: SECRET } }), GROUP, "secret", UNKNOWN, "(did you mean secrets?)"),
    // --- Gateway ----------------------------------------------------------------------------------------
    c("gateway same ports", gateway({ httpPort: 8080, httpsPort: 8080 }), GATEWAY, "httpsPort", "8080", "httpPort and httpsPort must differ"),
    c("gateway listenAddress a name", gateway({ listenAddress: "localhost" }), GATEWAY, "listenAddress", '"localhost"', "an IPv4 address"),
    c("gateway port zero", gateway({ httpPort: 0 }), GATEWAY, "httpPort", "0", "a whole number from 1 to 65535"),
    c("gateway port too big", gateway({ httpsPort: 65536 }), GATEWAY, "httpsPort", "65536", "a whole number from 1 to 65535"),
    c("gateway domain uppercase", gateway({ domain: "Example.com" }), GATEWAY, "domain", '"Example.com"', "a lowercase DNS name"),
    c("gateway domain an IP address", gateway({ domain: "127.0.0.1" }), GATEWAY, "domain", '"127.0.0.1"', "not an IP address"),
    c("gateway inboundIps not addresses", gateway({ inboundIps: ["x"] }), GATEWAY, "inboundIps.0", '"x"', "an IPv4 address"),
    c("gateway outboundIps a string", gateway({ outboundIps: "1.2.3.4" }), GATEWAY, "outboundIps", '"1.2.3.4"', "a list (each item an IPv4 address)"),
    c("gateway image empty", gateway({ image: "" }), GATEWAY, "image", '""', "a non-empty string"),
    c("gateway unknown field", gateway({ port: 80 }), GATEWAY, "port", UNKNOWN, "one of domain, listenAddress, httpPort, httpsPort"),
    c("gateway countryDatabase missing", gateway({ countryDatabase: "/nonexistent/GeoIP.dat" }), GATEWAY, "countryDatabase", '"/nonexistent/GeoIP.dat"', "/nonexistent/GeoIP.dat does not exist"),
    c("gateway countryDatabase a directory", gateway({ countryDatabase: os.tmpdir() }), GATEWAY, "countryDatabase", JSON.stringify(os.tmpdir()), `${os.tmpdir()} is a directory`),
    c("gateway countryDatabase gzip", gateway({ countryDatabase: tempFile("GeoIP.dat.gz", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])) }), GATEWAY, "countryDatabase", /GeoIP\.dat\.gz"$/, "is gzip-compressed (decompress it first)"),
    c("gateway countryDatabase mmdb", gateway({ countryDatabase: tempFile("GeoLite2-Country.mmdb", Buffer.concat([Buffer.alloc(64), Buffer.from("\xab\xcd\xefMaxMind.com", "latin1"), Buffer.alloc(16)])) }), GATEWAY, "countryDatabase", /GeoLite2-Country\.mmdb"$/, "is a MaxMind DB (.mmdb, GeoIP2/GeoLite2) file, which nginx's geoip module cannot read"),
    c("gateway countryDatabase a text file", gateway({ countryDatabase: tempFile("countries.csv", Buffer.from("1.0.0.0,1.0.0.255,AU\n")) }), GATEWAY, "countryDatabase", /countries\.csv"$/, "legacy MaxMind GeoIP country database"),
    c("gateway named like the default", () => new Gateway("cloudengine", {}), 'cloudengine:index:Gateway "cloudengine"', "(resource name)", '"cloudengine"', "cloudengine is the stack's default gateway"),
    c("stack gateway config not JSON", () => new EngineApp("web", { image: "x" }), "stack config cloudengine:gateway", "(value)", '"port 80", which is not a JSON object', "an object of settings", { "cloudengine:gateway": "port 80" }),
    c("stack kubernetes config a list", () => new EngineApp("web", { image: "x" }), "stack config cloudengine:kubernetes", "(value)", '"[1]", which is not a JSON object', "an object of settings", { "cloudengine:platform": "kubernetes", "cloudengine:kubernetes": "[1]" }),
    // --- stack config cloudengine:kubernetes ------------------------------------------------------------
    c("kubernetes namespace uppercase", kube({ namespace: "Apps" }), KUBE, "namespace", '"Apps"', "a namespace name"),
    c("kubernetes service type", kube({ serviceType: "External" }), KUBE, "serviceType", '"External"', 'one of "LoadBalancer", "NodePort", "ClusterIP"'),
    c("kubernetes load balancer timeout too short", kube({ loadBalancerTimeout: 5 }), KUBE, "loadBalancerTimeout", "5", "a whole number from 30 to 3600"),
    c("kubernetes router replicas zero", kube({ routerReplicas: 0 }), KUBE, "routerReplicas", "0", "a whole number from 1 to 20"),
    c("kubernetes registry with a scheme", kube({ imageRegistry: "https://registry.example.com" }), KUBE, "imageRegistry", '"https://registry.example.com"', "a registry host"),
    c("kubernetes cluster domain", kube({ clusterDomain: "cluster..local" }), KUBE, "clusterDomain", '"cluster..local"', "a DNS name"),
    c("kubernetes unknown setting", kube({ namespce: "apps" }), KUBE, "namespce", UNKNOWN, "(did you mean namespace?)"),
];

describe("malformed input fails with a clear error", () => {
    it("covers at least 120 cases", () => assert.ok(cases.length >= 120, String(cases.length)));
    it("names each case once", () => assert.equal(new Set(cases.map((x) => x.name)).size, cases.length));
    for (const x of cases) {
        it(x.name, async () => {
            await run(() => {
                let thrown: unknown;
                try {
                    x.act();
                } catch (e) {
                    thrown = e;
                }
                assert.ok(thrown instanceof ConfigError, `expected a ConfigError, got ${thrown instanceof Error ? thrown.stack : thrown}`);
                const given = describeValue(thrown.given);
                const shape = `resource ${thrown.resource}\nfield ${thrown.field}\ngiven ${given}\nallowed ${thrown.allowed}`;
                assert.equal(thrown.resource, x.resource, shape);
                assert.equal(thrown.field, x.field, shape);
                if (typeof x.given === "string") assert.equal(given, x.given, shape);
                else assert.match(given, x.given, shape);
                if (typeof x.allowed === "string") assert.ok(thrown.allowed.includes(x.allowed), `allowed lacks ${JSON.stringify(x.allowed)}:\n${shape}`);
                else assert.match(thrown.allowed, x.allowed, shape);
                const firstLine = thrown.message.split("\n")[0];
                assert.equal(firstLine, `${x.resource}: invalid ${x.field}: got ${given}; allowed: ${thrown.allowed}`);
                assert.doesNotMatch(thrown.message, /\n\s+at /, "no stack trace in the message");
                assert.ok(!thrown.message.includes(SECRET), `a secret given in the case is in the message:\n${thrown.message}`);
                assert.doesNotMatch(thrown.allowed, /Invalid input|\ba array\b|\ba object\b/);
            }, { config: x.config });
        });
    }
});

describe("values that arrive as Outputs are checked when they arrive, secrets unseen", () => {
    /** The error an Output fails with; every promise inside it is awaited, so none rejects unhandled. */
    const rejection = async (output: pulumi.Output<unknown>): Promise<Error> => {
        const o = output as any;
        const [value] = await Promise.allSettled([o.promise(), o.isKnown, o.isSecret, o.allResources()]);
        if (value.status === "fulfilled") assert.fail("the Output resolved");
        return value.reason as Error;
    };
    it("a secret that resolves to a list, or to a number: refused, not shown", async () => {
        await run(async () => {
            const list = await rejection(checkedString(pulumi.secret([SECRET]) as any, { resource: GROUP, field: "secrets.TOKEN", secret: true }));
            assert.equal(list.message, `${GROUP}: invalid secrets.TOKEN: got ${HIDDEN}; allowed: a string`);
            const map = await rejection(checkedStrings({ A: "fine", TOKEN: pulumi.secret(42) as any }, { resource: GROUP, field: "secrets", secret: true }));
            assert.equal(map.message, `${GROUP}: invalid secrets.TOKEN: got ${HIDDEN}; allowed: a string`);
        });
    });
    it("a value that resolves but fails its check: the check's words, the value hidden when secret and shown when not", async () => {
        await run(async () => {
            const check = (v: string) => (v.includes(" ") ? "no spaces" : undefined);
            const secret = await rejection(checkedString(pulumi.secret(`${SECRET} x`), { resource: CACHE, field: "password", secret: true, check }));
            assert.equal(secret.message, `${CACHE}: invalid password: got ${HIDDEN}; allowed: no spaces`);
            const plain = await rejection(checkedString(pulumi.output("a b"), { resource: APP, field: "appKey", secret: false, check }));
            assert.equal(plain.message, `${APP}: invalid appKey: got "a b"; allowed: no spaces`);
            assert.equal(await (checkedString(pulumi.output("ab"), { resource: APP, field: "appKey", secret: false, check }) as any).promise(), "ab");
        });
    });
});
