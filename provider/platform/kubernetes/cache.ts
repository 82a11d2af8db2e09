import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CacheModel } from "../../config/models";
import { CACHE_NODES, REDIS_PORT } from "../../config/spec";
import { NODE_SCRIPT_PATH, renderNodeStartScript } from "../../render/redisHa";
import { REDIS_AUTH_CONF_PATH, REDIS_CONF_PATH, REDIS_DATA_DIR, REDIS_PING_SCRIPT, REDIS_STOP_SECONDS, renderRedisAuthConf, renderRedisConf, renderRedisMemoryConf } from "../../render/redisConf";
import { renderHaproxyConf } from "../../render/haproxyConf";
import { cacheNodes, KUBE_MEMORY_DIR, KUBE_MEMORY_FILE, MEMORY_ANNOTATION } from "./cacheNodes";
import { CacheResult } from "../platform";
import { cacheAnnotations } from "./cacheAnnotations";
import { cacheEndpoint, cacheMembersService, cacheSentinels, cacheTopology, CACHE_LABEL, MEMBER_LABEL, REDIS_UID, redisProbes } from "./cacheHa";
import { checksum, contentName, metadata, secretChecksum, objectLabels, objectName, serviceHost } from "./naming";
import { kubernetesSettingsOf } from "./settings";
import { volumeSize } from "./volumeSize";

// A LeanCache instance on Kubernetes: Redis in a one-pod StatefulSet whose AOF lives on a
// PersistentVolumeClaim (it survives pod replacement), its config in a ConfigMap, its password in a
// Secret, reached through a ClusterIP Service. The claim is its own object, not the StatefulSet's
// volumeClaimTemplates: those are immutable, so a new capacity would replace the StatefulSet, while a
// claim grows in place (and `pulumi destroy` removes it with the rest). With highAvailability a second
// node (its own StatefulSet and claim), three Sentinels and the endpoint (cacheHa.ts) join it, and the
// Service leads to the endpoint. Node 0 keeps the one-node instance's objects, so its data carries over.

const MiB = 1024 * 1024;
/** Room for the AOF and its rewrite next to each other. */
const VOLUME_PER_MEMORY = 3;
const MIN_VOLUME_MIB = 1024;

export function cacheObjectName(m: CacheModel): string {
    return objectName("cache", m.slug);
}

