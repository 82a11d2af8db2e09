import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { componentProvider } from "../../provider/componentProvider";
import { LeanCacheInstance } from "../../provider";
import { serveOwnResourcesFromPlugin } from "../../provider/components/ownResource";
import { DYNAMIC, run } from "../mocks";

// The package's own resources (generated secrets and certificates, Docker releases) are dynamic
// resources in TypeScript programs and the cloudengine plugin's own resources in the component
// provider, which then serves their create/diff/update/delete with the same implementations.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc");
const secretUrn = "urn:pulumi:dev::app::cloudengine:index:LeanCacheInstance$cloudengine:index:GeneratedSecret::c-password";
const certificateUrn = "urn:pulumi:dev::app::cloudengine:index:Domain$cloudengine:index:GeneratedCertificate::d-certificate";
const volumeSizeUrn = "urn:pulumi:dev::app::cloudengine:index:LeanCacheInstance$cloudengine:index:VolumeSize::c-volume-size";
const siteUrn = "urn:pulumi:dev::app::cloudengine:index:Domain$cloudengine:index:GatewaySite::www";
const wrappedSecret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

describe("own resources served by the plugin", () => {
    it("a generated secret: created once, kept by diff and update (also when the engine sends it wrapped as a secret), replaced for a new length", async () => {
        const created = await componentProvider.create!(secretUrn, { bytes: 24 });
        assert.match(created.outs.value, /^[0-9a-f]{48}$/);
        const olds = { bytes: 24, value: wrappedSecret(created.outs.value) };
        assert.deepEqual(await componentProvider.diff!(created.id, secretUrn, olds, { bytes: 24 }), { changes: false });
        assert.deepEqual((await componentProvider.diff!(created.id, secretUrn, olds, { bytes: 16 })).replaces, ["bytes"]);
        assert.equal((await componentProvider.update!(created.id, secretUrn, olds, { bytes: 24 })).outs.value, created.outs.value);
    });

    it("a gateway site: new content is loaded in place, another gateway container or site id is a new site, the same content is no change", async () => {
        const site = { host: "unix:///var/run/docker.sock", what: 'Domain "www"', container: "c0ffee", siteId: "domain-www", conf: "server {}\n", certificate: "CERT", privateKey: "KEY" };
        const olds = { ...site, privateKey: wrappedSecret("KEY") };
        assert.deepEqual(await componentProvider.diff!("c0ffee/domain-www", siteUrn, olds, site), { changes: false });
        assert.deepEqual(await componentProvider.diff!("c0ffee/domain-www", siteUrn, olds, { ...site, privateKey: "OTHER" }), { changes: true });
        assert.deepEqual(await componentProvider.diff!("c0ffee/domain-www", siteUrn, olds, { ...site, conf: "server { }\n" }), { changes: true });
        const moved = await componentProvider.diff!("c0ffee/domain-www", siteUrn, olds, { ...site, container: "beef" });
        assert.deepEqual([moved.changes, moved.replaces, moved.deleteBeforeReplace], [true, ["container"], false]);
        assert.deepEqual((await componentProvider.diff!("c0ffee/domain-www", siteUrn, olds, { ...site, siteId: "domain-web" })).replaces, ["siteId"]);
    });

    it("a generated certificate for the hostname", async () => {
        const created = await componentProvider.create!(certificateUrn, { hostname: "www.example.com", days: 825 });
        assert.match(created.outs.certificate, /-----BEGIN CERTIFICATE-----/);
        assert.match(created.outs.privateKey, /PRIVATE KEY-----/);
    });

    it("a volume size grows with a larger request and keeps its size for a smaller one (a claim cannot shrink)", async () => {
        const created = await componentProvider.create!(volumeSizeUrn, { requestedMiB: 1536, sizeMiB: 1536 });
        assert.deepEqual(created.outs, { requestedMiB: 1536, sizeMiB: 1536 });
        assert.deepEqual(await componentProvider.diff!(created.id, volumeSizeUrn, created.outs, { requestedMiB: 1024, sizeMiB: 1024 }), { changes: false });
        assert.deepEqual(await componentProvider.diff!(created.id, volumeSizeUrn, created.outs, { requestedMiB: 1536, sizeMiB: 1536 }), { changes: false });
        assert.deepEqual(await componentProvider.diff!(created.id, volumeSizeUrn, created.outs, { requestedMiB: 3072, sizeMiB: 3072 }), { changes: true });
        assert.deepEqual((await componentProvider.update!(created.id, volumeSizeUrn, created.outs, { requestedMiB: 3072, sizeMiB: 3072 })).outs, { requestedMiB: 3072, sizeMiB: 3072 });
        // An update for another reason (a newer package) never shrinks it either.
        assert.deepEqual((await componentProvider.update!(created.id, volumeSizeUrn, { requestedMiB: 6144, sizeMiB: 6144 }, { requestedMiB: 3072, sizeMiB: 3072 })).outs, { requestedMiB: 3072, sizeMiB: 6144 });
    });

    it("an unknown type is an error, not a guess", async () => {
        await assert.rejects(componentProvider.create!("urn:pulumi:dev::app::cloudengine:index:Nope::x", {}), /unknown resource type cloudengine:index:Nope/);
    });

    it("components register them as dynamic resources in a program, as the plugin's own type in the plugin", async () => {
        const inProgram = await run(() => new LeanCacheInstance("c"));
        assert.deepEqual(inProgram.filter((r) => r.custom && r.name === "c-password").map((r) => r.type), [DYNAMIC]);
        serveOwnResourcesFromPlugin();
        const inPlugin = await run(() => new LeanCacheInstance("c"));
        const password = inPlugin.filter((r) => r.name === "c-password");
        assert.deepEqual(password.map((r) => [r.type, r.additionalSecretOutputs]), [["cloudengine:index:GeneratedSecret", ["value"]]]);
    });
});
