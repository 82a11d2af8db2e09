import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { CACHE_NODES, REDIS_PORT, SENTINEL_PORT, SENTINELS } from "../../config/spec";
import { HAPROXY_COMMAND, HAPROXY_CONF_PATH } from "../../render/haproxyConf";
import { CacheTopology, renderSentinelStartScript, SENTINEL_DIR, SENTINEL_PING_SCRIPT, SENTINEL_SCRIPT_PATH, sentinelId } from "../../render/redisHa";
import { REDIS_START_SECONDS } from "../../render/redisConf";
import { checksum, contentName, metadata, objectLabels, objectName, ObjectLabels } from "./naming";
import { kubernetesSettingsOf } from "./settings";

// The parts of a highly available LeanCache instance on Kubernetes besides its two nodes (cache.ts): a
// headless Service that gives nodes and Sentinels stable names (also before they are ready: a replica must
// find its master while neither is ready yet), three Sentinels (a one-pod StatefulSet each, so each keeps
// its name and ID) and the endpoint, one HAProxy pod behind the instance's Service. One, not more: each
// HAProxy keeps its own choice of node, and two could choose differently while an old master comes back.

/** On every pod of the instance, so the headless Service can select nodes and Sentinels together. */
export const CACHE_LABEL = "cloudengine.io/leancache";
export const MEMBER_LABEL = "cloudengine.io/leancache-member";
/** The official redis image's user. */
export const REDIS_UID = 999;
/** The official haproxy image's user (the local stand-in runs as any user: it only reads its config). */
const HAPROXY_UID = 99;

function sentinelSetName(name: string, index: number): string {
    return objectName(name, "sentinel", String(index));
}

function nodeSetName(name: string, index: number): string {
    return index === 0 ? name : objectName(name, String(index));
}

/** Pod names under the headless Service: `<StatefulSet>-0.<service>.<namespace>.svc.<domain>`. */
export function cacheTopology(name: string): CacheTopology & { service: string } {
    const s = kubernetesSettingsOf();
    const service = objectName(name, "members");
    const host = (set: string) => `${set}-0.${service}.${s.namespace}.svc.${s.clusterDomain}`;
    return {
        service,
        nodes: Array.from({ length: CACHE_NODES }, (_, i) => host(nodeSetName(name, i))),
        sentinels: Array.from({ length: SENTINELS }, (_, i) => host(sentinelSetName(name, i))),
    };
}


export function cacheMembersService(parent: pulumi.ComponentResource, name: string): k8s.core.v1.Service {
    const service = objectName(name, "members");
    return new k8s.core.v1.Service(`${service}`, {
        metadata: metadata(service, objectLabels("leancache", service, "LeanCacheInstance").all),
        spec: {
            clusterIP: "None",
            publishNotReadyAddresses: true,
            selector: { [CACHE_LABEL]: name },
            ports: [{ name: "redis", port: REDIS_PORT, protocol: "TCP" }, { name: "sentinel", port: SENTINEL_PORT, protocol: "TCP" }],
        },
    }, { parent });
}

interface HaShared {
    parent: pulumi.ComponentResource;
    m: CacheModel;
    name: string;
    topology: CacheTopology & { service: string };
    authName: pulumi.Output<string>;
    secret: k8s.core.v1.Secret;
    dependsOn: pulumi.Resource[];
}

/** Startup, readiness and liveness of a Redis node or Sentinel (`pingScript`: redis-cli, which reads REDISCLI_AUTH). */
export function redisProbes(pingScript: string) {
    const ping = { exec: { command: ["sh", "-c", pingScript] } };
    return {
        startupProbe: { ...ping, periodSeconds: 1, failureThreshold: REDIS_START_SECONDS, timeoutSeconds: 3 },
        readinessProbe: { ...ping, periodSeconds: 5, failureThreshold: 1, timeoutSeconds: 3 },
        livenessProbe: { ...ping, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 },
    };
}

