import * as fs from "fs";
import * as path from "path";

// The Go sources of the package's own programs ship with it (provider/runtime/<name>) and are compiled
// inside image builds: /cloudengine/init in every app image, cloudengine-ready in the Docker gateway's.
// Each is read once per process.
const RUNTIME_DIR = path.join(__dirname, "..", "..", "..", "provider", "runtime");
const cached = new Map<string, Record<string, string>>();

/** go.mod and the non-test .go files of provider/runtime/<name>, by file name. */
export function runtimeSource(name: "cloudengine-init" | "cloudengine-ready"): Record<string, string> {
    let files = cached.get(name);
    if (!files) {
        const dir = path.join(RUNTIME_DIR, name);
        files = {};
        for (const file of fs.readdirSync(dir).sort()) {
            if (file === "go.mod" || (file.endsWith(".go") && !file.endsWith("_test.go"))) files[file] = fs.readFileSync(path.join(dir, file), "utf8");
        }
        cached.set(name, files);
    }
    return files;
}

export function initSource(): Record<string, string> {
    return runtimeSource("cloudengine-init");
}
