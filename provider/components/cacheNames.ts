import * as pulumi from "@pulumi/pulumi";

// The REDIS_URL_<NAME> suffix of each LeanCacheInstance, as a plain value beside the component, so
// an EngineApp can refuse two caches with one name before it registers anything (the name is an
// Output to everyone else). Rehydrated references (component provider) learn theirs from state.

const names = new WeakMap<pulumi.Resource, string>();

export function rememberCacheName(cache: pulumi.Resource, name: string): void {
    names.set(cache, name);
}

/** The cache's name when it is known without waiting for the engine. */
export function knownCacheName(cache: unknown): string | undefined {
    return typeof cache === "object" && cache !== null ? names.get(cache as pulumi.Resource) : undefined;
}

/** Two caches that would both set REDIS_URL_<NAME>: the first duplicated name, if any. */
export function duplicateCacheName(caches: unknown[]): string | undefined {
    const seen = new Set<string>();
    for (const cache of caches) {
        const name = knownCacheName(cache);
        if (name === undefined) continue;
        if (seen.has(name)) return name;
        seen.add(name);
    }
    return undefined;
}
