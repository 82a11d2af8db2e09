import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineApp, Gateway } from "../../provider";
import { countryDatabaseProblem } from "../../provider/config/countryDatabase";
import { COUNTRY_DATABASE_PATH, GEOIP_MODULE_PATH } from "../../provider/render/proxy/country";
import { renderLoadBalancerConf } from "../../provider/render/proxy/loadBalancerConf";
import { renderSiteGatewayConf } from "../../provider/render/proxy/siteGatewayConf";
import { buildCountryDatabase, chainCountryDatabase } from "../support/countryDatabase";
import { K8S, kubernetesConfig, kubernetesObjects } from "../kubernetesObjects";
import { CONTAINER, IMAGE, only, run } from "../mocks";

// X-AppEngine-Country: the checks of the database file, what the load balancers are rendered with, and how
// each platform gets the file to them. That nginx answers with what the database holds is
// test/artifact/nginxConf.test.ts (host nginx), test/e2e/appEngine.test.ts and test/k8s/appEngine.test.ts.

const US = { country: 225 };
const UNKNOWN = { country: 0 };

function tempDatabase(content: Buffer): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ce-geoip-")), "GeoIP.dat");
    fs.writeFileSync(file, content);
    return file;
}

describe("country database format", () => {
    it("accepts the legacy country layout, with or without the structure info (types 1 and 12)", () => {
        assert.equal(countryDatabaseProblem(buildCountryDatabase([[1, UNKNOWN], [US, UNKNOWN]])), undefined);
        assert.equal(countryDatabaseProblem(buildCountryDatabase([[1, UNKNOWN], [US, UNKNOWN]], 1)), undefined);
        assert.equal(countryDatabaseProblem(buildCountryDatabase([[US, UNKNOWN]], 12)), undefined);
        // The "revision 1" form of the type byte (type + 105), as libGeoIP reads it.
        assert.equal(countryDatabaseProblem(buildCountryDatabase([[US, UNKNOWN]], 106)), undefined);
    });

    it("refuses other editions, gzip, MaxMind DB files, and trees that point outside themselves or share nodes", () => {
        assert.match(countryDatabaseProblem(buildCountryDatabase([[US, UNKNOWN]], 2)) ?? "", /of type 2, not a country database/);
        assert.match(countryDatabaseProblem(Buffer.from([0x1f, 0x8b, 8, 0])) ?? "", /gzip/);
        assert.match(countryDatabaseProblem(Buffer.concat([Buffer.alloc(12), Buffer.from("\xab\xcd\xefMaxMind.com", "latin1")])) ?? "", /\.mmdb/);
        assert.match(countryDatabaseProblem(buildCountryDatabase([[5, UNKNOWN]])) ?? "", /node 0 points to node 5, past the end/);
        assert.match(countryDatabaseProblem(buildCountryDatabase([[1, 2], [US, UNKNOWN], [1, UNKNOWN]])) ?? "", /points to node 1, which another record points to/);
        assert.match(countryDatabaseProblem(Buffer.from("US\n")) ?? "", /too short/);
    });
});

describe("X-AppEngine-Country in the rendered load balancers", () => {
    const site = { id: "web", hostnames: ["web.example.com"], upstreamHost: "web.internal", upstreamPort: 3000, forceHttps: false, tls: false, cdnCache: false, limits: "cloudengine" as const };

    it("without a database: no module, and the header is always empty (a client's own is dropped)", () => {
        const conf = renderLoadBalancerConf({ sites: [site], publicHttpsPort: 443, resolver: "10.0.0.10" });
        assert.doesNotMatch(conf, /load_module|geoip/);
        assert.match(conf, /map \$host \$cloudengine_country \{\n\s+default "";\n\s+\}/);
        assert.match(conf, /proxy_set_header X-AppEngine-Country \$cloudengine_country;/);
    });

    it("with a database: the module in the main context, the lookup, and only two-letter countries passed on", () => {
        const conf = renderLoadBalancerConf({ sites: [site], publicHttpsPort: 443, resolver: "10.0.0.10", countryLookup: true }, { fileRoot: "/tmp/r" });
        const lines = conf.split("\n");
        assert.ok(lines.indexOf(`load_module /tmp/r${GEOIP_MODULE_PATH};`) < lines.indexOf("events {"), "load_module belongs before everything it serves");
        assert.ok(lines.indexOf(`load_module /tmp/r${GEOIP_MODULE_PATH};`) >= 0);
        assert.match(conf, new RegExp(`geoip_country /tmp/r${COUNTRY_DATABASE_PATH};`));
        const map = /map \$geoip_country_code \$cloudengine_country \{\n(.*?)\n    \}/s.exec(conf)?.[1] ?? "";
        assert.match(map, /AP "";/, "the legacy format's Asia/Pacific region is not a country");
        assert.match(map, /EU "";/, "nor is Europe");
        assert.match(map, /"~\^\[A-Z\]\{2\}\$" \$geoip_country_code;/);
        assert.match(map, /default "";/, "A1, A2, O1 and unknown addresses: absent");
    });

    it("the Docker gateway renders the same", () => {
        const model = { resolver: "127.0.0.1:53", httpPort: 80, httpsPort: 443, publicHttpsPort: 443 };
        assert.doesNotMatch(renderSiteGatewayConf(model), /load_module|geoip_country/);
        const conf = renderSiteGatewayConf({ ...model, countryLookup: true });
        assert.match(conf, new RegExp(`^load_module ${GEOIP_MODULE_PATH};$`, "m"));
        assert.match(conf, new RegExp(`geoip_country ${COUNTRY_DATABASE_PATH};`));
    });
});

