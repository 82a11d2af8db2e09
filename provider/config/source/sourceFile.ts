import * as fs from "fs";
import * as path from "path";
import { ConfigError, GivenText } from "../errors";

// Every file the package reads from a user's source directory goes through here: it must be a regular
// file inside the directory (also after symlinks), no larger than its cap, and UTF-8 text. A few lines
// of input must never cost seconds or gigabytes, and nothing from the deploying machine outside the
// source directory may be read.

/** Caps per file the package parses (the spec's files are a few lines; go.mod lists dependencies). */
export const SOURCE_FILE_MAX_BYTES: Record<string, number> = {
    "leanengine.yaml": 64 * 1024,
    "app.yaml": 64 * 1024,
    "go.mod": 1024 * 1024,
};

/** The file's text, or undefined when it does not exist. */
export function readSourceText(root: string, name: string, resource: string): string | undefined {
    const file = path.join(root, name);
    let stat: fs.Stats;
    try {
        stat = fs.lstatSync(file);
    } catch {
        return undefined;
    }
    let real: string;
    try {
        real = fs.realpathSync(file);
    } catch {
        throw new ConfigError(resource, name, new GivenText(`a link to ${fs.readlinkSync(file)}, which does not resolve (its target is missing, or links form a loop)`), "a regular file inside the source directory");
    }
    const realRoot = fs.realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        throw new ConfigError(resource, name, new GivenText(`a link to ${real}`), `a file inside the source directory ${realRoot}`);
    }
    if (stat.isSymbolicLink()) stat = fs.statSync(file);
    if (!stat.isFile()) throw new ConfigError(resource, name, new GivenText(`a ${stat.isDirectory() ? "directory" : "special file"}`), "a regular file");
    const max = SOURCE_FILE_MAX_BYTES[name] ?? 64 * 1024;
    if (stat.size > max) throw new ConfigError(resource, name, new GivenText(`a file of ${stat.size} bytes`), `at most ${max} bytes (${name} is a short configuration file)`);
    const bytes = fs.readFileSync(file);
    // ignoreBOM keeps a byte-order mark in the text: YAML allows one, the go command refuses one in go.mod.
    try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
        throw new ConfigError(resource, name, new GivenText("bytes that are not UTF-8 text"), "a UTF-8 text file");
    }
}
