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
import { dockerRouter } from "./router";

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

    for (const { env, instances } of m.environments) {
        const envs = inputs.environment(env, versionTag).apply((vars) => Object.entries({ ...vars, ...GATE_SETTINGS }).map(([k, v]) => `${k}=${v}`));
        for (let i = 0; i < instances; i++) {
            new docker.Container(`${m.name}-${env}-${i}`, instanceArgs(m, env, image, envs, network.name), {
                parent,
                dependsOn: inputs.dependsOn,
                // The Docker provider asks for delete-first replacement of containers; overriding it
                // keeps the old instance serving until the new one is healthy (wait), and forever if it
                // never becomes healthy.
                deleteBeforeReplace: false,
            });
        }
    }

    const upstreams: Partial<Record<AppEnvironment, string>> = {};
    for (const { env } of m.environments) upstreams[env] = instanceDnsName(m.slug, env);
    const routing: pulumi.Output<AppRouting> = pulumi.all([inputs.gateway, network.name]).apply(([gateway, net]) => ({
        slug: m.slug, port: INSTANCE_SERVE_PORT, upstreams, network: net, gateway,
    }));
    const sites = inputs.gateway.apply((gw) => defaultSites(m, gw.domain));
    dockerRouter(`${m.name}-router`, parent, { sites, gateway: inputs.gateway, stackNetwork: network.name, component: "EngineApp" });
    return { routing, versionTag };
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
): docker.ContainerArgs {
    const h = m.health;
    return {
        image,
        envs,
        networksAdvanced: [{ name: network, aliases: [instanceDnsName(m.slug, env)] }],
        // Health: probed every second while starting ("check your app every second"), then regularly.
        healthcheck: {
            tests: ["CMD", ...PROBE_COMMAND],
            startPeriod: `${h.startupTimeoutSeconds}s`,
            startInterval: `${h.startupIntervalSeconds}s`,
            interval: `${h.intervalSeconds}s`,
            timeout: `${h.timeoutSeconds}s`,
            retries: h.failuresBeforeRestart,
        },
        // "If your app has not been started within the time limit ... the deployment will be canceled."
        wait: true,
        waitTimeout: h.startupTimeoutSeconds + h.timeoutSeconds,
        restart: "unless-stopped",
        destroyGraceSeconds: INSTANCE_STOP_GRACE_SECONDS,
        // The sandbox: read-only root, writable /tmp, /home/leanengine and /dev/shm (1 GB together),
        // not root, no privilege gain, no capabilities.
        readOnly: true,
        mounts: Object.entries(SANDBOX_MOUNTS).map(([target, sizeBytes]) => ({ type: "tmpfs", target, tmpfsOptions: { sizeBytes, mode: 0o1777 } })),
        user: `${APP_UID}:${APP_UID}`,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        logDriver: "json-file",
        logOpts: LOG_OPTS,
        memory: m.memoryBytes === undefined ? undefined : Math.floor(m.memoryBytes / (1024 * 1024)),
        cpus: m.cpus === undefined ? undefined : String(m.cpus),
        labels: labels("EngineApp", m.name, { "cloudengine.env": env, "cloudengine.app-id": m.appId }),
    };
}
