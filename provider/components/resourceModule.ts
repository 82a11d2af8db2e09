import * as pulumi from "@pulumi/pulumi";
import { packageVersion } from "../packageInfo";
import { Domain } from "./domain";
import { EngineApp } from "./engineApp";
import { EnvGroup } from "./envGroup";
import { Gateway } from "./gateway";
import { TYPE_PREFIX } from "./kinds";
import { LeanCacheInstance } from "./leanCacheInstance";

// Resource references to this package's components (a Domain's app, an EngineApp's caches, envGroups
// and gateway when a Python, Go or YAML program passes them to the component provider) arrive as
// URNs; the SDK turns them into live components through this module. A rehydrated component reads
// its outputs from the engine's state (see componentProps) and registers nothing.

type Rehydrate = (name: string, urn: string) => pulumi.ComponentResource;

export const REHYDRATE: Record<string, Rehydrate> = {
    [`${TYPE_PREFIX}EngineApp`]: (name, urn) => new EngineApp(name, undefined as never, { urn }),
    [`${TYPE_PREFIX}EnvGroup`]: (name, urn) => new EnvGroup(name, undefined as never, { urn }),
    [`${TYPE_PREFIX}LeanCacheInstance`]: (name, urn) => new LeanCacheInstance(name, undefined, { urn }),
    [`${TYPE_PREFIX}Domain`]: (name, urn) => new Domain(name, undefined as never, { urn }),
    [`${TYPE_PREFIX}Gateway`]: (name, urn) => new Gateway(name, undefined, { urn }),
};

export const resourceModule: pulumi.runtime.ResourceModule = {
    version: packageVersion,
    construct(name: string, type: string, urn: string): pulumi.Resource {
        const rehydrate = REHYDRATE[type];
        if (!rehydrate) throw new Error(`unknown resource type ${type}`);
        return rehydrate(name, urn);
    },
};

pulumi.runtime.registerResourceModule("cloudengine", "index", resourceModule);
