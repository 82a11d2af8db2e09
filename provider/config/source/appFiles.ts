import { ConfigError } from "../errors";
import { APP_FILE_LIMITS } from "../spec";
import { walkSourceTree } from "./sourceTree";

// App Engine's limits table: 10,000 files in total, 1,000 per directory, 32 MB per file, 150 MB in all.
// Checked for apps that carry an app.yaml. Version-control folders are not uploaded, so not counted.

export interface AppFileLimits { totalFiles: number; filesPerDirectory: number; fileBytes: number; totalBytes: number }

/** Walks the source directory (links that leave it are refused) and checks App Engine's limits. */
export function checkAppFileLimits(root: string, resource: string, limits: AppFileLimits = APP_FILE_LIMITS): void {
    let totalFiles = 0;
    let totalBytes = 0;
    walkSourceTree(root, resource, {
        directory(rel, entries) {
            if (entries > limits.filesPerDirectory) {
                throw new ConfigError(resource, "source", `${entries} entries in directory ${rel}`, `at most ${limits.filesPerDirectory} files per directory (App Engine limit)`);
            }
        },
        file(rel, size) {
            if (size > limits.fileBytes) {
                throw new ConfigError(resource, "source", `${rel} of ${mb(size)}`, `files of at most ${mb(limits.fileBytes)} (App Engine limit)`);
            }
            totalFiles += 1;
            totalBytes += size;
            if (totalFiles > limits.totalFiles) {
                throw new ConfigError(resource, "source", `more than ${limits.totalFiles} files`, `at most ${limits.totalFiles} files in all (App Engine limit)`);
            }
            if (totalBytes > limits.totalBytes) {
                throw new ConfigError(resource, "source", `more than ${mb(limits.totalBytes)} of files`, `at most ${mb(limits.totalBytes)} in all (App Engine limit)`);
            }
        },
    });
}

function mb(bytes: number): string {
    const MB = 1024 * 1024;
    if (bytes < MB) return `${bytes} bytes`;
    return `${(bytes / MB).toFixed(bytes % MB === 0 ? 0 : 1)} MB`;
}
