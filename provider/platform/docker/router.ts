import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ProxySite, routeDnsName, tlsCertificatePath, tlsKeyPath } from "../../render/proxy/model";
import { renderRouterConf } from "../../render/proxy/routerConf";
import { GatewayRouting } from "../platform";
import { proxyContainerArgs } from "./proxyContainer";
import { DOCKER_DNS, labels } from "./naming";

// A router: the load balancer of one app (its default hostnames) or one Domain. It joins the
// gateway's network under one alias per hostname, and the stack's network to reach instances.

export interface RouterTls {
    siteId: string;
    certificate: pulumi.Input<string>;
    privateKey: pulumi.Input<string>;
}

export function dockerRouter(
    name: string,
    parent: pulumi.ComponentResource,
    args: {
        sites: pulumi.Output<ProxySite[]>;
        gateway: pulumi.Output<GatewayRouting>;
        stackNetwork: pulumi.Input<string>;
        tls?: RouterTls;
        component: string;
    },
): docker.Container {
    const conf = pulumi.all([args.sites, args.gateway]).apply(([sites, gw]) =>
        renderRouterConf({ sites, publicHttpsPort: gw.publicHttpsPort, resolver: DOCKER_DNS }),
    );
    const aliases = args.sites.apply((sites) => sites.flatMap((s) => s.hostnames).map(routeDnsName));
    const files = args.tls
        ? [
              { file: tlsCertificatePath(args.tls.siteId), content: args.tls.certificate },
              { file: tlsKeyPath(args.tls.siteId), content: pulumi.secret(args.tls.privateKey) },
          ]
        : [];
    return new docker.Container(name, proxyContainerArgs({
        image: args.gateway.proxyImage,
        conf,
        files,
        networks: [
            { name: args.gateway.network, aliases },
            { name: args.stackNetwork },
        ],
        labels: labels(args.component, name, { "cloudengine.role": "router" }),
    }), { parent, deleteBeforeReplace: false }); // the new router joins the aliases before the old one leaves
}