export function kubernetesCache(parent: pulumi.ComponentResource, m: CacheModel, password: pulumi.Output<string>): CacheResult {
    const name = cacheObjectName(m);
    const topology = m.highAvailability && cacheTopology(name);
    const memory = { maxmemoryBytes: m.maxmemoryBytes, evictionPolicy: m.evictionPolicy, memoryConfPath: `${KUBE_MEMORY_DIR}/${KUBE_MEMORY_FILE}` };
    const files: Record<string, string> = topology
        ? {
            ...Object.fromEntries(topology.nodes.flatMap((host, i) => [
                [nodeConfKey(i), renderRedisConf({ ...memory, announceHostname: host })],
                [`start-node-${i}.sh`, renderNodeStartScript(topology, i, REDIS_CONF_PATH)],
            ])),
        }
        : { [nodeConfKey(0)]: renderRedisConf(memory) };
    const allFiles = JSON.stringify(files);
    // Content-named (see contentName): a new config or password restarts Redis in place, on the same volume.
    const configName = contentName(objectName(name, "config"), checksum(allFiles));
    const instanceLabels = objectLabels("leancache", name, "LeanCacheInstance");
    const configMap = new k8s.core.v1.ConfigMap(`${m.name}-config`, {
        metadata: metadata(configName, instanceLabels.all),
        immutable: true,
        data: files,
    }, { parent });
    const authName = pulumi.unsecret(password.apply((p) => contentName(objectName(name, "auth"), secretChecksum(p))));
    const secret = new k8s.core.v1.Secret(`${m.name}-auth`, {
        metadata: metadata(authName, instanceLabels.all),
        type: "Opaque",
        immutable: true,
        // auth.conf for the server; REDISCLI_AUTH for the probes (never in a command line); the endpoint's checks.
        stringData: pulumi.secret(password.apply((p) => ({
            "auth.conf": renderRedisAuthConf(p),
            password: p,
            ...(topology ? { "haproxy.cfg": renderHaproxyConf(topology.nodes, p) } : {}),
        }))),
    }, { parent });
    const endpointLabels = objectLabels("leancache", objectName(name, "endpoint"), "LeanCacheInstance", { [CACHE_LABEL]: name });
    const service = new k8s.core.v1.Service(`${m.name}`, {
        metadata: { ...metadata(name, instanceLabels.all), annotations: cacheAnnotations({ ...m, project: pulumi.getProject(), stack: pulumi.getStack() }) },
        spec: {
            type: "ClusterIP",
            selector: topology ? endpointLabels.selector : instanceLabels.selector,
            ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis", protocol: "TCP" }],
        },
    }, { parent });
    const shared: NodeShared = { parent, m, configMap, configName, secret, authName, memoryConf: renderRedisMemoryConf(memory) };
    if (!topology) {
        keepNodesCurrent(shared, [redisNode(shared, 0, { serviceName: name, labels: instanceLabels, dependsOn: [service] })]);
        return { host: pulumi.output(serviceHost(name)) };
    }
    const members = cacheMembersService(parent, name);
    const nodes: RedisNode[] = [];
    for (let i = 0; i < CACHE_NODES; i++) {
        // Node 0 keeps the one-node instance's names.
        const setName = i === 0 ? name : objectName(name, String(i));
        const labels = objectLabels("leancache", setName, "LeanCacheInstance", { [CACHE_LABEL]: name, [MEMBER_LABEL]: "node" });
        nodes.push(redisNode(shared, i, { serviceName: topology.service, labels, dependsOn: [members], startScript: true }));
    }
    keepNodesCurrent(shared, nodes);
    const sentinelsAndEndpoint = { parent, m, name, topology, authName, secret };
    cacheSentinels({ ...sentinelsAndEndpoint, downAfterSeconds: m.highAvailability!.downAfterSeconds, dependsOn: [members] });
    cacheEndpoint({ ...sentinelsAndEndpoint, labels: endpointLabels, image: m.highAvailability!.endpointImage, dependsOn: [service] });
    return { host: pulumi.output(serviceHost(name)) };
}

/** The nodes' running pods follow their StatefulSets, one node after the other (cacheNodes.ts). */
function keepNodesCurrent(s: NodeShared, nodes: RedisNode[]): void {
    const settings = kubernetesSettingsOf();
    const kubernetes = new pulumi.Config("kubernetes");
    const kubeconfig = settings.kubeconfig ?? kubernetes.get("kubeconfig");
    const context = settings.context ?? kubernetes.get("context");
    const memoryMiB = s.m.maxmemoryBytes / MiB;
    cacheNodes(`${s.m.name}-nodes`, {
        what: `LeanCacheInstance "${s.m.name}"`,
        // A kubeconfig's contents may hold credentials.
        access: kubeconfig === undefined ? { ...(context ? { context } : {}) } : pulumi.secret({ kubeconfig, ...(context ? { context } : {}) }),
        namespace: settings.namespace,
        nodes: pulumi.all(nodes.map((n) => n.set.metadata.uid.apply((uid) => ({ statefulSet: n.name, uid: uid ?? "" })))),
        restartKey: pulumi.all(nodes.map((n) => n.restartKey)).apply((keys) => checksum(keys.join(","))),
        capacity: s.m.capacity,
        memoryConf: s.memoryConf,
        maxmemoryBytes: s.m.maxmemoryBytes,
        evictionPolicy: s.m.evictionPolicy,
        resources: nodeResources(memoryMiB),
    }, { parent: s.parent, dependsOn: nodes.map((n) => n.set) });
}

/** maxmemory bounds the data; the rest of the limit covers copy-on-write during AOF rewrites. */
function nodeResources(memoryMiB: number) {
    return { requests: { memory: `${memoryMiB}Mi` }, limits: { memory: `${memoryMiB * 2 + 128}Mi` } };
}

interface NodeShared {
    parent: pulumi.ComponentResource;
    m: CacheModel;
    configMap: k8s.core.v1.ConfigMap;
    configName: string;
    secret: k8s.core.v1.Secret;
    authName: pulumi.Output<string>;
    /** The nodes' memory file (maxmemory and its policy), held in their pods' MEMORY_ANNOTATION. */
    memoryConf: string;
}

interface RedisNode {
    name: string;
    set: k8s.apps.v1.StatefulSet;
    /** A digest of the pod template without what changes in place (memory): a new one restarts the node. */
    restartKey: pulumi.Output<string>;
}

