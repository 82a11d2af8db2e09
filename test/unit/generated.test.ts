import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPrivateKey, X509Certificate } from "crypto";
import { certificateProvider } from "../../provider/components/generatedCertificate";
import { secretProvider } from "../../provider/components/generatedSecret";

// The dynamic providers' create runs for real here (the engine would run the same code).

describe("generated values", () => {
    it("a generated secret is random hex of the requested length", async () => {
        const a = await secretProvider.create({ bytes: 16 });
        const b = await secretProvider.create({ bytes: 16 });
        assert.match(a.outs.value, /^[0-9a-f]{32}$/);
        assert.notEqual(a.outs.value, b.outs.value);
        assert.notEqual(a.id, b.id);
    });

    it("a generated secret survives any change but its length (such as a newer package's provider code)", async () => {
        const { outs } = await secretProvider.create({ bytes: 16 });
        assert.deepEqual(await secretProvider.diff!("id", { ...outs, __provider: "old code" }, { bytes: 16, __provider: "new code" }), { changes: false });
        assert.deepEqual((await secretProvider.update!("id", outs, { bytes: 16 })).outs, outs);
        assert.deepEqual(await secretProvider.diff!("id", outs, { bytes: 32 }), { changes: true, replaces: ["bytes"], deleteBeforeReplace: false });
    });

    it("a generated certificate is kept until its hostname changes", async () => {
        const olds = { hostname: "a.example.test", days: 825, certificate: "CERT", privateKey: "KEY" };
        assert.deepEqual(await certificateProvider.diff!("id", olds, { hostname: "a.example.test", days: 900 }), { changes: false });
        assert.deepEqual((await certificateProvider.update!("id", olds, { hostname: "a.example.test", days: 900 })).outs, { ...olds, days: 900 });
        assert.deepEqual((await certificateProvider.diff!("id", olds, { hostname: "b.example.test", days: 825 })).replaces, ["hostname"]);
    });

    it("a generated certificate is a valid self-signed X.509 for the hostname, with its matching key", async () => {
        const { id, outs } = await certificateProvider.create({ hostname: "www.example.test", days: 825 });
        const cert = new X509Certificate(outs.certificate);
        assert.match(cert.subject, /CN=www\.example\.test/);
        assert.match(cert.subjectAltName ?? "", /DNS:www\.example\.test/);
        assert.ok(cert.checkPrivateKey(createPrivateKey(outs.privateKey)));
        assert.ok(cert.checkHost("www.example.test"));
        assert.ok(new Date(cert.validTo).getTime() - Date.now() > 800 * 24 * 3600 * 1000);
        assert.ok(id);
    });
});
