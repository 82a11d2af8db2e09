// App Engine parity on the local Docker engine: an app with two versions built from source, App Engine's
// limits and subdomains, behind the gateway on 127.0.0.1 with a real country database (Debian's MaxMind
// GeoIP.dat). Each version answers at its own URL, any one-label subdomain reaches the app with its Host,
// the 32 MB limits hold at the byte, clients get X-AppEngine-Country as the database says, and switching
// the default version under a bounded load (~50 requests a second) fails no request and restarts nothing.
//
// Run: npx tsc -p . && node --test --test-concurrency=1 bin/test/e2e/appEngine.test.js
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import * as path from "path";
import { describeFailures, LoadSample, summarize } from "../../bench/rollout/load";
import { EngineApp, Gateway } from "../../provider";
import { APPENGINE_REQUEST_BODY_MAX_BYTES, APPENGINE_RESPONSE_MAX_BYTES } from "../../provider/render/proxy/limits";
import { geoipLookup, requireCountryDatabase } from "../support/countryDatabase";
import { Echo, LoopbackClient } from "../support/httpClient";
import { DockerHarness, eventually, prepareE2E, repoRoot, upUnderLoad } from "./harness";

const APP = "gae.localhost";
const INSTANCES = ["gae-v1-production-0", "gae-v2-production-0"];
const RATE = 50;
const LEAD_MS = 3_000;
const TAIL_MS = 4_000;
/**
 * Clients with public addresses, each on a Docker network of the test's own that the gateway joins: a
 * country (GB in Debian's database) and a region of the legacy format that is not a country (EU).
 */
const PUBLIC_CLIENTS = [
    { network: "ce-e2e-country-a", subnet: "81.2.69.0/24", gateway: "81.2.69.2", client: "81.2.69.160" },
    { network: "ce-e2e-country-b", subnet: "2.16.0.0/24", gateway: "2.16.0.2", client: "2.16.0.160" },
];

