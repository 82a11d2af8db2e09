import * as pulumi from "@pulumi/pulumi";
import type { LeanCacheInstanceArgs } from "../args";
import { cachePasswordProblem, leanCacheInstanceArgs } from "../config/args/leanCacheInstance";
import { ConfigError, resourceLabel } from "../config/errors";
import { checkedString } from "../config/resolvedInputs";
import { buildCacheModel } from "../config/models";
import { CACHE_NAME, REDIS_PORT, REDIS_URL_PREFIX } from "../config/spec";
import { validate } from "../config/validate";
import { selectPlatform } from "../platform/select";
import { cacheName } from "./knownFacts";
import { generatedSecret } from "./generatedSecret";
import { claimSlug } from "./slugClaims";
import { componentProps, keepOutputsOnly, markKind, TYPE_PREFIX } from "./kinds";

export type { LeanCacheInstanceArgs };

/** Bytes of randomness in a generated password (hex: twice as many characters). */
const PASSWORD_BYTES = 24;

/** A LeanCache instance: password-protected Redis with AOF persistence, attached to apps by name. */
export class LeanCacheInstance extends pulumi.ComponentResource {
    /** The instance name: apps receive REDIS_URL_<name>. */
    declare public readonly name: pulumi.Output<string>;
    /** The variable attached apps receive, e.g. REDIS_URL_MYCACHE. */
    declare public readonly envName: pulumi.Output<string>;
    /** redis://default:<password>@<host>:6379 — a secret. */
    declare public readonly url: pulumi.Output<string>;
    /** Host inside the stack's network. */
    declare public readonly host: pulumi.Output<string>;
    declare public readonly port: pulumi.Output<number>;
    /** The password (a secret). */
    declare public readonly password: pulumi.Output<string>;
    declare public readonly capacity: pulumi.Output<string>;
    declare public readonly evictionPolicy: pulumi.Output<string>;
    /** Docker: the network an EngineApp of another stack joins to reach it (its sharedCaches); absent on Kubernetes. */
    declare public readonly network: pulumi.Output<string | undefined>;

    constructor(name: string, args: LeanCacheInstanceArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        const label = resourceLabel("LeanCacheInstance", name);
        const config = opts.urn ? undefined : validate(leanCacheInstanceArgs, args, label);
        if (config && config.name === undefined && !CACHE_NAME.test(name)) {
            throw new ConfigError(label, "name", undefined, `a name for REDIS_URL_<NAME> (letters, digits and _); the resource name ${JSON.stringify(name)} cannot be used, so set name`);
        }
        // Checked now when plain, when it arrives when an Output; never shown.
        const givenPassword = config?.password === undefined ? undefined : checkedString(config.password, { resource: label, field: "password", secret: true, check: cachePasswordProblem });
        const model = config && buildCacheModel(name, config);
        if (model) claimSlug("LeanCacheInstance", model.slug, name, label);
        const platform = opts.urn ? undefined : selectPlatform(label);
        super(`${TYPE_PREFIX}LeanCacheInstance`, name, componentProps("LeanCacheInstance", opts, leanCacheInstanceArgs, config), opts);
        markKind(this, "LeanCacheInstance");
        keepOutputsOnly(this, "LeanCacheInstance");
        if (!config || !model || !platform) return;
        cacheName.remember(this, model.envName);
        const password = pulumi.secret(givenPassword ?? generatedSecret(`${name}-password`, PASSWORD_BYTES, { parent: this }).value);
        const { host, network } = platform.cache(this, model, password);
        const outputs = {
            name: pulumi.output(model.envName),
            envName: pulumi.output(`${REDIS_URL_PREFIX}${model.envName}`),
            url: pulumi.secret(pulumi.interpolate`redis://default:${password}@${host}:${REDIS_PORT}`),
            host,
            port: pulumi.output(REDIS_PORT),
            password,
            capacity: pulumi.output(model.capacity),
            evictionPolicy: pulumi.output(model.evictionPolicy),
            network: network ?? pulumi.output(undefined),
        };
        Object.assign(this, outputs);
        this.registerOutputs(outputs);
    }
}
