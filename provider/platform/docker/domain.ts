import * as pulumi from "@pulumi/pulumi";
import { DomainModel } from "../../config/models";
import { domainSites } from "../domainSites";
import { AppRouting, DomainResult, TlsFiles } from "../platform";
import { dockerSite } from "./site";

export function dockerDomain(parent: pulumi.ComponentResource, m: DomainModel, app: pulumi.Output<AppRouting>, tls?: TlsFiles): DomainResult {
    dockerSite(m.name, parent, {
        gateway: app.gateway,
        site: domainSites(parent, m, app).apply(([site]) => ({ ...site, id: `domain-${site.id}` })),
        what: `Domain "${m.name}"`,
        tls,
    });
    return {}; // reached through the gateway: the gateway's addresses
}
