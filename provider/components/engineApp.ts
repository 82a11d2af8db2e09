import * as pulumi from "@pulumi/pulumi";
import type { EngineAppArgs } from "../args";
import { dockerNetworkProblem, EngineAppConfig, engineAppArgs, redisUrlProblem } from "../config/args/engineApp";
import { AppModel, buildAppVersionModels } from "../config/appModel";
import { ConfigError, GivenText, resourceLabel } from "../config/errors";
import { checkedString, checkedStrings } from "../config/resolvedInputs";
import { appEnvironments, duplicateCacheName } from "./knownFacts";
import { claimSlug } from "./slugClaims";
import { initSource } from "../config/initSource";
import { checkUserVariables } from "../config/reservedNames";
import { AppEnvironment, SANDBOX_HOME } from "../config/spec";
import { validate } from "../config/validate";
import { renderDockerfile } from "../render/dockerfile";
import { renderEnvironment } from "../render/environment";
import { renderInitSettings } from "../render/healthCheck";
import { AppRouting } from "../platform/platform";
import { selectPlatform } from "../platform/select";
import type { EnvGroup } from "./envGroup";
import { defaultGateway, Gateway } from "./gateway";
import { generatedSecret } from "./generatedSecret";
import { componentProps, keepOutputsOnly, markKind, TYPE_PREFIX } from "./kinds";
import type { LeanCacheInstance } from "./leanCacheInstance";

export type { EngineAppArgs };

function duplicateCacheError(label: string, name: string): ConfigError {
    return new ConfigError(label, "caches", new GivenText(`two caches named ${name}`), `caches with distinct names (both would set REDIS_URL_${name}); attach each LeanCacheInstance once and give the others another name`);
}

/**
 * The attached and shared caches, once their names and URLs are known: distinct names (names only
 * known from the engine: references whose name was not learnt ahead) and distinct hosts (one host name
 * would resolve to two instances on the networks the app joins). URLs are never shown.
 */
export function checkDistinctCaches(label: string, caches: { name: string; url: string }[]): void {
    const names = caches.map((c) => c.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) throw duplicateCacheError(label, duplicate);
    const hosts = caches.map((c) => new URL(c.url).host);
    const second = hosts.findIndex((h, i) => hosts.indexOf(h) !== i);
    if (second >= 0) {
        const first = hosts.indexOf(hosts[second]);
        throw new ConfigError(label, "sharedCaches", new GivenText(`${names[first]} and ${names[second]} at the same host ${hosts[second]}`), "caches at distinct hosts: give one of the LeanCacheInstances another resource name");
    }
}

/**
 * The shared caches' entries (their URLs checked when they arrive, never shown) and the Docker networks
 * the app's instances join to reach them. On Kubernetes a network means an instance of a Docker stack,
 * which the cluster cannot reach.
 */
function sharedCacheInputs(list: EngineAppConfig["sharedCaches"], label: string, platform: "docker" | "kubernetes") {
    const onKubernetes = (i: number, network: string) => new ConfigError(label, `sharedCaches.${i}.network`, network, "no network on Kubernetes: an instance there is reached by its Service's name from any namespace (a network names an instance on a Docker host, which the cluster cannot reach)");
    list.forEach((c, i) => {
        if (platform === "kubernetes" && typeof c.network === "string") throw onKubernetes(i, c.network);
        if (platform === "docker" && c.network === undefined) throw new ConfigError(label, `sharedCaches.${i}.network`, undefined, "the instance's network output (required on Docker: the app's instances join the network of the instance's stack)");
    });
    const entries = list.map((c, i) => checkedString(c.url, { resource: label, field: `sharedCaches.${i}.url`, secret: true, check: redisUrlProblem }).apply((url) => ({ name: c.name, url })));
    const networks = pulumi.all(list.flatMap((c, i) => c.network === undefined ? [] : [
        checkedString(c.network, { resource: label, field: `sharedCaches.${i}.network`, secret: false, check: dockerNetworkProblem }).apply((n) => {
            if (platform === "kubernetes") throw onKubernetes(i, n);
            return n;
        }),
    ]));
    return { entries, networks };
}

/** Bytes of randomness in generated app and master keys. */
const KEY_BYTES = 16;

/**
 * An app built from source (Go, per the Cloud Engine Go runtime) or a prebuilt image, run as N
 * instances (plus optional staging instances) behind the gateway, with health checks, the sandbox
 * and the injected environment.
 */
export class EngineApp extends pulumi.ComponentResource {
    /** http://<app>.<gateway domain>: the production environment's default URL. */
    declare public readonly url: pulumi.Output<string>;
    /** http://stg-<app>.<gateway domain> when the app has staging instances. */
    declare public readonly stagingUrl: pulumi.Output<string | undefined>;
    declare public readonly inboundIps: pulumi.Output<string[]>;
    declare public readonly outboundIps: pulumi.Output<string[]>;
    /** LEANCLOUD_VERSION_TAG of the running version (the default version's name for a versioned app). */
    declare public readonly versionTag: pulumi.Output<string>;
    /** A versioned app's URL per version: http://<version>.latest.<app>.<gateway domain>. */
    declare public readonly versionUrls: pulumi.Output<Record<string, string> | undefined>;
    /** Production instances. */
    declare public readonly instances: pulumi.Output<number>;
    declare public readonly stagingInstances: pulumi.Output<number>;
    /** The path the platform probes: / or /__engine/1/ping. */
    declare public readonly healthCheckPath: pulumi.Output<string>;
    declare public readonly appId: pulumi.Output<string>;
    /** What a Domain needs to route to this app. */
    declare public readonly routing: pulumi.Output<AppRouting>;

