import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { APP_UID, AppModel, appUnitLabel } from "../../config/appModel";
import { INSTANCE_SERVE_PORT } from "../../config/ports";
import { AppEnvironment, SANDBOX_MOUNTS } from "../../config/spec";
import { RESOLVER_VALID_SECONDS } from "../../render/proxy/limits";
import { PROBE_COMMAND } from "../../render/healthCheck";
import { ProxySite } from "../../render/proxy/model";
import { AppInputs, AppResult, AppRouting, DefaultVersionInputs, DomainResult, INSTANCE_STOP_GRACE_SECONDS } from "../platform";
import { appImage } from "../appImage";
import { appSite, defaultVersionSite } from "../appSite";
import { instanceDnsName, labels, stackPrefix } from "./naming";
import { stackNetwork } from "./network";
import { requireDockerHost } from "./engineApi";
import { containerHealthcheck } from "./healthcheck";
import { releaseResource } from "./release";
import { readyDnsName } from "./gateway";
import { dockerSite } from "./site";
import { tmpfsMount } from "./tmpfsMount";

/**
 * Docker has no readiness: a container is in its DNS alias from start to removal. So /cloudengine/init
 * opens INSTANCE_SERVE_PORT only while the app is healthy; the gateway's cloudengine-ready answers for the
 * alias only with instances whose port accepts. On stop init closes it, and the app keeps serving
 * in-flight requests until the gateway has noticed (a probe, then its cached answer expiring) and more.
 */
const DRAIN_SECONDS = RESOLVER_VALID_SECONDS + 2;
const GATE_SETTINGS = { CLOUDENGINE_SERVE_PORT: String(INSTANCE_SERVE_PORT), CLOUDENGINE_DRAIN_SECONDS: String(DRAIN_SECONDS) };
/** Docker's json-file rotation: the closest Docker comes to the spec's log limits (init caps lines). */
const LOG_OPTS = { "max-size": "10m", "max-file": "3" };

export function dockerApp(parent: pulumi.ComponentResource, inputs: AppInputs): AppResult {
    const m = inputs.model;
    const network = stackNetwork();
    const gatewayNetwork = inputs.gateway.network;
    const { reference: image, versionTag } = appImage(parent, m, inputs.dockerfile, {
        imageName: `cloudengine/${stackPrefix()}-${m.slug}:latest`,
        push: false,
    });

    // A Release per environment waits for the instances and retires earlier ones (release.ts).
    const releaseHost = requireDockerHost(appUnitLabel(m), parent);
    const releases: pulumi.CustomResource[] = [];
    const upstreams: Partial<Record<AppEnvironment, string>> = {};
    for (const { env, instances } of m.environments) {
        const envs = inputs.environment(env, versionTag).apply((vars) => Object.entries({ ...vars, ...GATE_SETTINGS }).map(([k, v]) => `${k}=${v}`));
        const containers: docker.Container[] = [];
        for (let i = 0; i < instances; i++) {
            containers.push(new docker.Container(`${m.name}-${env}-${i}`, instanceArgs(m, env, image, envs, network.name, gatewayNetwork, inputs.sharedNetworks), {
                parent,
                dependsOn: inputs.dependsOn,
                // The Docker provider asks for delete-first replacement of containers; overriding it
                // keeps the old instance serving until the new one is healthy.
                deleteBeforeReplace: false,
                // The Release stops and removes instances once a newer release is healthy.
                retainOnDelete: true,
            }));
        }
        const release = releaseResource(`${m.name}-${env}-release`, {
            host: releaseHost,
            what: `${appUnitLabel(m)} (${env})`,
            containers: pulumi.all(containers.map((c) => c.id)),
            // Labels that stay the same across releases (not the app ID, which a user may change).
            select: Object.fromEntries(instanceLabels(m, env).filter((l) => l.label !== APP_ID_LABEL).map((l) => [l.label, l.value])),
            waitSeconds: m.health.startupTimeoutSeconds + m.health.timeoutSeconds,
            stopGraceSeconds: INSTANCE_STOP_GRACE_SECONDS,
        }, { parent });
        releases.push(release);
        upstreams[env] = readyDnsName(instanceDnsName(m.slug, env));
        // The app's own hostname, loaded into the gateway once the first release is healthy.
        dockerSite(`${m.name}-${env}-site`, parent, {
            gateway: inputs.gateway,
            site: inputs.gateway.apply((gw) => defaultSite(m, env, gw.domain)),
            what: `${appUnitLabel(m)} (${env})`,
            dependsOn: [release],
        });
    }

    const routing: pulumi.Output<AppRouting> = pulumi.all([inputs.gateway, network.name]).apply(([gateway, net]) => ({
        slug: m.slug, port: m.port, limits: m.limits, upstreams, network: net, gateway,
    }));
    // The version that serves: known once every Release succeeded, so a failed up keeps reporting the
    // previous one (which keeps serving) instead of the version that never became healthy.
    const servingVersionTag = pulumi.all([versionTag, ...releases.map((r) => r.id)]).apply(([tag]) => tag);
    return { routing, versionTag: servingVersionTag, ready: releases };
}

