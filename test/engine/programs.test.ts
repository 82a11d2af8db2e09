import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { componentSteps, LANGUAGES, Spec, withDriver, withPythonRuntimeTracebacksOnly } from "./programs";
import { assertNoStackTrace, pulumiOk } from "./support";

describe("invalid arguments fail the preview with the package's error", () => {
    for (const [label, make] of LANGUAGES) {
        it(`${label}: a LeanCacheInstance with capacity 3G, an EnvGroup with a bad variable name, an EngineApp with 0 instances`, async () => {
            await withDriver(`invalid-${label}`, make, async (driver) => {
                const cache = await driver.preview({ caches: { cache: { capacity: "3G" } } });
                assert.equal(cache.ok, false, `the preview succeeded:\n${cache.log}`);
                assert.ok(cache.log.includes('cloudengine:index:LeanCacheInstance "cache": invalid capacity: got "3G"; allowed: one of "128M", "256M", "512M", "1G", "2G", "4G", "8G"'), cache.log);
                assertNoStackTrace(withPythonRuntimeTracebacksOnly(cache.log));

                const group = await driver.preview({ groups: { bad: { variables: { "1BAD": "x" } } } });
                assert.equal(group.ok, false, `the preview succeeded:\n${group.log}`);
                assert.ok(group.log.includes('cloudengine:index:EnvGroup "bad": invalid variables.1BAD: got "1BAD"; allowed: a variable name: letters, digits and _ , not starting with a digit'), group.log);
                assertNoStackTrace(withPythonRuntimeTracebacksOnly(group.log));

                const app = await driver.preview({ apps: { web: { engineImage: "registry.example.com/team/web:v1", instances: 0 } } });
                assert.equal(app.ok, false, `the preview succeeded:\n${app.log}`);
                assert.ok(app.log.includes('cloudengine:index:EngineApp "web": invalid instances: got 0; allowed: a whole number from 1 to 50'), app.log);
                assertNoStackTrace(withPythonRuntimeTracebacksOnly(app.log));
            });
        });
    }
});

describe("EnvGroups through the engine: preview, up, a clean preview, an update of one group, secrets kept secret", () => {
    for (const [label, make] of LANGUAGES) {
        it(label, async () => {
            await withDriver(`envgroup-${label}`, make, async (driver, sb) => {
                const token = `s3cr3t-${label}-token-value`;
                const spec = (greeting: string): Spec => ({
                    groups: {
                        shared: { variables: { GREETING: greeting }, secrets: { API_TOKEN: token } },
                        other: { variables: { COLOR: "blue" } },
                    },
                });
                const logs: string[] = [];
                const step = async (what: string, result: Promise<{ ok: boolean; log: string; outputs?: Record<string, unknown> }>) => {
                    const r = await result;
                    logs.push(r.log);
                    assert.ok(r.ok, `${what} failed:\n${r.log}`);
                    return r;
                };

                const first = await step("the first preview", driver.preview(spec("hello")));
                assert.deepEqual(componentSteps(first.log), ["create EnvGroup other", "create EnvGroup shared"], first.log);

                const up = await step("up", driver.up(spec("hello")));
                assert.deepEqual(up.outputs, {
                    sharedNames: ["API_TOKEN", "GREETING"],
                    sharedVariables: { GREETING: "hello" },
                    otherNames: ["COLOR"],
                    otherVariables: { COLOR: "blue" },
                });

                const again = await step("the second preview", driver.preview(spec("hello")));
                assert.deepEqual(componentSteps(again.log), [], `the second preview has changes:\n${again.log}`);
                assert.doesNotMatch(again.log, /to (create|update|delete|replace)/, again.log);

                const changed = await step("the preview of a changed variable", driver.preview(spec("hola")));
                assert.deepEqual(componentSteps(changed.log), ["update EnvGroup shared"], changed.log);

                const exported = pulumiOk(sb, sb.work, "stack", "export", "--stack", "dev").stdout;
                const state = JSON.parse(exported);
                const group = state.deployment.resources.find((r: any) => r.type === "cloudengine:index:EnvGroup" && r.urn.endsWith("::shared"));
                assert.ok(group, "the EnvGroup is in the state");
                assert.ok(group.outputs.secrets.ciphertext, "the group's secrets output is encrypted in the state");
                assert.ok(!exported.includes(token), "the secret's plaintext is in the stack export");
                for (const log of logs) assert.ok(!log.includes(token), `the secret's plaintext is in a preview or update log:\n${log}`);
            });
        });
    }
});
