import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderEnvironment } from "../../provider/render/environment";

const platform = { appId: "id", appKey: "k", masterKey: "m", env: "production" as const, port: 3000, apiServer: "https://api", group: "web", region: "CN", versionTag: "v1", timezone: "Asia/Shanghai" };

describe("environment precedence", () => {
    it("platform variables first in a fixed order, then groups in order, then own variables, sorted", () => {
        const entries = renderEnvironment({
            platform,
            caches: [{ name: "B", url: "redis://b" }, { name: "A", url: "redis://a" }],
            groups: [{ X: "g1", Y: "g1" }, { Y: "g2", Z: "g2" }],
            own: { Z: "own", W: "own" },
        });
        const names = entries.map(([n]) => n);
        assert.deepEqual(names.slice(0, 9), ["LEANCLOUD_APP_ID", "LEANCLOUD_APP_KEY", "LEANCLOUD_APP_MASTER_KEY", "LEANCLOUD_APP_ENV", "LEANCLOUD_APP_PORT", "LEANCLOUD_API_SERVER", "LEANCLOUD_APP_GROUP", "LEANCLOUD_REGION", "LEANCLOUD_VERSION_TAG"]);
        assert.deepEqual(names.slice(9, 15), ["LC_APP_ID", "LC_APP_KEY", "LC_APP_MASTER_KEY", "LC_APP_ENV", "LC_APP_PORT", "LC_API_SERVER"]);
        assert.deepEqual(names.slice(15), ["REDIS_URL_B", "REDIS_URL_A", "TZ", "W", "X", "Y", "Z"]);
        const env = Object.fromEntries(entries);
        assert.deepEqual([env.X, env.Y, env.Z, env.W], ["g1", "g2", "own", "own"]);
        assert.equal(env.LEANCLOUD_APP_PORT, "3000");
    });

    it("keeps values as given (secrets stay the caller's objects)", () => {
        const secret = { secret: true };
        const env = Object.fromEntries(renderEnvironment<unknown>({ platform: { ...platform, masterKey: secret }, caches: [], groups: [], own: {} }));
        assert.equal(env.LEANCLOUD_APP_MASTER_KEY, secret);
        assert.equal(env.LC_APP_MASTER_KEY, secret);
    });
});
