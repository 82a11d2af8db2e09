import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { APP_UID, AppModel } from "../../config/appModel";
import { INSTANCE_SERVE_PORT } from "../../config/ports";
import { AppEnvironment, SANDBOX_MOUNTS } from "../../config/spec";
import { RESOLVER_VALID_SECONDS } from "../../render/proxy/limits";
import { PROBE_COMMAND } from "../../render/healthCheck";
import { ProxySite } from "../../render/proxy/model";
import { AppInputs, AppResult, AppRouting, INSTANCE_STOP_GRACE_SECONDS } from "../platform";
import { appImage } from "../appImage";
import { instanceDnsName, labels, stackPrefix } from "./naming";
import { stackNetwork } from "./network";
import { reachableDockerHost } from "./engineApi";
import { containerHealthcheck } from "./healthcheck";
import { releaseResource } from "./release";
import { dockerRouter } from "./router";
import { tmpfsMount } from "./tmpfsMount";

/**
 * Docker has no readiness: a container is in its DNS alias from start to removal. So /cloudengine/init
 * opens INSTANCE_SERVE_PORT only while the app is healthy (routers send traffic there), and on stop
 * closes it and keeps serving in-flight requests until routers' cached DNS answers have expired.
 */
const DRAIN_SECONDS = RESOLVER_VALID_SECONDS + 1;
const GATE_SETTINGS = { CLOUDENGINE_SERVE_PORT: String(INSTANCE_SERVE_PORT), CLOUDENGINE_DRAIN_SECONDS: String(DRAIN_SECONDS) };
/** Docker's json-file rotation: the closest Docker comes to the spec's log limits (init caps lines). */
const LOG_OPTS = { "max-size": "10m", "max-file": "3" };

export function dockerApp(parent: pulumi.ComponentResource, inputs: AppInputs): AppResult {
    const m = inputs.model;
    const network = stackNetwork();
    const { reference: image, versionTag } = appImage(parent, m, inputs.dockerfile, {
        imageName: `cloudengine/${stackPrefix()}-${m.slug}:latest`,
        push: false,
    });

    // Where the program can reach the engine, a Release per environment waits for the instances and
    // retires earlier ones (release.ts); elsewhere (ssh:// or TLS hosts) the provider's `wait` does,
    // and a failed, retried `pulumi up` may replace the previous version before the new one is healthy.
    const releaseHost = reachableDockerHost();
    const releases: pulumi.CustomResource[] = [];
    for (const { env, instances } of m.environments) {
        const envs = inputs.environment(env, versionTag).apply((vars) => Object.entries({ ...vars, ...GATE_SETTINGS }).map(([k, v]) => `${k}=${v}`));
        const containers: docker.Container[] = [];
        for (let i = 0; i < instances; i++) {
            containers.push(new docker.Container(`${m.name}-${env}-${i}`, instanceArgs(m, env, image, envs, network.name, releaseHost !== undefined), {
                parent,
                dependsOn: inputs.dependsOn,
                // The Docker provider asks for delete-first replacement of containers; overriding it
                // keeps the old instance serving until the new one is healthy.
                deleteBeforeReplace: false,
                // The Release stops and removes instances once a newer release is healthy.
                retainOnDelete: releaseHost !== undefined,
            }));
        }
        if (releaseHost !== undefined) {
            releases.push(releaseResource(`${m.name}-${env}-release`, {
                host: releaseHost,
                what: `EngineApp "${m.name}" (${env})`,
                containers: pulumi.all(containers.map((c) => c.id)),
                // Labels that stay the same across releases (not the app ID, which a user may change).
                select: Object.fromEntries(instanceLabels(m, env).filter((l) => l.label !== APP_ID_LABEL).map((l) => [l.label, l.value])),
                waitSeconds: m.health.startupTimeoutSeconds + m.health.timeoutSeconds,
                stopGraceSeconds: INSTANCE_STOP_GRACE_SECONDS,
            }, { parent }));
        }
    }

    const upstreams: Partial<Record<AppEnvironment, string>> = {};
    for (const { env } of m.environments) upstreams[env] = instanceDnsName(m.slug, env);
    const routing: pulumi.Output<AppRouting> = pulumi.all([inputs.gateway, network.name]).apply(([gateway, net]) => ({
        slug: m.slug, port: INSTANCE_SERVE_PORT, upstreams, network: net, gateway,
    }));
    const sites = inputs.gateway.apply((gw) => defaultSites(m, gw.domain));
    dockerRouter(`${m.name}-router`, parent, { sites, gateway: inputs.gateway, stackNetwork: network.name, component: "EngineApp" });
    // The version that serves: known once every Release succeeded, so a failed up keeps reporting the
    // previous one (which keeps serving) instead of the version that never became healthy.
    const servingVersionTag = pulumi.all([versionTag, ...releases.map((r) => r.id)]).apply(([tag]) => tag);
    return { routing, versionTag: servingVersionTag };
}

/** The app's own hostnames: <app>.<domain> for production, stg-<app>.<domain> for staging. */
export function defaultSites(m: AppModel, domain: string): ProxySite[] {
    return m.environments.map(({ env }) => ({
        id: `${m.slug}-${env}`,
        hostnames: [`${env === "stage" ? "stg-" : ""}${m.slug}.${domain}`],
        upstreamHost: instanceDnsName(m.slug, env),
        upstreamPort: INSTANCE_SERVE_PORT,
        forceHttps: false,
        tls: false,
        cdnCache: m.cdn,
    }));
}

function instanceArgs(
    m: AppModel,
    env: AppEnvironment,
    image: pulumi.Output<string>,
    envs: pulumi.Output<string[]>,
    network: pulumi.Output<string>,
    released: boolean,
): docker.ContainerArgs {
    const h = m.health;
    return {
        image,
        envs,
        networksAdvanced: [{ name: network, aliases: [instanceDnsName(m.slug, env)] }],
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
        // A Release waits (and tells why) where it can; a release it stopped must not fail a refresh.
        wait: !released,
        waitTimeout: released ? undefined : h.startupTimeoutSeconds + h.timeoutSeconds,
        mustRun: !released,
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
