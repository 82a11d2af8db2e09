import * as pulumi from "@pulumi/pulumi";
import { DomainModel } from "../../config/models";
import { domainSites } from "../domainSites";
import { AppRouting, DomainResult, TlsFiles } from "../platform";
import { dockerRouter } from "./router";

export function dockerDomain(parent: pulumi.ComponentResource, m: DomainModel, app: pulumi.Output<AppRouting>, tls?: TlsFiles): DomainResult {
    dockerRouter(m.name, parent, {
        sites: domainSites(parent, m, app),
        gateway: app.gateway,
        stackNetwork: app.network,
        tls: tls && { siteId: m.slug, ...tls },
        component: "Domain",
    });
    return {}; // reached through the gateway: the gateway's addresses
}
