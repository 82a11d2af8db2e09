import { HEALTH_FAILURES_BEFORE_RESTART, HEALTH_INTERVAL_SECONDS, HEALTH_PATH_HOMEPAGE, HEALTH_PATH_SDK, HEALTH_TIMEOUT_SECONDS, STARTUP_PROBE_INTERVAL_SECONDS, STARTUP_TIMEOUT, AppEnvironment } from "./spec";
import { DEFAULT_API_SERVERS, EngineAppConfig } from "./args/engineApp";
import { dnsLabel } from "./names";
import { ProxyLimits } from "../render/proxy/model";
import { GoSource, readGoSource } from "./source/sourceDir";

/** "debian:bookworm-slim": the runtime image every source build runs on (official, pullable). */
export const DEFAULT_RUNTIME_IMAGE = "debian:bookworm-slim";
/**
 * The image that compiles /cloudengine/init, independent of the app's Go version: pinned to a minor (the
 * init program needs go 1.20), so the same program always renders the same Dockerfile.
 */
export const INIT_BUILDER_IMAGE = "golang:1.26-bookworm";
/** The unprivileged user instances run as (created in the runtime image; numeric for prebuilt images). */
export const APP_UID = 1000;

export interface HealthCheck {
    path: string;
    startupTimeoutSeconds: number;
    startupIntervalSeconds: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    failuresBeforeRestart: number;
}

export type AppBuild =
    | { kind: "source"; source: GoSource; runtimeImage: string; initBuilderImage: string; printBuildLogs: boolean }
    | { kind: "image"; image: string; run?: string; initBuilderImage: string }
    /** Built by this package before and pushed: nothing to build. */
    | { kind: "engine"; image: string };
/** The builds that have a Dockerfile to render. */
export type ImageBuild = Exclude<AppBuild, { kind: "engine" }>;

export interface AppModel {
    name: string;
    /** DNS label of the app: hostnames and network aliases start with it. */
    slug: string;
    appId: string;
    build: AppBuild;
    environments: { env: AppEnvironment; instances: number }[];
    port: number;
    health: HealthCheck;
    region: string;
    group: string;
    apiServer: string;
    timezone: string;
    versionTag?: string;
    memoryBytes?: number;
    cpus?: number;
    cdn: boolean;
    limits: ProxyLimits;
    /** Automatic scaling of the production instances (their count is then the scaler's, from scaling.min). */
    scaling?: { min: number; max: number; targetCpu: number; scaleDownDelaySeconds: number };
    /** One version of a versioned app: the app's own slug (its hostnames'), the EngineApp's name, and the version's. */
    versionOf?: { app: string; appName: string; version: string };
}

/** How messages name an app unit: `EngineApp "web"`, or `EngineApp "web" version v1` for one version of it. */
export function appUnitLabel(m: AppModel): string {
    return m.versionOf ? `EngineApp "${m.versionOf.appName}" version ${m.versionOf.version}` : `EngineApp "${m.name}"`;
}

/** An app's versions (one unnamed version when it has no versions) and the one serving its hostnames. */
export interface AppVersionModels {
    versions: AppModel[];
    defaultVersion: AppModel;
}

/**
 * Each version is an app of its own (its build, instances and LEANCLOUD_VERSION_TAG, named <app>-<version>)
 * that keeps the app's id and everything else; without versions the app is its one version.
 */
export function buildAppVersionModels(name: string, args: EngineAppConfig, resource: string): AppVersionModels {
    if (args.versions === undefined) {
        const only = buildAppModel(name, args, resource);
        return { versions: [only], defaultVersion: only };
    }
    const app = dnsLabel(name, 40);
    const versions = Object.entries(args.versions).map(([version, v]): AppModel => ({
        ...buildAppModel(`${name}-${version}`, {
            ...args,
            source: v.source,
            image: v.image,
            engineImage: v.engineImage,
            run: v.run,
            instances: v.instances ?? args.instances,
            appId: args.appId ?? name,
            versionTag: version,
        }, `${resource}, versions.${version}`),
        versionOf: { app, appName: name, version },
    }));
    const chosen = args.defaultVersion ?? Object.keys(args.versions)[0];
    return { versions, defaultVersion: versions.find((m) => m.versionOf!.version === chosen)! };
}

/** Everything about an app that does not depend on other resources, fully defaulted. */
export function buildAppModel(name: string, args: EngineAppConfig, resource: string): AppModel {
    const source = args.source !== undefined ? readGoSource(args.source, resource) : undefined;
    const build: AppBuild = source
        ? { kind: "source", source, runtimeImage: DEFAULT_RUNTIME_IMAGE, initBuilderImage: INIT_BUILDER_IMAGE, printBuildLogs: args.printBuildLogs }
        : args.engineImage !== undefined
          ? { kind: "engine", image: args.engineImage }
          : { kind: "image", image: args.image!, run: args.run, initBuilderImage: INIT_BUILDER_IMAGE };
    const sdkRequired = args.cloudFunctions || source?.functionsMode === "strict";
    const environments: AppModel["environments"] = [{ env: "production", instances: args.scaling?.min ?? args.instances ?? 1 }];
    if (args.stagingInstances > 0) environments.push({ env: "stage", instances: args.stagingInstances });
    return {
        name,
        slug: dnsLabel(name, 40),
        appId: args.appId ?? name,
        build,
        environments,
        port: args.port,
        health: {
            path: sdkRequired ? HEALTH_PATH_SDK : HEALTH_PATH_HOMEPAGE,
            startupTimeoutSeconds: args.startupTimeout ?? source?.startupTimeout ?? STARTUP_TIMEOUT.default,
            startupIntervalSeconds: STARTUP_PROBE_INTERVAL_SECONDS,
            intervalSeconds: HEALTH_INTERVAL_SECONDS,
            timeoutSeconds: HEALTH_TIMEOUT_SECONDS,
            failuresBeforeRestart: HEALTH_FAILURES_BEFORE_RESTART,
        },
        region: args.region,
        group: args.group,
        apiServer: args.apiServer ?? DEFAULT_API_SERVERS[args.region],
        timezone: args.timezone,
        versionTag: args.versionTag,
        memoryBytes: args.memory === undefined ? undefined : parseMemory(args.memory),
        cpus: args.cpus,
        cdn: args.cdn,
        limits: args.limits,
        scaling: args.scaling,
    };
}

function parseMemory(size: string): number {
    const n = Number(size.slice(0, -1));
    return /[Gg]$/.test(size) ? n * 1024 ** 3 : n * 1024 ** 2;
}
