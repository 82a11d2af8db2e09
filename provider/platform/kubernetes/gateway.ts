import * as pulumi from "@pulumi/pulumi";
import { GatewayModel } from "../../config/models";
import { GatewayResult } from "../platform";
import { kubernetesSettingsOf } from "./settings";

// On Kubernetes each app and domain has its own load balancer Service (a cluster has no single host
// whose ports one proxy could own), so the Gateway creates nothing: it carries the shared settings —
// base domain, public ports (the Services' ports), proxy image, and the addresses it was given.
export function kubernetesGateway(_parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult {
    const namespace = kubernetesSettingsOf().namespace;
    return {
        routing: pulumi.output({
            network: namespace,
            proxyImage: model.image,
            domain: model.domain,
            publicHttpPort: model.httpPort,
            publicHttpsPort: model.httpsPort,
            inboundIps: model.inboundIps,
            outboundIps: model.outboundIps,
        }),
    };
}
