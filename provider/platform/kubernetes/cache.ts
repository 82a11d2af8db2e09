import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { REDIS_PORT } from "../../config/spec";
import { REDIS_AUTH_CONF_PATH, REDIS_CONF_PATH, REDIS_DATA_DIR, REDIS_PING_SCRIPT, REDIS_START_SECONDS, REDIS_STOP_SECONDS, renderRedisAuthConf, renderRedisConf } from "../../render/redisConf";
import { CacheResult } from "../platform";
import { checksum, contentName, metadata, secretChecksum, objectLabels, objectName, serviceHost } from "./naming";
import { kubernetesSettingsOf } from "./settings";
import { volumeSize } from "./volumeSize";

// A LeanCache instance on Kubernetes: Redis in a one-pod StatefulSet whose AOF lives on a
// PersistentVolumeClaim (it survives pod replacement), its config in a ConfigMap, its password in a
// Secret, reached through a ClusterIP Service. The claim is its own object, not the StatefulSet's
// volumeClaimTemplates: those are immutable, so a new capacity would replace the StatefulSet, while a
// claim grows in place (and `pulumi destroy` removes it with the rest).

/** The official redis image's user. */
const REDIS_UID = 999;
const MiB = 1024 * 1024;
/** Room for the AOF and its rewrite next to each other. */
const VOLUME_PER_MEMORY = 3;
const MIN_VOLUME_MIB = 1024;

export function cacheObjectName(m: CacheModel): string {
    return objectName("cache", m.slug);
}

export function kubernetesCache(parent: pulumi.ComponentResource, m: CacheModel, password: pulumi.Output<string>): CacheResult {
    const s = kubernetesSettingsOf();
    const name = cacheObjectName(m);
    const labels = objectLabels("leancache", name, "LeanCacheInstance");
    const conf = renderRedisConf({ maxmemoryBytes: m.maxmemoryBytes, evictionPolicy: m.evictionPolicy });
    // Content-named (see contentName): a new config or password restarts Redis in place, on the same volume.
    const configName = contentName(objectName(name, "config"), checksum(conf));
    const configMap = new k8s.core.v1.ConfigMap(`${m.name}-config`, {
        metadata: metadata(configName, labels.all),
        immutable: true,
        data: { "redis.conf": conf },
    }, { parent });
    const authName = pulumi.unsecret(password.apply((p) => contentName(objectName(name, "auth"), secretChecksum(p))));
    const secret = new k8s.core.v1.Secret(`${m.name}-auth`, {
        metadata: metadata(authName, labels.all),
        type: "Opaque",
        immutable: true,
        // auth.conf for the server; REDISCLI_AUTH for the probes (never in a command line).
        stringData: pulumi.secret(password.apply((p) => ({ "auth.conf": renderRedisAuthConf(p), password: p }))),
    }, { parent });
    const service = new k8s.core.v1.Service(`${m.name}`, {
        metadata: metadata(name, labels.all),
        spec: { type: "ClusterIP", selector: labels.selector, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis", protocol: "TCP" }] },
    }, { parent });
    const memoryMiB = m.maxmemoryBytes / MiB;
    const claimName = objectName(name, "data");
    const size = volumeSize(`${m.name}-volume-size`, Math.max(MIN_VOLUME_MIB, memoryMiB * VOLUME_PER_MEMORY), { parent });
    const claim = new k8s.core.v1.PersistentVolumeClaim(`${m.name}-data`, {
        // Not awaited: with a WaitForFirstConsumer class (the default class of many clusters, often not
        // named here) the claim binds only once the StatefulSet's pod exists, which waits for the claim;
        // the Kubernetes provider would time out. The StatefulSet's own readiness covers the volume.
        metadata: { ...metadata(claimName, labels.all), annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(s.storageClassName !== undefined ? { storageClassName: s.storageClassName } : {}),
            resources: { requests: { storage: pulumi.interpolate`${size.sizeMiB}Mi` } },
        },
    }, { parent });
    const ping = { exec: { command: ["sh", "-c", REDIS_PING_SCRIPT] } };
    new k8s.apps.v1.StatefulSet(m.name, {
        metadata: metadata(name, labels.all),
        spec: {
            serviceName: name,
            replicas: 1,
            selector: { matchLabels: labels.selector },
            updateStrategy: { type: "RollingUpdate" },
            template: {
                metadata: { labels: labels.all },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds: REDIS_STOP_SECONDS,
                    securityContext: { runAsNonRoot: true, runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "redis",
                        image: m.image,
                        command: ["redis-server", REDIS_CONF_PATH],
                        ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
                        env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: authName, key: "password" } } }],
                        startupProbe: { ...ping, periodSeconds: 1, failureThreshold: REDIS_START_SECONDS, timeoutSeconds: 3 },
                        readinessProbe: { ...ping, periodSeconds: 5, failureThreshold: 1, timeoutSeconds: 3 },
                        livenessProbe: { ...ping, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 },
                        // maxmemory bounds the data; the rest covers copy-on-write during AOF rewrites.
                        resources: { requests: { memory: `${memoryMiB}Mi` }, limits: { memory: `${memoryMiB * 2 + 128}Mi` } },
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [
                            { name: "config", mountPath: REDIS_CONF_PATH, subPath: "redis.conf", readOnly: true },
                            { name: "auth", mountPath: REDIS_AUTH_CONF_PATH, subPath: "auth.conf", readOnly: true },
                            { name: "data", mountPath: REDIS_DATA_DIR },
                        ],
                    }],
                    volumes: [
                        { name: "config", configMap: { name: configName } },
                        { name: "auth", secret: { secretName: authName } },
                        { name: "data", persistentVolumeClaim: { claimName } },
                    ],
                },
            },
        },
    }, { parent, dependsOn: [configMap, secret, service, claim] });
    return { host: pulumi.output(serviceHost(name)) };
}
