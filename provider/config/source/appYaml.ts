import * as yaml from "js-yaml";
import { z } from "zod";
import { ConfigError } from "../errors";
import { APP_ENGINE_API_VERSIONS, APP_ENGINE_RUNTIME } from "../spec";
import { validate } from "../validate";
import { firstLine } from "./leanengineYaml";

// App Engine's app.yaml: "runtime: go" selects the Go runtime, "api_version" its version.
// Other App Engine keys (handlers, ...) are accepted and ignored: routing is the gateway's job here.
const appYaml = z
    .object({
        runtime: z.literal(APP_ENGINE_RUNTIME),
        api_version: z.union([z.literal(APP_ENGINE_API_VERSIONS), z.enum(APP_ENGINE_API_VERSIONS.map(String) as [string, ...string[]])]),
    })
    .loose();

export interface AppYamlConfig {
    runtime: "go";
    apiVersion: number;
}

export function parseAppYaml(text: string, resource: string): AppYamlConfig {
    let doc: unknown;
    try {
        doc = yaml.load(text, { schema: yaml.CORE_SCHEMA });
    } catch (e) {
        throw new ConfigError(resource, "app.yaml", firstLine(e), "a YAML mapping with runtime: go and api_version");
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
        throw new ConfigError(resource, "app.yaml", doc, "a YAML mapping with runtime: go and api_version");
    }
    const parsed = validate(appYaml, doc, resource, "app.yaml: ");
    return { runtime: APP_ENGINE_RUNTIME, apiVersion: Number(parsed.api_version) };
}
