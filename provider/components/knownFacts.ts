import { AppEnvironment } from "../config/spec";

// Facts about a component kept as plain values beside it, so another component can check its
// arguments against them before it registers anything (everyone else sees Outputs). Components
// record them when they are constructed; the component provider learns those of rehydrated
// references from state.

export interface KnownFact<T> {
    remember(component: object, value: T): void;
    /** The value when known without waiting for the engine. */
    known(component: unknown): T | undefined;
}

function knownFact<T>(): KnownFact<T> {
    const values = new WeakMap<object, T>();
    return {
        remember: (component, value) => void values.set(component, value),
        known: (component) => (typeof component === "object" && component !== null ? values.get(component) : undefined),
    };
}

/** A LeanCacheInstance's REDIS_URL_<NAME> suffix. */
export const cacheName = knownFact<string>();
/** The environments an EngineApp runs. */
export const appEnvironments = knownFact<AppEnvironment[]>();

/** Two caches that would both set REDIS_URL_<NAME>: the first duplicated name, if any. */
export function duplicateCacheName(caches: unknown[], sharedNames: string[] = []): string | undefined {
    const seen = new Set<string>();
    for (const name of [...caches.map((cache) => cacheName.known(cache)), ...sharedNames]) {
        if (name === undefined) continue;
        if (seen.has(name)) return name;
        seen.add(name);
    }
    return undefined;
}
