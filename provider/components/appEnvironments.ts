import * as pulumi from "@pulumi/pulumi";
import { AppEnvironment } from "../config/spec";

// Which environments an EngineApp runs, as a plain value beside it, so a Domain can refuse a stg-
// hostname for an app without staging before it registers anything (everyone else sees Outputs).
// Rehydrated references (component provider) learn theirs from state.

const environments = new WeakMap<pulumi.Resource, AppEnvironment[]>();

export function rememberAppEnvironments(app: pulumi.Resource, envs: AppEnvironment[]): void {
    environments.set(app, envs);
}

/** The app's environments when known without waiting for the engine. */
export function knownAppEnvironments(app: unknown): AppEnvironment[] | undefined {
    return typeof app === "object" && app !== null ? environments.get(app as pulumi.Resource) : undefined;
}