    constructor(name: string, args: EngineAppArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const label = resourceLabel("EngineApp", name);
        const config = opts.urn ? undefined : validate(engineAppArgs, args, label);
        const versions = config && buildAppVersionModels(name, config, label);
        const model = versions?.defaultVersion;
        if (config) checkUserVariables(Object.keys(config.variables), label, "variables");
        const duplicate = config && duplicateCacheName(config.caches, config.sharedCaches.map((c) => c.name));
        if (duplicate) throw duplicateCacheError(label, duplicate);
        // Each version's slug names its instances; a versioned app's own slug its hostnames.
        if (versions) for (const m of versions.versions) claimSlug("EngineApp", m.slug, name, label);
        if (model?.versionOf) claimSlug("EngineApp", model.versionOf.app, name, label);
        const givenAppKey = config?.appKey === undefined ? undefined : checkedString(config.appKey, { resource: label, field: "appKey", secret: false });
        const givenMasterKey = config?.masterKey === undefined ? undefined : checkedString(config.masterKey, { resource: label, field: "masterKey", secret: true });
        const givenVariables = config && checkedStrings(config.variables, { resource: label, field: "variables", secret: false });
        const platform = opts.urn ? undefined : selectPlatform(label);
        const shared = config && platform && sharedCacheInputs(config.sharedCaches, label, platform.name);
        if (config?.scaling && platform?.name === "docker") {
            throw new ConfigError(label, "scaling", config.scaling, "nothing on the Docker platform: one host has no more machines to add, so more instances would only share its CPUs; set instances (or run on Kubernetes, where scaling is a HorizontalPodAutoscaler)");
        }
        // Before super(): the default gateway's stack config is validated before the app registers.
        const gateway = config && ((config.gateway as Gateway | undefined) ?? defaultGateway());
        super(`${TYPE_PREFIX}EngineApp`, name, componentProps("EngineApp", opts, engineAppArgs, config), opts);
        markKind(this, "EngineApp");
        keepOutputsOnly(this, "EngineApp");
        if (!config || !versions || !model || !platform || !gateway || !shared) return;
        appEnvironments.remember(this, model.environments.map((e) => e.env));

        const caches = config.caches as LeanCacheInstance[];
        const groups = config.envGroups as EnvGroup[];
        const appKey = pulumi.output(givenAppKey ?? generatedSecret(`${name}-app-key`, KEY_BYTES, { parent: this }).value);
        const masterKey = pulumi.secret(givenMasterKey ?? generatedSecret(`${name}-master-key`, KEY_BYTES, { parent: this }).value);
        const cacheEntries = pulumi.all([
            ...caches.map((c) => pulumi.all([c.name, c.url]).apply(([n, url]) => ({ name: n, url }))),
            ...shared.entries,
        ]);
        const groupValues = pulumi.all(groups.map((g) => pulumi.all([g.variables, g.secrets]).apply(([v, s]) => ({ ...v, ...s }))));
        const ownVariables = givenVariables!;

        const environment = (m: AppModel) => (env: AppEnvironment, versionTag: pulumi.Output<string>) =>
            pulumi.all([appKey, masterKey, versionTag, cacheEntries, groupValues, ownVariables]).apply(([key, master, tag, cacheList, groupList, own]): Record<string, string> => {
                checkDistinctCaches(label, cacheList);
                const entries = renderEnvironment({
                    platform: { appId: m.appId, appKey: key, masterKey: master, env, port: m.port, apiServer: m.apiServer, group: m.group, region: m.region, versionTag: tag, timezone: m.timezone },
                    caches: cacheList,
                    groups: groupList,
                    own,
                });
                return { ...Object.fromEntries(entries), HOME: SANDBOX_HOME, ...renderInitSettings(m.health) };
            });

        // Every version runs on its own; the default one's routing is what Domains follow.
        const results = new Map(versions.versions.map((m) => {
            const dockerfile = m.build.kind === "engine" ? undefined : renderDockerfile({ build: m.build, initSource: initSource() });
            return [m, platform.app(this, { model: m, dockerfile, gateway: gateway.routing, environment: environment(m), dependsOn: caches, sharedNetworks: shared.networks })];
        }));
        const { routing, versionTag, ready, inboundIps: ownInboundIps } = results.get(model)!;
        const inboundIps = model.versionOf
            ? platform.defaultVersion(this, { name, model, gateway: gateway.routing, ready }).inboundIps
            : ownInboundIps;
        const appSlug = model.versionOf?.app ?? model.slug;
        const urlFor = (prefix: string) => gateway.routing.apply((g) => `http://${prefix}${appSlug}.${g.domain}${g.publicHttpPort === 80 ? "" : `:${g.publicHttpPort}`}`);
        const versionUrls = model.versionOf
            ? pulumi.all(Object.fromEntries(versions.versions.map((m) => [m.versionOf!.version, urlFor(`${m.versionOf!.version}.latest.`)])))
            : pulumi.output(undefined);
        const outputs = {
            url: urlFor(""),
            stagingUrl: config.stagingInstances > 0 ? urlFor("stg-") : pulumi.output(undefined),
            inboundIps: inboundIps ?? gateway.inboundIps,
            outboundIps: gateway.outboundIps,
            versionTag,
            versionUrls,
            instances: pulumi.output(model.environments[0].instances),
            stagingInstances: pulumi.output(config.stagingInstances),
            healthCheckPath: pulumi.output(model.health.path),
            appId: pulumi.output(model.appId),
            routing,
        };
        Object.assign(this, outputs);
        this.registerOutputs(outputs);
    }
}
