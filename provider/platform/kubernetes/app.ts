import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppModel, HealthCheck } from "../../config/appModel";
import { AppEnvironment } from "../../config/spec";
import { PROBE_COMMAND } from "../../render/healthCheck";
import { RESOLVER_VALID_SECONDS } from "../../render/proxy/limits";
import { ProxySite } from "../../render/proxy/model";
import { appImage } from "../appImage";
import { appSite, defaultVersionSite } from "../appSite";
import { AppInputs, AppResult, AppRouting, DefaultVersionInputs, DomainResult, INSTANCE_STOP_GRACE_SECONDS } from "../platform";
import { kubernetesLoadBalancer } from "./loadBalancer";
import { contentName, labelValue, secretChecksum, metadata, objectLabels, objectName, serviceHost } from "./naming";
import { APP_CONTAINER_SECURITY, APP_POD_SECURITY, sandboxVolumes } from "./sandbox";
import { kubernetesSettingsOf } from "./settings";

/** How long cluster DNS caches an answer: CoreDNS's default TTL for Kubernetes records (its `cache` honours it). */
const CLUSTER_DNS_TTL_SECONDS = 5;
/** Room for the EndpointSlice controller and CoreDNS's watch to notice a terminating pod on a busy node. */
const ENDPOINT_PROPAGATION_SECONDS = 4;
/**
 * A terminating pod keeps serving this long before it is signalled: until no load balancer can still pick
 * it. The load balancer finds instances by DNS, so an answer listing only the old pods (cached just before
 * the new ones turned ready) can live for propagation + DNS TTL + nginx's own reuse of it; a shorter drain
 * sent requests to stopped pods during rollouts (502, then 504 once their addresses were gone).
 */
const ENDPOINT_DRAIN_SECONDS = ENDPOINT_PROPAGATION_SECONDS + CLUSTER_DNS_TTL_SECONDS + RESOLVER_VALID_SECONDS;

/** Beyond the startup timeout, what a new version may take to be scheduled, pulled and started. */
export const ROLLOUT_MARGIN_SECONDS = 90;

/** How long a rollout may take before it counts as failed (all new instances start at once). */
export function rolloutSeconds(m: AppModel): number {
    return m.health.startupTimeoutSeconds + ROLLOUT_MARGIN_SECONDS;
}

/** Where /cloudengine/init writes why it stopped the app: the pod's status, and the deploy's error, say so. */
const TERMINATION_LOG = "/dev/termination-log";

/** Kubernetes object names of an app: everything starts with app-<slug>. */
export function appObjectBase(m: AppModel): string {
    return objectName("app", m.slug);
}

/** The Service in front of one environment's instances (what the load balancer proxies to). */
export function appServiceName(m: AppModel, env: AppEnvironment): string {
    return objectName(appObjectBase(m), env);
}

/**
 * The headless Service of an environment's pods: its DNS name lists the ready pods only, which the load
 * balancers follow with pooled connections (a ClusterIP would pin each pooled connection to one pod).
 */
export function appInstancesServiceName(m: AppModel, env: AppEnvironment): string {
    return objectName(appObjectBase(m), env, "pods");
}