/** A versioned app's own hostnames in the gateway, to the default version's ready instances. */
export function dockerDefaultVersion(parent: pulumi.ComponentResource, inputs: DefaultVersionInputs): DomainResult {
    const m = inputs.model;
    dockerSite(`${inputs.name}-default-site`, parent, {
        gateway: inputs.gateway,
        site: inputs.gateway.apply((gw) => defaultVersionSite(m, gw.domain, `app-${m.versionOf!.app}-default`, readyDnsName(instanceDnsName(m.slug, "production")))),
        what: `EngineApp "${inputs.name}" (default version ${m.versionOf!.version})`,
        dependsOn: inputs.ready,
    });
    return {}; // reached through the gateway: the gateway's addresses
}

/** The site of an environment's own hostnames, in the gateway. */
export function defaultSite(m: AppModel, env: AppEnvironment, domain: string): ProxySite {
    return appSite(m, env, domain, `app-${m.slug}-${env}`, readyDnsName(instanceDnsName(m.slug, env)));
}

function instanceArgs(
    m: AppModel,
    env: AppEnvironment,
    image: pulumi.Output<string>,
    envs: pulumi.Output<string[]>,
    network: pulumi.Output<string>,
    gatewayNetwork: pulumi.Output<string>,
    sharedNetworks: pulumi.Output<string[]>,
): docker.ContainerArgs {
    const h = m.health;
    return {
        image,
        envs,
        // The stack's network reaches its caches; on the gateway's, the alias gathers the environment's instances.
        // Other stacks' networks reach their caches the app shares (sharedCaches).
        networksAdvanced: pulumi.all([network, gatewayNetwork, sharedNetworks]).apply(([own, gateway, shared]) => [
            { name: own },
            { name: gateway, aliases: [instanceDnsName(m.slug, env)] },
            ...[...new Set(shared)].filter((n) => n !== own && n !== gateway).map((name) => ({ name })),
        ]),
        // Health: probed every second while starting ("check your app every second"), then regularly.
        healthcheck: containerHealthcheck({
            tests: ["CMD", ...PROBE_COMMAND],
            startPeriodSeconds: h.startupTimeoutSeconds,
            startIntervalSeconds: h.startupIntervalSeconds,
            intervalSeconds: h.intervalSeconds,
            timeoutSeconds: h.timeoutSeconds,
            retries: h.failuresBeforeRestart,
        }),
        // "If your app has not been started within the time limit ... the deployment will be canceled."
        // The Release waits (and tells why); an instance it stopped must not fail a refresh.
        wait: false,
        mustRun: false,
        restart: "unless-stopped",
        destroyGraceSeconds: INSTANCE_STOP_GRACE_SECONDS,
        // The sandbox: read-only root, writable /tmp, /home/leanengine and /dev/shm (1 GB together),
        // not root, no privilege gain, no capabilities.
        readOnly: true,
        mounts: Object.entries(SANDBOX_MOUNTS).map(([target, sizeBytes]) => tmpfsMount(target, sizeBytes)),
        user: `${APP_UID}:${APP_UID}`,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        logDriver: "json-file",
        logOpts: LOG_OPTS,
        memory: m.memoryBytes === undefined ? undefined : Math.floor(m.memoryBytes / (1024 * 1024)),
        cpus: m.cpus === undefined ? undefined : String(m.cpus),
        labels: instanceLabels(m, env),
    };
}

const APP_ID_LABEL = "cloudengine.app-id";

function instanceLabels(m: AppModel, env: AppEnvironment): { label: string; value: string }[] {
    return labels("EngineApp", m.name, { "cloudengine.env": env, [APP_ID_LABEL]: m.appId });
}