describe("App Engine parity: versions, subdomains and limits on the local Docker engine", { timeout: 25 * 60_000 }, () => {
    const harness = new DockerHarness({ stack: "e2e-app-engine" });
    const source = path.join(repoRoot(), "test", "fixtures", "echoapp");
    let httpPort = 0;
    let httpsPort = 0;
    let web: LoopbackClient;

    const program = (defaultVersion: string) => () => {
        const gateway = new Gateway("edge", { listenAddress: "127.0.0.1", httpPort, httpsPort, countryDatabase: requireCountryDatabase() });
        const app = new EngineApp("gae", {
            versions: { v1: { source }, v2: { source } },
            defaultVersion,
            limits: "appengine",
            gateway,
            startupTimeout: 15,
        });
        return { url: app.url, versionUrls: app.versionUrls, versionTag: app.versionTag };
    };
    const home = (hostname: string) => web.request({ hostname, path: "/" });
    const echo = async (hostname: string): Promise<Echo> => {
        const r = await web.request({ hostname, path: "/request" });
        assert.equal(r.status, 200, `${hostname}: ${r.text}`);
        return JSON.parse(r.text);
    };

    before(async () => {
        ({ httpPort, httpsPort } = await prepareE2E());
        web = new LoopbackClient({ http: httpPort, https: httpsPort });
        const first = await harness.up(program("v2"));
        assert.equal(first.outputs.versionTag, "v2");
        assert.deepEqual(first.outputs.versionUrls, { v1: `http://v1.latest.${APP}:${httpPort}`, v2: `http://v2.latest.${APP}:${httpPort}` });
        await eventually(async () => assert.equal((await home(APP)).status, 200), { timeoutMs: 30_000, intervalMs: 100 });
    });

    after(async () => {
        await harness.destroy();
    });

    it("each version answers at <version>.latest.<app>.<domain> as itself; the app's hostname is the default version", async () => {
        for (const version of ["v1", "v2"]) {
            const r = await home(`${version}.latest.${APP}`);
            assert.equal(r.status, 200);
            assert.equal(r.text, `echoapp production ${version}\n`);
        }
        assert.equal((await home(APP)).text, "echoapp production v2\n");
    });

    it("any one-label subdomain reaches the app, of the app or of a version, and the app sees the Host it was called with", async () => {
        for (const [hostname, version] of [[`shop.${APP}`, "v2"], [`x-1.v1.latest.${APP}`, "v1"], [`x-1.v2.latest.${APP}`, "v2"]] as const) {
            assert.equal((await home(hostname)).text, `echoapp production ${version}\n`, hostname);
            assert.equal((await echo(hostname)).host, `${hostname}:${httpPort}`);
        }
        // One label only, as App Engine's subdomains ("any string allowed in one part of a domain name").
        assert.equal((await home(`a.b.${APP}`)).status, 404);
    });

    it("limits appengine: a request body of exactly 32 MB reaches the app, one byte more is 413; a response of exactly 32 MB arrives whole, one byte more is 500", { timeout: 120_000 }, async (t) => {
        const over = await web.streamBody(APP, "/upload", APPENGINE_REQUEST_BODY_MAX_BYTES + 1, 4 * 1024 * 1024);
        assert.equal(over.status, 413);
        const at = await web.streamBody(APP, "/upload", APPENGINE_REQUEST_BODY_MAX_BYTES, APPENGINE_REQUEST_BODY_MAX_BYTES);
        assert.equal(at.status, 200, at.text);
        assert.equal(JSON.parse(at.text).bytes, APPENGINE_REQUEST_BODY_MAX_BYTES);
        const fits = await web.request({ hostname: APP, path: `/bytes?n=${APPENGINE_RESPONSE_MAX_BYTES}`, timeoutMs: 60_000 });
        assert.equal(fits.status, 200);
        assert.equal(fits.body.length, APPENGINE_RESPONSE_MAX_BYTES);
        const tooLarge = await web.request({ hostname: APP, path: `/bytes?n=${APPENGINE_RESPONSE_MAX_BYTES + 1}`, timeoutMs: 60_000 });
        assert.equal(tooLarge.status, 500);
        t.diagnostic(`32 MB request ${at.ms} ms, 32 MB response ${fits.ms} ms; one byte over: ${over.status} and ${tooLarge.status}`);
    });

    it("X-AppEngine-Country: the client's country as the database holds it, absent where it holds none or a region; a client's own never passes", { timeout: 120_000 }, async (t) => {
        // From 127.0.0.1 the gateway sees Docker's proxy on a private address: no country, and the forged one is gone.
        const local = await echo(APP);
        const forged = await web.request({ hostname: APP, path: "/request", headers: { "X-AppEngine-Country": "ZZ" } });
        assert.equal(local.headers["X-Appengine-Country"], undefined);
        assert.equal(JSON.parse(forged.text).headers["X-Appengine-Country"], undefined, "a client's own header is dropped");

        const gateway = harness.container("edge").id;
        const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 60_000 });
        const cleanup = () => {
            for (const p of PUBLIC_CLIENTS) {
                try { docker("network", "disconnect", "-f", p.network, gateway); } catch { /* not connected */ }
                try { docker("network", "rm", p.network); } catch { /* not there */ }
            }
        };
        cleanup();
        let countries = 0;
        let regions = 0;
        try {
            for (const p of PUBLIC_CLIENTS) {
                docker("network", "create", "--subnet", p.subnet, p.network);
                docker("network", "connect", "--ip", p.gateway, p.network, gateway);
                const expected = geoipLookup(p.client);
                // A raw HTTP/1.0 request from bash (the base image has no HTTP client), with a forged header.
                const script = `exec 3<>/dev/tcp/${p.gateway}/80 && printf 'GET /request HTTP/1.0\r\nHost: ${APP}\r\nX-AppEngine-Country: ZZ\r\n\r\n' >&3 && cat <&3`;
                const reply = docker("run", "--rm", "--network", p.network, "--ip", p.client, "debian:bookworm-slim", "bash", "-c", script);
                const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as Echo;
                assert.deepEqual(body.headers["X-Real-Ip"], [p.client], "the gateway saw the client's public address");
                const sent = body.headers["X-Appengine-Country"];
                t.diagnostic(`${p.client}: geoiplookup says ${expected ?? "nothing"}; the app got ${JSON.stringify(sent)}`);
                assert.ok(expected !== undefined, `the database holds ${p.client} (the test needs a known address)`);
                if (/^[A-Z]{2}$/.test(expected) && !["AP", "EU"].includes(expected)) {
                    assert.deepEqual(sent, [expected]);
                    countries++;
                } else {
                    assert.equal(sent, undefined, `${expected} is not a country: no header`);
                    regions++;
                }
            }
            assert.deepEqual([countries, regions], [1, 1], "one client from a country, one from a region");
        } finally {
            cleanup();
        }
    });

    it("switching the default version under load moves every answer to it with 0 failed requests, and restarts no instance", { timeout: 10 * 60_000 }, async (t) => {
        const ids = new Map(INSTANCES.map((n) => [n, harness.container(n).id]));
        const { result, samples, upStart, upEnd } = await upUnderLoad(harness, program("v1"),
            { url: `http://127.0.0.1:${httpPort}/`, host: APP, ratePerSecond: RATE, keepAliveShare: 0.5, timeoutMs: 30_000, maxDurationMs: 120_000 },
            { leadMs: LEAD_MS, tailMs: TAIL_MS });

        const s = summarize(samples, ok);
        t.diagnostic(`up took ${((upEnd - upStart) / 1000).toFixed(1)}s: ${result.changes.map((c) => `${c.op} ${c.name}`).join(", ")}`);
        t.diagnostic(`load: ${s.requests} requests at ${s.rate.toFixed(1)}/s (keep-alive ${s.keepAlive.requests}, new connection ${s.fresh.requests}); failed ${s.failed}; p99 ${s.p99.toFixed(1)} ms`);
        assert.ok(s.rate >= RATE * 0.9 && s.rate <= RATE * 1.1, `load rate ${s.rate.toFixed(1)}/s`);
        assert.ok(samples[0].at <= upStart && samples[samples.length - 1].at >= upEnd, "the load covered the whole switch");
        assert.equal(s.failed, 0, `failed requests during the switch: ${describeFailures(samples, upStart, ok)}`);

        const version = (x: LoadSample) => /^echoapp production (v[12])\n$/.exec(x.body)![1];
        assert.ok(samples.filter((x) => x.at < upStart).every((x) => version(x) === "v2"), "before the switch every answer is v2");
        const late = samples.filter((x) => x.at >= upEnd + 1_500);
        assert.ok(late.length > 0 && late.every((x) => version(x) === "v1"), `after the switch only v1 answers (${late.filter((x) => version(x) !== "v1").length} of ${late.length} were not)`);

        // Only the routing of the app's hostname changed; every instance is the container it was.
        assert.deepEqual(result.changes.map((c) => `${c.op} ${c.name}`), ["update gae-default-site"]);
        for (const [name, id] of ids) assert.equal(harness.container(name).id, id, `${name} was not replaced`);
        for (const [name, id] of ids) {
            const state = (await harness.docker.getContainer(id).inspect()).State;
            assert.ok(state.Running && Date.parse(state.StartedAt) < upStart, `${name} kept running since before the switch (started ${state.StartedAt})`);
        }
        assert.equal(result.outputs.versionTag, "v1");
    });
});

function ok(s: LoadSample): boolean {
    return s.status === 200 && /^echoapp production v[12]\n$/.test(s.body);
}