export function kubernetesApp(parent: pulumi.ComponentResource, inputs: AppInputs): AppResult {
    const m = inputs.model;
    const s = kubernetesSettingsOf();
    const base = appObjectBase(m);
    const imageName = `${s.imageRegistry ?? "cloudengine"}/${base}:latest`;
    const image = appImage(parent, m, inputs.dockerfile, { imageName, push: s.imageRegistry !== undefined });
    // Unpushed builds stay on the local engine (clusters sharing it): run them by name, never pull.
    const local = m.build.kind !== "engine" && s.imageRegistry === undefined;
    const containerImage = local ? pulumi.output(imageName) : image.reference;

    const upstreams: Partial<Record<AppEnvironment, string>> = {};
    for (const { env, instances } of m.environments) {
        const name = appServiceName(m, env);
        const labels = objectLabels("engine-app", name, "EngineApp", { "cloudengine.io/env": env, "cloudengine.io/app-id": labelValue(m.appId) });
        // Plus where /cloudengine/init writes why it stopped the app (Kubernetes only).
        const variables = inputs.environment(env, image.versionTag).apply((v) => ({ ...v, CLOUDENGINE_TERMINATION_LOG: TERMINATION_LOG }));
        // Every injected variable, secret or not, lives in a Secret: the manifests never hold plain values.
        // A new environment is a new Secret (envFrom is read at container start): the pods roll onto it.
        const envSecretName = pulumi.unsecret(variables.apply((v) => contentName(objectName(name, "env"), secretChecksum(JSON.stringify(Object.entries(v).sort())))));
        const secret = new k8s.core.v1.Secret(`${m.name}-${env}-env`, {
            metadata: metadata(envSecretName, labels.all),
            type: "Opaque",
            immutable: true,
            stringData: pulumi.secret(variables),
        }, { parent, dependsOn: inputs.dependsOn });
        const scaling = env === "production" ? m.scaling : undefined;
        const deployment = new k8s.apps.v1.Deployment(`${m.name}-${env}`, {
            metadata: {
                ...metadata(name, labels.all),
                // The update fails once the new version had its startup timeout (plus scheduling and the
                // image pull) and is not ready, instead of after the Kubernetes provider's 10 minutes.
                annotations: { "pulumi.com/timeoutSeconds": String(rolloutSeconds(m)) },
            },
            spec: {
                // A scaled Deployment's count is the autoscaler's: left out, so an update never resets it.
                replicas: scaling ? undefined : instances,
                revisionHistoryLimit: 5,
                selector: { matchLabels: labels.selector },
                // Every new instance starts at once (as on Docker) while the old version keeps serving;
                // the old ones go only when the new ones are ready, and a version never ready never replaces it.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "100%" } },
                progressDeadlineSeconds: rolloutSeconds(m),
                template: {
                    metadata: { labels: labels.all },
                    // The name as computed, not the Secret's output: that is unknown while the Secret is
                    // being replaced, which would make the provider replace the Deployment too.
                    spec: podSpec(m, containerImage, local, envSecretName),
                },
            },
        }, { parent, dependsOn: [...inputs.dependsOn, secret] });
        const serviceName = appInstancesServiceName(m, env);
        new k8s.core.v1.Service(`${m.name}-${env}`, {
            metadata: metadata(serviceName, labels.all),
            spec: { clusterIP: "None", selector: labels.selector, ports: [{ name: "http", port: m.port, targetPort: "http", protocol: "TCP" }] },
        }, { parent });
        if (scaling) appAutoscaler(`${m.name}-${env}`, parent, name, labels.all, scaling, deployment);
        if (instances > 1) {
            new k8s.policy.v1.PodDisruptionBudget(`${m.name}-${env}`, {
                metadata: metadata(name, labels.all),
                spec: { maxUnavailable: 1, selector: { matchLabels: labels.selector } },
            }, { parent });
        }
        upstreams[env] = serviceHost(serviceName);
    }

    const routing: pulumi.Output<AppRouting> = inputs.gateway.apply((gateway) => ({
        slug: m.slug, port: m.port, limits: m.limits, upstreams, network: s.namespace, gateway,
    }));
    const sites = inputs.gateway.apply((gw) => appSites(m, gw.domain));
    const lb = kubernetesLoadBalancer(`${m.name}-app`, objectName(base, "lb"), parent, { sites, gateway: inputs.gateway, component: "EngineApp" });
    return { routing, versionTag: image.versionTag, inboundIps: lb.inboundIps, ready: [] };
}

/** A versioned app's own hostnames: a load balancer of their own, to the default version's Service. */
export function kubernetesDefaultVersion(parent: pulumi.ComponentResource, inputs: DefaultVersionInputs): DomainResult {
    const m = inputs.model;
    const app = m.versionOf!.app;
    const sites = inputs.gateway.apply((gw) => [defaultVersionSite(m, gw.domain, `${app}-default`, serviceHost(appInstancesServiceName(m, "production")))]);
    const lb = kubernetesLoadBalancer(`${inputs.name}-default`, objectName("app", app, "default", "lb"), parent, { sites, gateway: inputs.gateway, component: "EngineApp" });
    return { inboundIps: lb.inboundIps };
}

/** The app's own hostnames, served by its load balancer from its environments' Services. */
export function appSites(m: AppModel, domain: string): ProxySite[] {
    return m.environments.map(({ env }) => appSite(m, env, domain, `${m.slug}-${env}`, serviceHost(appInstancesServiceName(m, env))));
}

