// Which LeanCache instance a developer asks the cloudengine command for, on either platform.

export interface CacheQuery {
    /** REDIS_URL_<NAME>'s NAME, or the LeanCacheInstance's resource name. */
    name: string;
    project?: string;
    stack?: string;
}

/** The query as messages show it: `CACHE`, or `CACHE in shop/any stack`. */
export function queryText(q: CacheQuery): string {
    return `${q.name}${q.project || q.stack ? ` in ${q.project ?? "any project"}/${q.stack ?? "any stack"}` : ""}`;
}
