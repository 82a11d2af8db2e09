import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { INIT_BUILDER_IMAGE } from "../../config/appModel";
import { runtimeSource } from "../../config/initSource";
import { GatewayModel } from "../../config/models";
import { INSTANCE_SERVE_PORT } from "../../config/ports";
import { READY_PATH, renderGatewayDockerfile } from "../../render/gatewayDockerfile";
import { renderSiteGatewayConf, SiteGatewayModel } from "../../render/proxy/siteGatewayConf";
import { gatewayRouting, GatewayResult } from "../platform";
import { PROXY_ARGS } from "../proxyProcess";
import { writeDockerfile } from "./dockerfileFile";
import { requireDockerHost } from "./engineApi";
import { labels, stackPrefix } from "./naming";
import { proxyContainerArgs } from "./proxyContainer";

// The Docker gateway as the whole load balancer: one nginx publishing HTTP and HTTPS, with cloudengine-ready
// beside it (the readiness DNS its upstreams resolve through). Apps and Domains load their sites into it
// (gatewaySite.ts); instances join its network, so nginx keeps pooled connections straight to the apps.

const GATEWAY_HTTP_PORT = 80;
const GATEWAY_HTTPS_PORT = 443;
/** cloudengine-ready inside the gateway: on loopback, so no other container can ask it. */
export const READY_DNS_ADDRESS = "127.0.0.1:53";
/** Names nginx asks cloudengine-ready for: `<instance alias>.<suffix>`. */
export const READY_DNS_SUFFIX = "ready.cloudengine.internal";

/** What the gateway's nginx is rendered with (siteGatewayConf.ts): its sites must be rendered with the same. */
export function siteGatewayModel(publicHttpsPort: number, countryLookup = false): SiteGatewayModel {
    return { resolver: READY_DNS_ADDRESS, httpPort: GATEWAY_HTTP_PORT, httpsPort: GATEWAY_HTTPS_PORT, publicHttpsPort, countryLookup };
}

/** The country database's name in the gateway image's build context. */
const COUNTRY_DATABASE_FILE = "country.dat";

/** The readiness DNS name of the instances behind one network alias. */
export function readyDnsName(alias: string): string {
    return `${alias}.${READY_DNS_SUFFIX}`;
}

export function dockerGateway(parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult {
    const host = requireDockerHost(`Gateway "${model.name}"`, parent);
    const network = new docker.Network(`${model.name}-network`, {
        name: `${stackPrefix()}-${model.slug}-gateway`,
        driver: "bridge",
        labels: labels("Gateway", model.name),
    }, { parent, deleteBeforeReplace: true });
    const country = model.countryDatabase;
    // The country database is part of the image: a file of megabytes kept out of the stack's state.
    const dockerfile = writeDockerfile(renderGatewayDockerfile({
        proxyImage: model.image,
        builderImage: INIT_BUILDER_IMAGE,
        readySource: runtimeSource("cloudengine-ready"),
        command: ["nginx", ...PROXY_ARGS],
        ...(country ? { countryDatabase: COUNTRY_DATABASE_FILE } : {}),
    }), country ? { [COUNTRY_DATABASE_FILE]: country } : {});
    const image = new docker.Image(`${model.name}-image`, {
        imageName: `cloudengine/${stackPrefix()}-${model.slug}-gateway:latest`,
        skipPush: true,
        build: { context: path.dirname(dockerfile), dockerfile },
    }, { parent });
    const conf = renderSiteGatewayConf(siteGatewayModel(model.httpsPort, country !== undefined));
    const container = new docker.Container(model.name, {
        ...proxyContainerArgs({
            image: image.repoDigest,
            conf,
            networks: [{ name: network.name }],
            ports: [
                { internal: GATEWAY_HTTP_PORT, external: model.httpPort, ip: model.listenAddress, protocol: "tcp" },
                { internal: GATEWAY_HTTPS_PORT, external: model.httpsPort, ip: model.listenAddress, protocol: "tcp" },
            ],
            labels: labels("Gateway", model.name),
        }),
        entrypoints: [READY_PATH, "--", "nginx"],
        envs: [`CLOUDENGINE_READY_LISTEN=${READY_DNS_ADDRESS}`, `CLOUDENGINE_READY_SUFFIX=${READY_DNS_SUFFIX}`, `CLOUDENGINE_READY_PORT=${INSTANCE_SERVE_PORT}`],
    }, { parent, deleteBeforeReplace: true }); // host ports can be bound by one container at a time
    return {
        routing: pulumi.all([network.name, container.id]).apply(([name, id]) => ({ ...gatewayRouting(model, name), sites: { container: id, host } })),
    };
}
