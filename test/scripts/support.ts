import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root (from test/scripts or bin/test/scripts). */
export function repoRoot(): string {
    let dir = __dirname;
    for (;;) {
        if (fs.existsSync(path.join(dir, "scripts", "preflight.sh")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
        const up = path.dirname(dir);
        if (up === dir) throw new Error(`no repository root above ${__dirname}`);
        dir = up;
    }
}
