import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { GatewayModel } from "../../config/models";
import { renderGatewayConf } from "../../render/proxy/gatewayConf";
import { gatewayRouting, GatewayResult } from "../platform";
import { proxyContainerArgs } from "./proxyContainer";
import { DOCKER_DNS, labels, stackPrefix } from "./naming";

// The entry point: one nginx publishing HTTP and HTTPS on the host. Its configuration is static
// (it finds routers by DNS), so adding or removing apps and domains never touches it.
const GATEWAY_HTTP_PORT = 80;
const GATEWAY_HTTPS_PORT = 443;

export function dockerGateway(parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult {
    const network = new docker.Network(`${model.name}-network`, {
        name: `${stackPrefix()}-${model.slug}-gateway`,
        driver: "bridge",
        labels: labels("Gateway", model.name),
    }, { parent, deleteBeforeReplace: true });
    const conf = renderGatewayConf({ resolver: DOCKER_DNS, httpPort: GATEWAY_HTTP_PORT, httpsPort: GATEWAY_HTTPS_PORT });
    new docker.Container(model.name, proxyContainerArgs({
        image: model.image,
        conf,
        networks: [{ name: network.name }],
        ports: [
            { internal: GATEWAY_HTTP_PORT, external: model.httpPort, ip: model.listenAddress, protocol: "tcp" },
            { internal: GATEWAY_HTTPS_PORT, external: model.httpsPort, ip: model.listenAddress, protocol: "tcp" },
        ],
        labels: labels("Gateway", model.name),
    }), { parent, deleteBeforeReplace: true }); // host ports can be bound by one container at a time
    return { routing: network.name.apply((name) => gatewayRouting(model, name)) };
}
