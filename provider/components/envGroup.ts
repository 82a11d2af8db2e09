import * as pulumi from "@pulumi/pulumi";
import type { EnvGroupArgs } from "../args";
import { envGroupArgs } from "../config/args/envGroup";
import { ConfigError, resourceLabel } from "../config/errors";
import { checkUserVariables } from "../config/reservedNames";
import { checkedStrings } from "../config/resolvedInputs";
import { validate } from "../config/validate";
import { componentProps, keepOutputsOnly, markKind, TYPE_PREFIX } from "./kinds";

export type { EnvGroupArgs };

/** A named set of variables and secrets shared by several apps; secrets stay Pulumi secrets. */
export class EnvGroup extends pulumi.ComponentResource {
    /** The plain variables. */
    declare public readonly variables: pulumi.Output<Record<string, string>>;
    /** The secret variables (a Pulumi secret as a whole). */
    declare public readonly secrets: pulumi.Output<Record<string, string>>;
    /** Every variable name the group sets, sorted. */
    declare public readonly names: pulumi.Output<string[]>;

    constructor(name: string, args: EnvGroupArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const label = resourceLabel("EnvGroup", name);
        const config = opts.urn ? undefined : validate(envGroupArgs, args, label);
        if (config) {
            checkUserVariables(Object.keys(config.variables), label, "variables");
            checkUserVariables(Object.keys(config.secrets), label, "secrets");
            const both = Object.keys(config.variables).filter((k) => k in config.secrets);
            if (both.length) throw new ConfigError(label, `secrets.${both[0]}`, both[0], "a name not also in variables (a name is either plain or secret)");
        }
        const variables = config && checkedStrings(config.variables, { resource: label, field: "variables", secret: false });
        const secrets = config && pulumi.secret(checkedStrings(config.secrets, { resource: label, field: "secrets", secret: true }));
        super(`${TYPE_PREFIX}EnvGroup`, name, componentProps("EnvGroup", opts, envGroupArgs, config), opts);
        markKind(this, "EnvGroup");
        keepOutputsOnly(this, "EnvGroup");
        if (!config || !variables || !secrets) return;
        const outputs = {
            variables,
            secrets,
            names: pulumi.output([...Object.keys(config.variables), ...Object.keys(config.secrets)].sort()),
        };
        Object.assign(this, outputs);
        this.registerOutputs(outputs);
    }
}
