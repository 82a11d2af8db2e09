import * as fs from "fs";
import * as path from "path";
import { ConfigError, GivenText } from "../errors";

// The build context is the whole source directory: every entry in it goes to the image build. A link
// whose target lies outside the directory would carry a path of the deploying machine into the image
// (or, for tools that follow links, its content), so each one is refused with the file named.

/** Version-control folders are neither uploaded (App Engine) nor walked. */
export const NOT_UPLOADED = new Set([".git", ".hg", ".svn"]);
/** Entries walked at most: a source directory is not a disk (the walk must stay well under a second per 10,000). */
export const MAX_WALKED_ENTRIES = 200_000;

export interface TreeVisitor {
    /** A directory (relative path, "." for the root) with this many entries. */
    directory?(relative: string, entries: number): void;
    /** A regular file (relative path) and its size. */
    file?(relative: string, bytes: number): void;
}

/** Walks the source directory, refusing links that leave it; calls the visitor for what it finds. */
export function walkSourceTree(root: string, resource: string, visitor: TreeVisitor = {}): void {
    const realRoot = fs.realpathSync(root);
    let walked = 0;
    const walk = (dir: string) => {
        const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !NOT_UPLOADED.has(e.name));
        const rel = path.relative(root, dir) || ".";
        visitor.directory?.(rel, entries.length);
        walked += entries.length;
        if (walked > MAX_WALKED_ENTRIES) {
            throw new ConfigError(resource, "source", new GivenText(`a directory of more than ${MAX_WALKED_ENTRIES} entries`), `a source directory of at most ${MAX_WALKED_ENTRIES} files and folders (point source at the app, not at a larger tree)`);
        }
        for (const entry of entries) {
            const full = path.join(dir, entry.name);
            const relative = path.relative(root, full);
            if (entry.isSymbolicLink()) {
                checkLink(full, relative, realRoot, resource);
                continue;
            }
            if (entry.isDirectory()) walk(full);
            else if (entry.isFile()) visitor.file?.(relative, fs.statSync(full).size);
        }
    };
    walk(root);
}

function checkLink(full: string, relative: string, realRoot: string, resource: string): void {
    const target = fs.readlinkSync(full);
    // Where the link points as written (also when it dangles), then where it really ends up.
    const written = path.resolve(fs.realpathSync(path.dirname(full)), target);
    let real = written;
    try {
        real = fs.realpathSync(full);
    } catch {
        // dangling: judged by where it points
    }
    for (const place of [written, real]) {
        if (place !== realRoot && !place.startsWith(realRoot + path.sep)) {
            throw new ConfigError(resource, "source", new GivenText(`${relative}, a link to ${target} (outside the source directory)`), "files and links inside the source directory only: nothing from the deploying machine may reach the image; copy the file in or remove the link");
        }
    }
}
