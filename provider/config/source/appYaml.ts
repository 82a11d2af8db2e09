import { z } from "zod";
import { APP_ENGINE_API_VERSIONS, APP_ENGINE_RUNTIME } from "../spec";
import { validate } from "../validate";
import { parseYamlMapping } from "./yamlMapping";

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
    const doc = parseYamlMapping(text, resource, "app.yaml", "a YAML mapping with runtime: go and api_version");
    const parsed = validate(appYaml, doc, resource, "app.yaml: ");
    return { runtime: APP_ENGINE_RUNTIME, apiVersion: Number(parsed.api_version) };
}
