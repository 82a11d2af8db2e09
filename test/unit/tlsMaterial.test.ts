import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "fs";
import { Domain, EngineApp } from "../../provider";
import { ConfigError } from "../../provider/config/errors";
import { checkTlsMaterial } from "../../provider/config/tlsMaterial";
import { DYNAMIC_CERTIFICATE, fixture, ofType, run, tlsFixture } from "../mocks";

// A Domain's certificate and key are checked before anything registers: material that cannot work
// is refused with the field named and without the key in the message; a hostname the certificate
// does not cover is a warning.

const R = 'cloudengine:index:Domain "d"';
const { certificate, privateKey } = tlsFixture();
const otherKey = fs.readFileSync(fixture("tls", "other.key"), "utf8");

function refused(act: () => unknown, field: string, allowed: string | RegExp): ConfigError {
    let thrown: unknown;
    try {
        act();
    } catch (e) {
        thrown = e;
    }
    assert.ok(thrown instanceof ConfigError, `expected a ConfigError, got ${thrown}`);
    assert.equal(thrown.field, field);
    if (typeof allowed === "string") assert.ok(thrown.allowed.includes(allowed), thrown.message);
    else assert.match(thrown.allowed, allowed);
    for (const line of privateKey.split("\n").slice(1, -2)) assert.ok(!thrown.message.includes(line), "the key is never in the message");
    return thrown;
}

describe("TLS material", () => {
    it("a matching, current certificate for the hostname passes without warnings; a wildcard covers subdomains", () => {
        assert.deepEqual(checkTlsMaterial(certificate, privateKey, "example.com", R).warnings, []);
        assert.deepEqual(checkTlsMaterial(certificate, privateKey, "stg-www.example.com", R).warnings, []);
    });

    it("a hostname the certificate does not cover is a warning naming both", () => {
        const [warning] = checkTlsMaterial(certificate, privateKey, "shop.example.org", R).warnings;
        assert.match(warning, /does not cover shop\.example\.org/);
        assert.match(warning, /\*\.example\.com/);
    });

    it("text that is not PEM, a broken PEM block, a key that is not PEM, a key of another certificate: refused", () => {
        refused(() => checkTlsMaterial("not a certificate", privateKey, "example.com", R), "tls.certificate", "-----BEGIN CERTIFICATE-----");
        refused(() => checkTlsMaterial("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", privateKey, "example.com", R), "tls.certificate", "a PEM certificate chain");
        const noPem = refused(() => checkTlsMaterial(certificate, "hunter2-not-a-key", "example.com", R), "tls.privateKey", "a PEM private key");
        assert.ok(!noPem.message.includes("hunter2"), noPem.message);
        refused(() => checkTlsMaterial(certificate, otherKey, "example.com", R), "tls.privateKey", /belongs to another certificate/);
    });

    it("an expired certificate is refused with its end date", () => {
        const e = refused(() => checkTlsMaterial(certificate, privateKey, "example.com", R, new Date("2200-01-01T00:00:00Z")), "tls.certificate", "valid now");
        assert.match(e.message, /expired on 2126-/);
    });

    it("a Domain refuses bad material before it registers anything, and warns about an uncovered hostname", async () => {
        const resources = await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp") });
            assert.throws(() => new Domain("d", { hostname: "a.example.com", app, tls: { certificate: "PEM", privateKey: "hunter2" } }), (e: Error) => e instanceof ConfigError && /tls\.certificate/.test(e.message) && !e.message.includes("hunter2"));
            new Domain("ok", { hostname: "www.example.com", app, tls: { certificate, privateKey } });
        });
        assert.equal(resources.filter((r) => r.name === "d" || r.name.startsWith("d-")).length, 0, "nothing of the refused Domain registered");
        assert.equal(ofType(resources, DYNAMIC_CERTIFICATE).length, 0, "the user's certificate is used, none generated");
    });

    it("IP addresses are not hostnames", async () => {
        await run(() => {
            const app = new EngineApp("web", { source: fixture("goapp") });
            for (const hostname of ["10.0.0.1", "192.168.1.20", "example.123"]) {
                assert.throws(() => new Domain("ip", { hostname, app }), (e: Error) => e instanceof ConfigError && e.message.includes(`got "${hostname}"`) && e.message.includes("not an IP address"));
            }
        });
    });
});