describe("the country database on each platform", () => {
    it("Docker: copied into the gateway's image (the file stays out of the state), and the gateway looks addresses up", async () => {
        const content = buildCountryDatabase([[1, UNKNOWN], [US, UNKNOWN]], 1);
        const resources = await run(() => new Gateway("edge", { countryDatabase: tempDatabase(content) }));
        const image = only(resources, IMAGE, "edge-image");
        const dockerfile = fs.readFileSync(image.inputs.build.dockerfile, "utf8");
        assert.match(dockerfile, new RegExp(`^COPY country\\.dat ${COUNTRY_DATABASE_PATH}$`, "m"));
        assert.deepEqual(fs.readFileSync(path.join(image.inputs.build.context, "country.dat")), content);
        const conf = only(resources, CONTAINER, "edge").inputs.uploads[0].content;
        assert.match(conf, /load_module .*ngx_http_geoip_module\.so;/);
        assert.ok(!JSON.stringify(resources.map((r) => r.inputs)).includes(content.toString("base64")), "the database is not an input of any resource");

        const plain = await run(() => new Gateway("edge", {}));
        assert.doesNotMatch(fs.readFileSync(only(plain, IMAGE, "edge-image").inputs.build.dockerfile, "utf8"), /country/);
    });

    it("Kubernetes: immutable ConfigMaps of at most 768 KiB that load balancers join in an init container", async () => {
        const content = chainCountryDatabase(200_000); // 1.2 MB: two parts
        const file = tempDatabase(content);
        const resources = await run(() => {
            const gateway = new Gateway("edge", { countryDatabase: file });
            new EngineApp("web", { engineImage: "registry.example.com/web@sha256:" + "a".repeat(64), gateway });
        }, { config: kubernetesConfig() });
        const objects = kubernetesObjects(resources);
        const parts = objects.filter((o) => o.type === K8S.configMap && /country/.test(o.name));
        assert.equal(parts.length, 2);
        assert.ok(parts.every((p) => p.inputs.immutable === true));
        const joined = Buffer.concat(parts.map((p) => Buffer.from(p.inputs.binaryData.part, "base64")));
        assert.deepEqual(joined, content, "the parts, in order, are the file");
        assert.ok(parts.every((p) => Buffer.from(p.inputs.binaryData.part, "base64").length <= 768 * 1024));

        const lb = objects.find((o) => o.type === K8S.deployment && o.name === "app-web-lb");
        assert.ok(lb, objects.map((o) => `${o.type} ${o.name}`).join("\n"));
        const pod = lb.inputs.spec.template.spec;
        assert.equal(pod.initContainers.length, 1);
        assert.match(pod.initContainers[0].command.join(" "), new RegExp(`cat /etc/cloudengine/geoip-parts/\\* > ${COUNTRY_DATABASE_PATH}`));
        assert.deepEqual(pod.initContainers[0].securityContext, pod.containers[0].securityContext, "as restricted as nginx itself");
        const projected = pod.volumes.find((v: any) => v.projected).projected.sources.map((s: any) => [s.configMap.name, s.configMap.items[0].path]);
        assert.deepEqual(projected, parts.map((p, i) => [p.name, String(i).padStart(3, "0")]));
        assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.mountPath === "/etc/cloudengine/geoip" && m.readOnly));
        const conf = objects.find((o) => o.type === K8S.configMap && o.name.startsWith("app-web-lb-config"))?.inputs.data["nginx.conf"];
        assert.match(conf, /geoip_country \/etc\/cloudengine\/geoip\/country\.dat;/);
        const lbUrn = resources.find((r) => r.type === K8S.deployment && r.inputs.metadata?.name === "app-web-lb")!;
        const partUrns = resources.filter((r) => r.type === K8S.configMap && /country/.test(r.inputs.metadata?.name ?? "")).map((r) => r.urn);
        assert.ok(partUrns.every((u) => lbUrn.dependencies.includes(u)), "the load balancer waits for the parts it mounts");

        const plain = kubernetesObjects(await run(() => new EngineApp("web", { engineImage: "registry.example.com/web@sha256:" + "a".repeat(64) }), { config: kubernetesConfig() }));
        const plainPod = plain.find((o) => o.type === K8S.deployment && o.name === "app-web-lb")!.inputs.spec.template.spec;
        assert.equal(plainPod.initContainers, undefined, "a gateway without a database leaves the pod as it was");
        assert.ok(!plain.some((o) => /country/.test(o.name ?? "")));
    });
});
