import { ConfigError } from "./errors";
import { DEPRECATED_ALIASES, PLATFORM_VARIABLES, REDIS_URL_PREFIX } from "./spec";

// Names the platform sets. Users cannot override them: a collision is an error, not a silent loss.
const RESERVED = new Set<string>([...PLATFORM_VARIABLES, ...Object.keys(DEPRECATED_ALIASES), "TZ", "HOME"]);
const RESERVED_PREFIXES = ["LEANCLOUD_", REDIS_URL_PREFIX, "CLOUDENGINE_"];

export function isReserved(name: string): boolean {
    return RESERVED.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p));
}

export function checkUserVariables(names: Iterable<string>, resource: string, field: string): void {
    for (const name of names) {
        if (isReserved(name)) {
            throw new ConfigError(resource, `${field}.${name}`, name, `a name the platform does not set: not ${RESERVED_PREFIXES.map((p) => p + "*").join(", ")}, ${Object.keys(DEPRECATED_ALIASES).join(", ")}, TZ or HOME (use the timezone argument for TZ)`);
        }
    }
}