function nodeConfKey(index: number): string {
    return index === 0 ? "redis.conf" : `redis-${index}.conf`;
}

/**
 * Redis node `index`: a one-pod StatefulSet with its own claim (node 0's names are the one-node
 * instance's). OnDelete: its pod is restarted or resized by cacheNodes, never by the controller.
 */
function redisNode(s: NodeShared, index: number, o: { serviceName: string; labels: ReturnType<typeof objectLabels>; dependsOn: pulumi.Resource[]; startScript?: boolean }): RedisNode {
    const { parent, m } = s;
    const settings = kubernetesSettingsOf();
    const setName = o.labels.selector["app.kubernetes.io/instance"];
    const resource = index === 0 ? m.name : `${m.name}-${index}`;
    const memoryMiB = m.maxmemoryBytes / MiB;
    const claimName = objectName(setName, "data");
    const size = volumeSize(`${resource}-volume-size`, Math.max(MIN_VOLUME_MIB, memoryMiB * VOLUME_PER_MEMORY), { parent });
    const claim = new k8s.core.v1.PersistentVolumeClaim(`${resource}-data`, {
        // Not awaited: with a WaitForFirstConsumer class (the default class of many clusters, often not
        // named here) the claim binds only once the StatefulSet's pod exists, which waits for the claim;
        // the Kubernetes provider would time out. The StatefulSet's own readiness covers the volume.
        metadata: { ...metadata(claimName, o.labels.all), annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            accessModes: ["ReadWriteOnce"],
            ...(settings.storageClassName !== undefined ? { storageClassName: settings.storageClassName } : {}),
            resources: { requests: { storage: pulumi.interpolate`${size.sizeMiB}Mi` } },
        },
    }, { parent });
    const template = (memory: { resources?: ReturnType<typeof nodeResources>; memoryConf?: string }) => ({
        metadata: { labels: o.labels.all, ...(memory.memoryConf !== undefined ? { annotations: { [MEMORY_ANNOTATION]: memory.memoryConf } } : {}) },
        spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: REDIS_STOP_SECONDS,
            securityContext: { runAsNonRoot: true, runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "redis",
                image: m.image,
                command: o.startScript ? ["sh", NODE_SCRIPT_PATH] : ["redis-server", REDIS_CONF_PATH],
                ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
                env: [{ name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: s.authName, key: "password" } } }],
                ...redisProbes(REDIS_PING_SCRIPT),
                ...(memory.resources ? { resources: memory.resources } : {}),
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                volumeMounts: [
                    { name: "config", mountPath: REDIS_CONF_PATH, subPath: nodeConfKey(index), readOnly: true },
                    ...(o.startScript ? [{ name: "config", mountPath: NODE_SCRIPT_PATH, subPath: `start-node-${index}.sh`, readOnly: true }] : []),
                    { name: "memory", mountPath: KUBE_MEMORY_DIR, readOnly: true },
                    { name: "auth", mountPath: REDIS_AUTH_CONF_PATH, subPath: "auth.conf", readOnly: true },
                    { name: "data", mountPath: REDIS_DATA_DIR },
                ],
            }],
            volumes: [
                { name: "config", configMap: { name: s.configName } },
                // Not a ConfigMap: the annotation changes in place on the running pod (cacheNodes.ts).
                { name: "memory", downwardAPI: { items: [{ path: KUBE_MEMORY_FILE, fieldRef: { fieldPath: `metadata.annotations['${MEMORY_ANNOTATION}']` } }] } },
                { name: "auth", secret: { secretName: s.authName } },
                { name: "data", persistentVolumeClaim: { claimName } },
            ],
        },
    });
    const set = new k8s.apps.v1.StatefulSet(resource, {
        metadata: metadata(setName, o.labels.all),
        spec: {
            serviceName: o.serviceName,
            replicas: 1,
            selector: { matchLabels: o.labels.selector },
            updateStrategy: { type: "OnDelete" },
            template: template({ resources: nodeResources(memoryMiB), memoryConf: s.memoryConf }),
        },
    }, { parent, dependsOn: [s.configMap, s.secret, claim, ...o.dependsOn] });
    return { name: setName, set, restartKey: pulumi.output(template({})).apply((t) => checksum(JSON.stringify(t))) };
}
