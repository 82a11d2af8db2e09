// The quick start's stack config, read the way `pulumi up` reads it (the stack's Pulumi.<stack>.yaml,
// then the project's Pulumi.yaml `config:`), so `npm run example` without the Pulumi CLI deploys with
// the same `cloudengine:*` settings and asks the gateway on the port they give: one source of truth.
import * as fs from "fs";
import { parse as parseYaml } from "yaml";
import * as path from "path";

export interface ExampleConfig {
    /** Every `cloudengine:*` key, as Pulumi passes config to a program: objects as JSON text. */
    config: Record<string, string>;
    /** Where the app answers: http://<address>:<httpPort>/ with Host <app>.<domain>. */
    address: string;
    httpPort: number;
    httpsPort: number;
    domain: string;
    /** The files the settings came from (relative to the project directory). */
    sources: string[];
}

/** Gateway defaults (README, Gateway arguments) for keys the config does not set. */
const DEFAULTS = { listenAddress: "0.0.0.0", httpPort: 80, httpsPort: 443, domain: "localhost" };

function readYaml(file: string): Record<string, unknown> | undefined {
    if (!fs.existsSync(file)) return undefined;
    const doc = parseYaml(fs.readFileSync(file, "utf8"));
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${file}: not a YAML mapping`);
    return doc as Record<string, unknown>;
}

function configBlock(file: string, doc: Record<string, unknown> | undefined, projectLevel: boolean): Record<string, unknown> {
    const block = doc?.config;
    if (block === undefined || block === null) return {};
    if (typeof block !== "object" || Array.isArray(block)) throw new Error(`${file}: config is not a mapping`);
    const out: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
        // project-level config may wrap the value: key: { value: ... } (or declare a type/default)
        let value = raw;
        if (projectLevel && raw && typeof raw === "object" && !Array.isArray(raw) && ("value" in raw || "default" in raw)) {
            value = (raw as { value?: unknown; default?: unknown }).value ?? (raw as { default?: unknown }).default;
        }
        if (value && typeof value === "object" && "secure" in (value as object)) throw new Error(`${file}: ${key} is a secret; the example runner cannot decrypt it`);
        out[key] = value;
    }
    return out;
}

/** The stack's `cloudengine:*` config of the Pulumi project in `projectDir`, and where its gateway listens. */
export function readExampleConfig(projectDir: string, stack = "dev"): ExampleConfig {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const project = readYaml(projectFile);
    if (!project) throw new Error(`${projectFile} does not exist`);
    const merged: Record<string, unknown> = {};
    const sources: string[] = [];
    for (const [file, doc, projectLevel] of [[projectFile, project, true], [stackFile, readYaml(stackFile), false]] as const) {
        const block = configBlock(file, doc, projectLevel);
        const keys = Object.keys(block).filter((k) => k.startsWith("cloudengine:"));
        if (keys.length) sources.push(path.basename(file));
        for (const k of keys) merged[k] = block[k];
    }
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) config[k] = typeof v === "string" ? v : JSON.stringify(v);

    let gateway: Record<string, unknown> = {};
    if (config["cloudengine:gateway"] !== undefined) {
        try {
            gateway = JSON.parse(config["cloudengine:gateway"]);
        } catch {
            throw new Error(`cloudengine:gateway in ${sources.join(", ")} is not an object: ${config["cloudengine:gateway"]}`);
        }
        if (!gateway || typeof gateway !== "object" || Array.isArray(gateway)) throw new Error(`cloudengine:gateway in ${sources.join(", ")} is not an object`);
    }
    const port = (key: "httpPort" | "httpsPort"): number => {
        const v = gateway[key] ?? DEFAULTS[key];
        if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`cloudengine:gateway.${key} in ${sources.join(", ")} is not a port: ${JSON.stringify(v)}`);
        return v;
    };
    const listen = String(gateway.listenAddress ?? DEFAULTS.listenAddress);
    return {
        config,
        address: listen === "0.0.0.0" || listen === "::" ? "127.0.0.1" : listen,
        httpPort: port("httpPort"),
        httpsPort: port("httpsPort"),
        domain: String(gateway.domain ?? DEFAULTS.domain),
        sources,
    };
}
