import * as pulumi from "@pulumi/pulumi";
import { DomainModel } from "../../config/models";
import { ProxySite } from "../../render/proxy/model";
import { AppRouting, TlsFiles } from "../platform";
import { dockerRouter } from "./router";

export function dockerDomain(parent: pulumi.ComponentResource, m: DomainModel, app: pulumi.Output<AppRouting>, tls?: TlsFiles): void {
    const sites = app.apply((a): ProxySite[] => {
        const upstream = a.upstreams[m.env];
        if (upstream === undefined) {
            throw new pulumi.ResourceError(`Domain "${m.name}": ${m.hostname} starts with stg- and is served by the staging environment, but app ${a.slug} has none (set stagingInstances)`, parent, true);
        }
        return [{ id: m.slug, hostnames: [m.hostname], upstreamHost: upstream, upstreamPort: a.port, forceHttps: m.forceHttps, tls: m.tls !== undefined, cdnCache: m.cdn }];
    });
    dockerRouter(m.name, parent, {
        sites,
        gateway: app.gateway,
        stackNetwork: app.network,
        tls: tls && { siteId: m.slug, ...tls },
        component: "Domain",
    });
}
