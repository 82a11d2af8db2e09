import * as pulumi from "@pulumi/pulumi";
import { DomainModel } from "../config/models";
import { ProxySite } from "../render/proxy/model";
import { AppRouting } from "./platform";

/** The one site a Domain serves: its hostname, to the app environment its name selects (stg- → stage). */
export function domainSites(parent: pulumi.Resource, m: DomainModel, app: pulumi.Output<AppRouting>): pulumi.Output<ProxySite[]> {
    return app.apply((a): ProxySite[] => {
        const upstream = a.upstreams[m.env];
        if (upstream === undefined) {
            throw new pulumi.ResourceError(`Domain "${m.name}": ${m.hostname} starts with stg- and is served by the staging environment, but app ${a.slug} has none (set stagingInstances)`, parent, true);
        }
        return [{ id: m.slug, hostnames: [m.hostname], upstreamHost: upstream, upstreamPort: a.port, forceHttps: m.forceHttps, tls: m.tls !== undefined, cdnCache: m.cdn, limits: a.limits }];
    });
}
