import * as pulumi from "@pulumi/pulumi";
import { ProxySite } from "../../render/proxy/model";
import { renderGatewaySite } from "../../render/proxy/siteGatewayConf";
import { GatewayRouting, TlsFiles } from "../platform";
import { siteGatewayModel } from "./gateway";
import { gatewaySite } from "./gatewaySite";

// A site of an app environment or a Domain on Docker: rendered for the gateway it is loaded into.
export function dockerSite(
    name: string,
    parent: pulumi.ComponentResource,
    args: { gateway: pulumi.Output<GatewayRouting>; site: pulumi.Output<ProxySite>; what: string; tls?: TlsFiles; dependsOn?: pulumi.Resource[] },
): pulumi.CustomResource {
    const sites = args.gateway.apply((gw) => {
        if (!gw.sites) throw new pulumi.ResourceError(`${args.what}: its gateway is not a Docker gateway`, parent, true);
        return gw.sites;
    });
    return gatewaySite(name, {
        host: sites.host,
        what: args.what,
        container: sites.container,
        siteId: args.site.id,
        conf: pulumi.all([args.site, args.gateway]).apply(([site, gw]) => renderGatewaySite(site, siteGatewayModel(gw.publicHttpsPort))),
        certificate: args.tls?.certificate,
        privateKey: args.tls && pulumi.secret(args.tls.privateKey),
    }, { parent, dependsOn: args.dependsOn });
}
