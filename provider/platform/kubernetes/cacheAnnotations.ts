// What a LeanCache instance's Service says about it, for tools that find it by the names users know
// (`cloudengine cache proxy NAME`): annotations, since the names are free text that labels cannot hold.
export const CACHE_ANNOTATIONS = {
    /** REDIS_URL_<NAME>'s NAME. */
    cacheName: "cloudengine.io/cache-name",
    /** The LeanCacheInstance's resource name. */
    resourceName: "cloudengine.io/resource-name",
    project: "cloudengine.io/project",
    stack: "cloudengine.io/stack-name",
} as const;

export function cacheAnnotations(o: { envName: string; name: string; project: string; stack: string }): Record<string, string> {
    return {
        [CACHE_ANNOTATIONS.cacheName]: o.envName,
        [CACHE_ANNOTATIONS.resourceName]: o.name,
        [CACHE_ANNOTATIONS.project]: o.project,
        [CACHE_ANNOTATIONS.stack]: o.stack,
    };
}
