// .dockerignore handling as the provider does it (pulumi-docker v4.11.2 provider/provider.go
// getIgnorePatterns, provider/image.go dockerBuild): `<Dockerfile>.dockerignore` wins over the context's
// `.dockerignore`; patterns follow moby/patternmatcher (ignorefile.ReadAll, Pattern.compile,
// MatchesOrParentMatches); the build files themselves are kept (build.TrimBuildFilesFromExcludes).
import * as fs from "fs";
import * as path from "path";

/** Patterns from `<dockerfile>.dockerignore`, else `<context>/.dockerignore`, else none. */
export function readIgnorePatterns(dockerfile: string, context: string): string[] {
    for (const candidate of [`${dockerfile}.dockerignore`, path.join(context, ".dockerignore")]) {
        if (fs.existsSync(candidate)) return parseIgnoreFile(fs.readFileSync(candidate, "utf8"));
    }
    return [];
}

/** moby/patternmatcher/ignorefile.ReadAll. */
export function parseIgnoreFile(text: string): string[] {
    const out: string[] = [];
    for (let line of text.replace(/^\uFEFF/, "").split("\n")) {
        line = line.replace(/\r$/, "");
        if (line.startsWith("#")) continue;
        let pattern = line.trim();
        if (pattern === "") continue;
        let invert = false;
        if (pattern.startsWith("!")) {
            invert = true;
            pattern = pattern.slice(1).trim();
        }
        if (pattern.length > 0) {
            pattern = path.posix.normalize(pattern).replace(/\/+$/, "") || ".";
            if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
        }
        out.push(invert ? `!${pattern}` : pattern);
    }
    return out;
}

interface Compiled {
    exclusion: boolean;
    regexp: RegExp;
}

export class IgnoreMatcher {
    private readonly patterns: Compiled[];
    readonly hasExclusions: boolean;

    constructor(patterns: string[]) {
        this.patterns = patterns.filter((p) => p !== "" && p !== "!").map((p) => {
            const exclusion = p.startsWith("!");
            return { exclusion, regexp: compile(exclusion ? p.slice(1) : p) };
        });
        this.hasExclusions = this.patterns.some((p) => p.exclusion);
    }

    /** patternmatcher.MatchesOrParentMatches: a path is ignored if it or a parent directory matches. */
    matches(file: string): boolean {
        let matched = false;
        const parent = path.posix.dirname(file);
        const parentDirs = parent.split("/");
        for (const p of this.patterns) {
            if (p.exclusion !== matched) continue;
            let match = p.regexp.test(file);
            if (!match && parent !== ".") {
                for (let i = 0; i < parentDirs.length && !match; i++) match = p.regexp.test(parentDirs.slice(0, i + 1).join("/"));
            }
            if (match) matched = !p.exclusion;
        }
        return matched;
    }
}

/** patternmatcher Pattern.compile (regexp form). */
function compile(pattern: string): RegExp {
    let re = "^";
    for (let i = 0; i < pattern.length; i++) {
        const ch = pattern[i];
        if (ch === "*") {
            if (pattern[i + 1] === "*") {
                i++;
                if (pattern[i + 1] === "/") i++;
                re += i + 1 >= pattern.length ? ".*" : "(.*/)?";
            } else {
                re += "[^/]*";
            }
        } else if (ch === "?") {
            re += "[^/]";
        } else if (".+()|{}$^".includes(ch)) {
            re += `\\${ch}`;
        } else if (ch === "\\") {
            i++;
            if (i < pattern.length) re += /[A-Za-z0-9]/.test(pattern[i]) ? pattern[i] : `\\${pattern[i]}`;
        } else {
            re += ch;
        }
    }
    return new RegExp(re + "$");
}
