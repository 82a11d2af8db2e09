import * as pulumi from "@pulumi/pulumi";
import { GatewayModel } from "../../config/models";
import { gatewayRouting, GatewayResult } from "../platform";
import { countryDatabaseConfigMaps } from "./countryDatabase";
import { kubernetesSettingsOf } from "./settings";

// On Kubernetes each app and domain has its own load balancer Service (a cluster has no single host
// whose ports one proxy could own), so the Gateway carries the shared settings — base domain, public
// ports (the Services' ports), proxy image, and the addresses it was given — and holds the country
// database the load balancers mount, when it has one.
export function kubernetesGateway(parent: pulumi.ComponentResource, model: GatewayModel): GatewayResult {
    const routing = gatewayRouting(model, kubernetesSettingsOf().namespace);
    if (!model.countryDatabase) return { routing: pulumi.output(routing) };
    const { names, configMaps } = countryDatabaseConfigMaps(parent, model.name, model.slug, model.countryDatabase);
    // Through the ConfigMaps' URNs (known in previews too): load balancers that mount them depend on them.
    return { routing: pulumi.all(configMaps.map((c) => c.urn)).apply(() => ({ ...routing, countryDatabaseParts: names })) };
}
