import * as pulumi from "@pulumi/pulumi";
import { ConfigError, GivenText } from "./errors";

// Stack config objects (`cloudengine:gateway`, `cloudengine:kubernetes`) read with the usual error
// shape: text that is not a JSON object is a ConfigError naming the key, not Pulumi's ConfigTypeError.

export function stackConfigObject(key: string): Record<string, unknown> | undefined {
    const config = new pulumi.Config("cloudengine");
    const text = config.get(key);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        value = undefined;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new ConfigError(`stack config cloudengine:${key}`, "(value)", new GivenText(`${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}, which is not a JSON object`), `an object of settings, set with pulumi config set --path 'cloudengine:${key}.<field>' <value> or written as a mapping in the stack's YAML`);
    }
    return value as Record<string, unknown>;
}
