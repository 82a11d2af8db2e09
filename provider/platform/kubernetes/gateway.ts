import * as pulumi from "@pulumi/pulumi";
import { GatewayModel } from "../../config/models";
import { gatewayRouting, GatewayResult } from "../platform";
import { kubernetesSettingsOf } from "./settings";

// On Kubernetes each app and domain has its own load balancer Service (a cluster has no single host
// whose ports one proxy could own), so the Gateway creates nothing: it carries the shared settings —
// base domain, public ports (the Services' ports), proxy image, and the addresses it was given.
export function kubernetesGateway(_parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult {
    return { routing: pulumi.output(gatewayRouting(model, kubernetesSettingsOf().namespace)) };
}
