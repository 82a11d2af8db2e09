import * as pulumi from "@pulumi/pulumi";
import { DomainModel } from "../../config/models";
import { domainSites } from "../domainSites";
import { AppRouting, DomainResult, TlsFiles } from "../platform";
import { kubernetesLoadBalancer } from "./loadBalancer";
import { objectName } from "./naming";

export function kubernetesDomain(parent: pulumi.ComponentResource, m: DomainModel, app: pulumi.Output<AppRouting>, tls?: TlsFiles): DomainResult {
    const lb = kubernetesLoadBalancer(m.name, objectName("domain", m.slug, "lb"), parent, {
        sites: domainSites(parent, m, app),
        gateway: app.gateway,
        tls: tls && { siteId: m.slug, ...tls },
        component: "Domain",
    });
    return { inboundIps: lb.inboundIps };
}