const podSecurity = (uid: number) => ({ runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, seccompProfile: { type: "RuntimeDefault" } });
const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** Sentinels' scripts in a ConfigMap of their own: a new capacity (the nodes' config) does not restart them. */
function sentinelConfig(o: HaShared & { downAfterSeconds: number }): { configMap: k8s.core.v1.ConfigMap; configName: string } {
    const s = kubernetesSettingsOf();
    const scripts = Object.fromEntries(o.topology.sentinels.map((_, i) => [
        `start-sentinel-${i}.sh`,
        renderSentinelStartScript(o.topology, i, sentinelId(`${s.namespace}/${o.name}/${i}`), { downAfterMs: o.downAfterSeconds * 1000 }),
    ]));
    const configName = contentName(objectName(o.name, "sentinel"), checksum(JSON.stringify(scripts)));
    const configMap = new k8s.core.v1.ConfigMap(`${o.m.name}-sentinel-config`, {
        metadata: metadata(configName, objectLabels("leancache", o.name, "LeanCacheInstance").all),
        immutable: true,
        data: scripts,
    }, { parent: o.parent });
    return { configMap, configName };
}

export function cacheSentinels(o: HaShared & { downAfterSeconds: number }): k8s.apps.v1.StatefulSet[] {
    const { configMap, configName } = sentinelConfig(o);
    return o.topology.sentinels.map((_, i) => {
        const setName = sentinelSetName(o.name, i);
        const labels = objectLabels("leancache", setName, "LeanCacheInstance", { [CACHE_LABEL]: o.name, [MEMBER_LABEL]: "sentinel" });
        return new k8s.apps.v1.StatefulSet(`${o.m.name}-sentinel-${i}`, {
            metadata: metadata(setName, labels.all),
            spec: {
                serviceName: o.topology.service,
                replicas: 1,
                selector: { matchLabels: labels.selector },
                template: {
                    metadata: { labels: labels.all },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        securityContext: podSecurity(REDIS_UID),
                        containers: [{
                            name: "sentinel",
                            image: o.m.image,
                            command: ["sh", SENTINEL_SCRIPT_PATH],
                            ports: [{ name: "sentinel", containerPort: SENTINEL_PORT, protocol: "TCP" }],
                            env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: o.authName, key: "password" } } }],
                            ...redisProbes(SENTINEL_PING_SCRIPT),
                            resources: { requests: { memory: "16Mi" }, limits: { memory: "64Mi" } },
                            securityContext: containerSecurity,
                            volumeMounts: [
                                { name: "config", mountPath: SENTINEL_SCRIPT_PATH, subPath: `start-sentinel-${i}.sh`, readOnly: true },
                                // The config the Sentinel rewrites (the root filesystem is read-only).
                                { name: "state", mountPath: SENTINEL_DIR },
                            ],
                        }],
                        volumes: [
                            { name: "config", configMap: { name: configName } },
                            { name: "state", emptyDir: { sizeLimit: "16Mi" } },
                        ],
                    },
                },
            },
        }, { parent: o.parent, dependsOn: [configMap, o.secret, ...o.dependsOn] });
    });
}

export function cacheEndpoint(o: HaShared & { labels: ObjectLabels; image: string }): k8s.apps.v1.Deployment {
    const setName = o.labels.selector["app.kubernetes.io/instance"];
    const listening = { tcpSocket: { port: "redis" } };
    return new k8s.apps.v1.Deployment(`${o.m.name}-endpoint`, {
        metadata: metadata(setName, o.labels.all),
        spec: {
            replicas: 1,
            selector: { matchLabels: o.labels.selector },
            // The old pod goes before the new one starts: never two endpoints choosing a master each.
            strategy: { type: "Recreate" },
            template: {
                metadata: { labels: o.labels.all },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: podSecurity(HAPROXY_UID),
                    containers: [{
                        name: "haproxy",
                        image: o.image,
                        command: HAPROXY_COMMAND,
                        ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
                        readinessProbe: { ...listening, periodSeconds: 2, failureThreshold: 1 },
                        livenessProbe: { ...listening, periodSeconds: 5, failureThreshold: 3 },
                        resources: { requests: { memory: "32Mi" }, limits: { memory: "256Mi" } },
                        securityContext: containerSecurity,
                        volumeMounts: [{ name: "config", mountPath: HAPROXY_CONF_PATH, subPath: "haproxy.cfg", readOnly: true }],
                    }],
                    volumes: [{ name: "config", secret: { secretName: o.authName, items: [{ key: "haproxy.cfg", path: "haproxy.cfg" }] } }],
                },
            },
        },
    }, { parent: o.parent, dependsOn: [o.secret, ...o.dependsOn] });
}
