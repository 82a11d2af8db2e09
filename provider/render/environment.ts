import { AppEnvironment, DEPRECATED_ALIASES, REDIS_URL_PREFIX } from "../config/spec";

// The environment every instance receives, in the documented precedence:
//   platform variables (LEANCLOUD_*, LC_* aliases, REDIS_URL_<NAME>, TZ) — reserved, never overridden;
//   then each linked EnvGroup in order (a later group overrides an earlier one);
//   then the app's own variables (they override the groups).
// Generic over the value type so secrets stay whatever the caller passed (Outputs); no Pulumi here.

export interface PlatformValues<V> {
    appId: V;
    appKey: V;
    masterKey: V;
    env: AppEnvironment;
    port: number;
    apiServer: string;
    group: string;
    region: string;
    versionTag: V;
    timezone: string;
}

export interface EnvironmentParts<V> {
    platform: PlatformValues<V>;
    caches: { name: string; url: V }[];
    groups: Record<string, V>[];
    own: Record<string, V>;
}

export type EnvEntry<V> = [name: string, value: V | string];

export function renderEnvironment<V>(parts: EnvironmentParts<V>): EnvEntry<V>[] {
    const p = parts.platform;
    const platform: Record<string, V | string> = {
        LEANCLOUD_APP_ID: p.appId,
        LEANCLOUD_APP_KEY: p.appKey,
        LEANCLOUD_APP_MASTER_KEY: p.masterKey,
        LEANCLOUD_APP_ENV: p.env,
        LEANCLOUD_APP_PORT: String(p.port),
        LEANCLOUD_API_SERVER: p.apiServer,
        LEANCLOUD_APP_GROUP: p.group,
        LEANCLOUD_REGION: p.region,
        LEANCLOUD_VERSION_TAG: p.versionTag,
    };
    for (const [alias, target] of Object.entries(DEPRECATED_ALIASES)) platform[alias] = platform[target];
    for (const cache of parts.caches) platform[`${REDIS_URL_PREFIX}${cache.name}`] = cache.url;
    platform.TZ = p.timezone;

    const user: Record<string, V> = {};
    for (const group of parts.groups) Object.assign(user, group);
    Object.assign(user, parts.own);

    // Platform entries first in a fixed order, then user entries sorted: same input, same list.
    return [...Object.entries(platform), ...Object.entries(user).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];
}
