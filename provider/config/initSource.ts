import * as fs from "fs";
import * as path from "path";

// The Go source of /cloudengine/init ships with the package (provider/runtime/cloudengine-init) and
// is compiled inside every app image build. Read once per process.
const INIT_DIR = path.join(__dirname, "..", "..", "..", "provider", "runtime", "cloudengine-init");
let cached: Record<string, string> | undefined;

export function initSource(): Record<string, string> {
    if (!cached) {
        const files: Record<string, string> = {};
        for (const name of fs.readdirSync(INIT_DIR).sort()) {
            if (name === "go.mod" || (name.endsWith(".go") && !name.endsWith("_test.go"))) {
                files[name] = fs.readFileSync(path.join(INIT_DIR, name), "utf8");
            }
        }
        cached = files;
    }
    return cached;
}
