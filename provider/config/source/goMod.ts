import { ConfigError } from "../errors";
import { LATEST_STABLE_GO } from "../spec";

// "Cloud Engine will use the Go version specified in go.mod: go 1.14".
// A `toolchain goX.Y.Z` line wins, since that is what the go command itself would use.

const GO_LINE = /^go\s+(\d+)\.(\d+)(?:\.(\d+))?(?:rc\d+|beta\d+)?\s*(?:\/\/.*)?$/;
const TOOLCHAIN_LINE = /^toolchain\s+go(\d+)\.(\d+)(?:\.(\d+))?\S*\s*(?:\/\/.*)?$/;

export interface GoModInfo {
    module?: string;
    /** "major.minor" of the Go toolchain to build with. */
    goVersion: string;
    /** True when go.mod had no go line and the latest stable version was chosen. */
    defaulted: boolean;
}

export function parseGoMod(text: string, resource: string): GoModInfo {
    let goVersion: string | undefined;
    let toolchain: string | undefined;
    let module: string | undefined;
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
        const line = raw.trim();
        if (line.startsWith("module ")) module = line.slice(7).trim().replace(/^"|"$/g, "");
        else if (/^go\s/.test(line) || line === "go") {
            const m = GO_LINE.exec(line);
            if (!m) throw new ConfigError(resource, `go.mod line ${index + 1}`, line, "a go directive such as go 1.22 or go 1.22.3");
            goVersion = `${m[1]}.${m[2]}`;
        } else if (line.startsWith("toolchain")) {
            const m = TOOLCHAIN_LINE.exec(line);
            if (!m) throw new ConfigError(resource, `go.mod line ${index + 1}`, line, "a toolchain directive such as toolchain go1.22.3");
            toolchain = `${m[1]}.${m[2]}`;
        }
    }
    if (module === undefined) throw new ConfigError(resource, "go.mod", "no module line", "a go.mod starting with module <path>");
    const chosen = toolchain ?? goVersion;
    return { module, goVersion: chosen ?? LATEST_STABLE_GO, defaulted: chosen === undefined };
}

/**
 * The official golang image to build with. Images from Go 1.20 on are built on Debian bookworm,
 * the runtime image's release, so cgo binaries find the same glibc; older ones on older Debian.
 */
export function goBuilderImage(goVersion: string): string {
    const minor = Number(goVersion.split(".")[1]);
    const distro = minor >= 20 ? "bookworm" : minor >= 16 ? "bullseye" : "buster";
    return `golang:${goVersion}-${distro}`;
}
