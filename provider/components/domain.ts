import * as pulumi from "@pulumi/pulumi";
import type { DomainArgs } from "../args";
import { domainArgs } from "../config/args/domain";
import { ConfigError, resourceLabel } from "../config/errors";
import { buildDomainModel, DomainModel } from "../config/models";
import { checkTlsMaterial } from "../config/tlsMaterial";
import { validate } from "../config/validate";
import { TlsFiles } from "../platform/platform";
import { selectPlatform } from "../platform/select";
import type { EngineApp } from "./engineApp";
import { generatedCertificate } from "./generatedCertificate";
import { componentProps, keepOutputsOnly, markKind, TYPE_PREFIX } from "./kinds";
import { appEnvironments } from "./knownFacts";
import { claimHostname } from "./hostnameClaims";
import { claimSlug } from "./slugClaims";

export type { DomainArgs };

/** Binds a hostname to an app; a stg- hostname reaches the app's staging environment. */
export class Domain extends pulumi.ComponentResource {
    /** The URL the domain serves (https when it has a certificate). */
    declare public readonly url: pulumi.Output<string>;
    declare public readonly hostname: pulumi.Output<string>;
    /** "production" or "stage". */
    declare public readonly environment: pulumi.Output<string>;
    /** The addresses to point the hostname's DNS A records at. */
    declare public readonly inboundIps: pulumi.Output<string[]>;

    constructor(name: string, args: DomainArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const label = resourceLabel("Domain", name);
        const config = opts.urn ? undefined : validate(domainArgs, args, label);
        const model = config && buildDomainModel(name, config);
        if (model) claimSlug("Domain", model.slug, name, label);
        if (model) claimHostname(model.hostname, name, label);
        const environments = model && appEnvironments.known(config.app);
        if (model && environments && !environments.includes(model.env)) {
            throw new ConfigError(label, "hostname", model.hostname, `a hostname without the stg- prefix, or an app with staging instances: stg- hostnames are served by the app's staging environment, and the app has none (set its stagingInstances)`);
        }
        const platform = opts.urn ? undefined : selectPlatform(label);
        // Plain material is checked before anything registers; Outputs when their values arrive.
        const tls = config?.tls;
        const checked = tls && typeof tls.certificate === "string" && typeof tls.privateKey === "string" ? checkTlsMaterial(tls.certificate, tls.privateKey, config.hostname, label) : undefined;
        super(`${TYPE_PREFIX}Domain`, name, componentProps("Domain", opts, domainArgs, config), opts);
        for (const warning of checked?.warnings ?? []) pulumi.log.warn(warning, this);
        markKind(this, "Domain");
        keepOutputsOnly(this, "Domain");
        if (!config || !model || !platform) return;
        const app = config.app as EngineApp;
        const served = platform.domain(this, model, app.routing, model.tls && certificateFor(model, this));
        const outputs = {
            url: app.routing.apply((a) => {
                const secure = model.tls !== undefined;
                const port = secure ? a.gateway.publicHttpsPort : a.gateway.publicHttpPort;
                return `${secure ? "https" : "http"}://${model.hostname}${port === (secure ? 443 : 80) ? "" : `:${port}`}`;
            }),
            hostname: pulumi.output(model.hostname),
            environment: pulumi.output(model.env),
            inboundIps: served.inboundIps ?? app.inboundIps,
        };
        Object.assign(this, outputs);
        this.registerOutputs(outputs);
    }
}

/** The user's certificate, or a self-signed one generated once for the hostname. */
function certificateFor(model: DomainModel, parent: Domain): TlsFiles {
    const tls = model.tls!;
    if (tls.certificate !== undefined && tls.privateKey !== undefined) {
        if (typeof tls.certificate === "string" && typeof tls.privateKey === "string") return { certificate: tls.certificate, privateKey: tls.privateKey };
        const label = resourceLabel("Domain", model.name);
        // A certificate is public: the check's result must not turn it into a secret because the key is one.
        const certificate = pulumi.unsecret(pulumi.all([tls.certificate, tls.privateKey]).apply(([certificate, key]) => {
            for (const warning of checkTlsMaterial(certificate, key, model.hostname, label).warnings) pulumi.log.warn(warning, parent);
            return certificate;
        }));
        return { certificate, privateKey: tls.privateKey };
    }
    const generated = generatedCertificate(`${model.name}-certificate`, model.hostname, { parent });
    return { certificate: generated.certificate, privateKey: generated.privateKey };
}
