import { z } from "zod";
import { named } from "../allowedText";
import { ConfigError } from "../errors";
import { STARTUP_TIMEOUT, SYSTEM_DEPENDENCIES } from "../spec";
import { validate } from "../validate";
import { parseYamlMapping } from "./yamlMapping";

// leanengine.yaml: "You can customize the commands for building and running your project".

const useDefault = z.object({ use: z.literal("default") }).strict();
const requireFiles = z.object({ require: z.array(named(z.string().min(1), "a file path inside the source directory")).min(1) }).strict();
const command = named(z.string().min(1), "a shell command");

const leanengineYaml = z
    .object({
        /** "install: ..." — a string, or a list of commands, {use: default} and {require: [...]} */
        install: z.union([command, z.array(z.union([command, useDefault, requireFiles])).min(1)]).optional(),
        /** "build: ..." — "You can specify multiple pieces of commands with an array." */
        build: z.union([command, z.array(z.union([command, useDefault])).min(1)]).optional(),
        /** "run: ..." — one command, shell syntax. */
        run: command.optional(),
        systemDependencies: z.array(named(z.string(), `a dependency name (${Object.keys(SYSTEM_DEPENDENCIES).join(", ")})`)).default([]),
        startupTimeout: z.int().min(STARTUP_TIMEOUT.min).max(STARTUP_TIMEOUT.max).optional(),
        functionsMode: z.enum(["strict", "default"]).optional(),
    })
    .strict();

/** A build step: a shell command, or (install only) files to load into the install stage. */
export type Step = { run: string } | { require: string[] };

export interface LeanengineConfig {
    install?: Step[];
    build?: string[];
    run?: string;
    systemDependencies: string[];
    startupTimeout?: number;
    functionsMode?: "strict" | "default";
}

/**
 * Parses leanengine.yaml text. `{use: default}` is expanded with the runtime's default command.
 * `resource` names the app in errors; fields are reported as "leanengine.yaml: <field>".
 */
export function parseLeanengineYaml(text: string, resource: string, defaults: { install: string; build: string }): LeanengineConfig {
    const doc = parseYamlMapping(text, resource, "leanengine.yaml", "a YAML mapping of build, run, install, systemDependencies, startupTimeout, functionsMode");
    const parsed = validate(leanengineYaml, doc, resource, "leanengine.yaml: ");
    for (const [i, name] of parsed.systemDependencies.entries()) {
        const known = SYSTEM_DEPENDENCIES[name];
        if (!known) {
            throw new ConfigError(resource, `leanengine.yaml: systemDependencies.${i}`, name, `one of ${Object.keys(SYSTEM_DEPENDENCIES).join(", ")}`);
        }
        if (known.unavailable) throw new ConfigError(resource, `leanengine.yaml: systemDependencies.${i}`, name, `a dependency this runtime can install (${known.unavailable})`);
    }
    return {
        install: parsed.install === undefined ? undefined : toList(parsed.install).map((s) => (typeof s === "string" ? { run: s } : "use" in s ? { run: defaults.install } : { require: s.require })),
        build: parsed.build === undefined ? undefined : toList(parsed.build).map((s) => (typeof s === "string" ? s : defaults.build)),
        run: parsed.run,
        systemDependencies: [...new Set(parsed.systemDependencies)],
        startupTimeout: parsed.startupTimeout,
        functionsMode: parsed.functionsMode,
    };
}

function toList<T>(value: T | T[]): T[] {
    return Array.isArray(value) ? value : [value];
}
