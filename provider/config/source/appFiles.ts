import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../errors";
import { APP_FILE_LIMITS } from "../spec";

// App Engine's limits table: 10,000 files in total, 1,000 per directory, 32 MB per file, 150 MB in all.
// Checked for apps that carry an app.yaml. Version-control folders are not uploaded, so not counted.
const NOT_UPLOADED = new Set([".git", ".hg", ".svn"]);

export interface AppFileLimits { totalFiles: number; filesPerDirectory: number; fileBytes: number; totalBytes: number }

export function checkAppFileLimits(root: string, resource: string, limits: AppFileLimits = APP_FILE_LIMITS): void {
    let totalFiles = 0;
    let totalBytes = 0;
    const walk = (dir: string) => {
        const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !NOT_UPLOADED.has(e.name));
        const rel = path.relative(root, dir) || ".";
        if (entries.length > limits.filesPerDirectory) {
            throw new ConfigError(resource, "source", `${entries.length} entries in directory ${rel}`, `at most ${limits.filesPerDirectory} files per directory (App Engine limit)`);
        }
        for (const entry of entries) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
                continue;
            }
            if (!entry.isFile()) continue;
            const size = fs.statSync(full).size;
            if (size > limits.fileBytes) {
                throw new ConfigError(resource, "source", `${path.relative(root, full)} of ${mb(size)}`, `files of at most ${mb(limits.fileBytes)} (App Engine limit)`);
            }
            totalFiles += 1;
            totalBytes += size;
            if (totalFiles > limits.totalFiles) {
                throw new ConfigError(resource, "source", `more than ${limits.totalFiles} files`, `at most ${limits.totalFiles} files in all (App Engine limit)`);
            }
            if (totalBytes > limits.totalBytes) {
                throw new ConfigError(resource, "source", `more than ${mb(limits.totalBytes)} of files`, `at most ${mb(limits.totalBytes)} in all (App Engine limit)`);
            }
        }
    };
    walk(root);
}

function mb(bytes: number): string {
    const MB = 1024 * 1024;
    if (bytes < MB) return `${bytes} bytes`;
    return `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
}