/**
 * The kubelet's probes are a backstop behind /cloudengine/init's own health supervision, which runs the
 * same check and stops the app first, writing why to the termination message (a kill by the kubelet
 * would leave none): the startup probe gives up this long after init's startup timeout (under load init's own checks can lag the kubelet's by seconds), the liveness
 * probe one failed check after init's restart count.
 */
export const STARTUP_BACKSTOP_SECONDS = 15;
export const LIVENESS_BACKSTOP_CHECKS = 1;

/**
 * Probes: the same check Docker runs (/cloudengine/init probe, with its diagnosis in the pod's events):
 * every second while starting, then readiness (traffic) at the regular interval; startup and liveness
 * failures restart the container only as a backstop (see STARTUP_BACKSTOP_SECONDS).
 */
export function appProbes(h: HealthCheck): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const exec = { command: PROBE_COMMAND };
    return {
        startupProbe: { exec, periodSeconds: h.startupIntervalSeconds, failureThreshold: Math.ceil((h.startupTimeoutSeconds + STARTUP_BACKSTOP_SECONDS) / h.startupIntervalSeconds), timeoutSeconds: h.timeoutSeconds },
        readinessProbe: { exec, periodSeconds: h.intervalSeconds, failureThreshold: 1, successThreshold: 1, timeoutSeconds: h.timeoutSeconds },
        livenessProbe: { exec, periodSeconds: h.intervalSeconds, failureThreshold: h.failuresBeforeRestart + LIVENESS_BACKSTOP_CHECKS, timeoutSeconds: h.timeoutSeconds },
    };
}

/**
 * App Engine's automatic scaling: a HorizontalPodAutoscaler keeping the instances' average CPU use (of
 * their requests, which are `cpus`) at the target, between min and max; instances go only after the load
 * has been lower for scaleDownDelaySeconds.
 */
function appAutoscaler(
    name: string,
    parent: pulumi.ComponentResource,
    objectName: string,
    labels: Record<string, string>,
    scaling: NonNullable<AppModel["scaling"]>,
    deployment: k8s.apps.v1.Deployment,
): k8s.autoscaling.v2.HorizontalPodAutoscaler {
    return new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
        metadata: metadata(objectName, labels),
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objectName },
            minReplicas: scaling.min,
            maxReplicas: scaling.max,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: scaling.targetCpu } } }],
            behavior: { scaleDown: { stabilizationWindowSeconds: scaling.scaleDownDelaySeconds } },
        },
    }, { parent, dependsOn: [deployment] });
}

/** Kubernetes resources from the model's limits: requests equal limits (predictable placement). */
export function appResources(m: AppModel): k8s.types.input.core.v1.ResourceRequirements | undefined {
    const amounts: Record<string, string> = {};
    if (m.memoryBytes !== undefined) amounts.memory = `${Math.floor(m.memoryBytes / (1024 * 1024))}Mi`;
    if (m.cpus !== undefined) amounts.cpu = `${Math.round(m.cpus * 1000)}m`;
    return Object.keys(amounts).length ? { limits: amounts, requests: amounts } : undefined;
}

function podSpec(m: AppModel, image: pulumi.Input<string>, local: boolean, envSecret: pulumi.Input<string>): k8s.types.input.core.v1.PodSpec {
    const sandbox = sandboxVolumes();
    return {
        automountServiceAccountToken: false,
        // Only the injected environment: no *_SERVICE_HOST variables of every Service in the namespace
        // (the kubelet adds the API server's KUBERNETES_SERVICE_* whatever this says; no token is mounted).
        enableServiceLinks: false,
        terminationGracePeriodSeconds: INSTANCE_STOP_GRACE_SECONDS,
        securityContext: APP_POD_SECURITY,
        containers: [{
            name: "app",
            image,
            imagePullPolicy: local ? "Never" : "IfNotPresent",
            envFrom: [{ secretRef: { name: envSecret } }],
            terminationMessagePath: TERMINATION_LOG,
            terminationMessagePolicy: "File",
            ports: [{ name: "http", containerPort: m.port, protocol: "TCP" }],
            ...appProbes(m.health),
            lifecycle: { preStop: { sleep: { seconds: ENDPOINT_DRAIN_SECONDS } } },
            resources: appResources(m),
            securityContext: APP_CONTAINER_SECURITY,
            volumeMounts: sandbox.mounts,
        }],
        volumes: sandbox.volumes,
    };
}
