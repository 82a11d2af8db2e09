import * as pulumi from "@pulumi/pulumi";
import type { GatewayArgs } from "../args";
import { gatewayArgs } from "../config/args/gateway";
import { ConfigError, resourceLabel } from "../config/errors";
import { stackConfigObject } from "../config/stackConfig";
import { claimSlug } from "./slugClaims";
import { buildGatewayModel } from "../config/models";
import { validate } from "../config/validate";
import { GatewayRouting } from "../platform/platform";
import { selectPlatform } from "../platform/select";
import { componentProps, keepOutputsOnly, markKind, TYPE_PREFIX } from "./kinds";
import { perRun } from "../platform/perRun";

export type { GatewayArgs };

/**
 * The shared entry point of a Docker host (or cluster): serves every app and domain by Host header
 * and SNI. A program that declares none gets one, named "cloudengine", with the defaults.
 */
export class Gateway extends pulumi.ComponentResource {
    /** Base domain of apps' default hostnames. */
    declare public readonly domain: pulumi.Output<string>;
    /** Where clients reach the gateway over HTTP, e.g. http://localhost:80. */
    declare public readonly url: pulumi.Output<string>;
    /** Addresses DNS should point at. */
    declare public readonly inboundIps: pulumi.Output<string[]>;
    /** Addresses apps' outgoing traffic leaves from. */
    declare public readonly outboundIps: pulumi.Output<string[]>;
    /** What apps and domains behind this gateway need (network, proxy image, public ports). */
    declare public readonly routing: pulumi.Output<GatewayRouting>;

    constructor(name: string, args: GatewayArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        const label = resourceLabel("Gateway", name);
        if (name === DEFAULT_GATEWAY_NAME && !opts.urn && !creatingDefault) {
            throw new ConfigError(label, "(resource name)", name, `another name: ${DEFAULT_GATEWAY_NAME} is the stack's default gateway (apps without a gateway get it; configure it with the stack config cloudengine:gateway)`);
        }
        const config = opts.urn ? undefined : validate(gatewayArgs, args, label);
        const model = config && buildGatewayModel(name, config, label);
        if (model) claimSlug("Gateway", model.slug, name, label);
        const platform = opts.urn ? undefined : selectPlatform(label);
        super(`${TYPE_PREFIX}Gateway`, name, componentProps("Gateway", opts, gatewayArgs, config), opts);
        markKind(this, "Gateway");
        keepOutputsOnly(this, "Gateway");
        if (!model || !platform) return; // rehydrated from a reference: outputs come from state
        const { routing } = platform.gateway(this, model);
        const outputs = {
            domain: pulumi.output(model.domain),
            url: pulumi.output(`http://${model.domain}${model.httpPort === 80 ? "" : `:${model.httpPort}`}`),
            inboundIps: pulumi.output(model.inboundIps),
            outboundIps: pulumi.output(model.outboundIps),
            routing,
        };
        Object.assign(this, outputs);
        this.registerOutputs(outputs);
    }
}

/**
 * The stack's default gateway, created on first use, owned by the stack (no component parent). Its
 * arguments come from the stack config `cloudengine:gateway` (an object of Gateway arguments), so a
 * stack can move it to other ports or addresses without code.
 */
export function defaultGateway(): Gateway {
    return perRun("default-gateway", () => {
        creatingDefault = true;
        try {
            return new Gateway(DEFAULT_GATEWAY_NAME, (stackConfigObject("gateway") as GatewayArgs | undefined) ?? {});
        } finally {
            creatingDefault = false;
        }
    });
}

/** The default gateway's resource name; a program's own Gateway cannot take it (one URN, two resources). */
export const DEFAULT_GATEWAY_NAME = "cloudengine";
let creatingDefault = false;
