// Every input field of the @pulumi/docker 4.11.2 resources the harness realizes, and what happens to
// it: "map" (sent to the Docker Engine API the way the provider sends it, see container.ts, image.ts,
// network.ts) or "noop: <why>" (accepted, no engine effect). A field that is in neither list makes
// `up` throw `harness: unmapped input <type>.<field>`, so a test fails instead of silently testing
// something the real provider would do differently.
//
// The lists were taken from node_modules/@pulumi/docker/{container,image,network,volume}.d.ts and
// types/input.d.ts (ContainerArgs, ImageArgs, NetworkArgs, VolumeArgs and their nested types).

export const CONTAINER = "docker:index/container:Container";
export const IMAGE = "docker:index/image:Image";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const GENERATED_SECRET = "pulumi-nodejs:dynamic/cloudengine:GeneratedSecret";

/** "map" | "noop: reason" for a leaf; an object for a nested object (or every element of a list of objects). */
export type FieldSpec = string | { [field: string]: FieldSpec };

const label = { label: "map", value: "map" };

export const SPECS: Record<string, { [field: string]: FieldSpec }> = {
    [CONTAINER]: {
        // Config
        image: "map",
        name: "map",
        hostname: "map",
        domainname: "map",
        tty: "map",
        stdinOpen: "map",
        stopSignal: "map",
        stopTimeout: "map",
        envs: "map",
        command: "map",
        entrypoints: "map",
        user: "map",
        workingDir: "map",
        labels: label,
        ports: { internal: "map", external: "map", ip: "map", protocol: "map" },
        healthcheck: { tests: "map", interval: "map", timeout: "map", startPeriod: "map", startInterval: "map", retries: "map" },
        // HostConfig
        privileged: "map",
        publishAllPorts: "map",
        restart: "map",
        maxRetryCount: "map",
        runtime: "map",
        rm: "map",
        readOnly: "map",
        logDriver: "map",
        logOpts: "map",
        tmpfs: "map",
        hosts: { host: "map", ip: "map" },
        ulimits: { name: "map", soft: "map", hard: "map" },
        capabilities: { adds: "map", drops: "map" },
        dns: "map",
        dnsOpts: "map",
        dnsSearches: "map",
        securityOpts: "map",
        memory: "map",
        memoryReservation: "map",
        memorySwap: "map",
        shmSize: "map",
        cpus: "map",
        cpuPeriod: "map",
        cpuQuota: "map",
        cpuShares: "map",
        cpuSet: "map",
        networkMode: "map",
        usernsMode: "map",
        pidMode: "map",
        ipcMode: "map",
        sysctls: "map",
        groupAdds: "map",
        cgroupnsMode: "map",
        cgroupParent: "map",
        init: "map",
        storageOpts: "map",
        mounts: {
            target: "map",
            source: "map",
            type: "map",
            readOnly: "map",
            bindOptions: { propagation: "map" },
            volumeOptions: { noCopy: "map", labels: label, driverName: "map", driverOptions: "map", subpath: "map" },
            tmpfsOptions: { sizeBytes: "map", mode: "map" },
        },
        // after create
        networksAdvanced: { name: "map", aliases: "map", ipv4Address: "map", ipv6Address: "map", macAddress: "map" },
        uploads: {
            file: "map",
            content: "map",
            contentBase64: "map",
            source: "map",
            executable: "map",
            permissions: "map",
            sourceHash: "noop: only forces a replacement when it changes (the provider never reads it)",
        },
        start: "map",
        wait: "map",
        waitTimeout: "map",
        mustRun: "map",
        // lifecycle
        destroyGraceSeconds: "map",
        removeVolumes: "map",
        containerReadRefreshTimeoutMilliseconds: "noop: how long the provider's read waits for `running`; the harness reads once",
        // not mapped: attach, logs, devices, gpus, volumes
    },
    [IMAGE]: {
        imageName: "map",
        skipPush: "map",
        buildOnPreview: "noop: the harness never previews",
        registry: { server: "noop: used only to push or for cacheFrom", username: "noop: used only to push", password: "noop: used only to push" },
        build: {
            context: "map",
            dockerfile: "map",
            args: "map",
            target: "map",
            platform: "map",
            builderVersion: "map",
            addHosts: "map",
            network: "map",
            // not mapped: cacheFrom (the provider pulls the cache images first; nothing can be pulled here)
        },
    },
    [NETWORK]: {
        name: "map",
        driver: "map",
        labels: label,
        options: "map",
        internal: "map",
        attachable: "map",
        ingress: "map",
        ipv6: "map",
        ipamDriver: "map",
        ipamOptions: "map",
        ipamConfigs: { subnet: "map", ipRange: "map", gateway: "map", auxAddress: "map" },
        checkDuplicate: "noop: the provider (resource_docker_network_funcs.go) never sends it",
    },
    [VOLUME]: {
        name: "map",
        driver: "map",
        driverOpts: "map",
        labels: label,
        // not mapped: cluster (Swarm cluster volumes, API >= 1.42)
    },
};

/**
 * Fields whose change the provider applies in place (schema without ForceNew in terraform-provider-docker
 * v3.9.0 internal/provider/resource_docker_container.go); a change to any other field replaces the container.
 * Only the first group reaches the engine (resourceDockerContainerUpdate → ContainerUpdate).
 */
export const CONTAINER_UPDATE_IN_PLACE = ["restart", "maxRetryCount", "cpuShares", "memory", "memoryReservation", "cpuSet", "memorySwap"];
export const CONTAINER_NOT_FORCE_NEW = [
    ...CONTAINER_UPDATE_IN_PLACE,
    "rm", "start", "wait", "waitTimeout", "attach", "logs", "mustRun", "removeVolumes", "tmpfs", "destroyGraceSeconds",
    "healthcheck", "containerReadRefreshTimeoutMilliseconds", "init", "cpuPeriod", "cpuQuota",
];

/**
 * Set-typed fields (schema.TypeSet): their order is not a change. Paths are dotted over the Pulumi shape
 * (one-element blocks such as capabilities are objects), `[]` for every element of a list.
 */
export const SET_FIELDS: Record<string, string[]> = {
    [CONTAINER]: [
        "envs", "labels", "mounts", "uploads", "networksAdvanced", "networksAdvanced[].aliases",
        "capabilities.adds", "capabilities.drops", "securityOpts", "dns", "dnsOpts", "dnsSearches", "hosts",
        "ulimits", "devices", "groupAdds", "volumes", "mounts[].volumeOptions.labels",
    ],
    [NETWORK]: ["labels", "ipamConfigs"],
    [VOLUME]: ["labels"],
    [IMAGE]: [],
};

/** Throws `harness: unmapped input <type>.<path>` for the first input field not in the type's spec. */
export function checkFields(type: string, inputs: Record<string, unknown>): void {
    const spec = SPECS[type];
    if (!spec) throw new Error(`harness: unsupported resource type ${type}`);
    walk(type, inputs, spec, "");
}

function walk(type: string, value: unknown, spec: { [field: string]: FieldSpec }, at: string): void {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
        for (const element of value) walk(type, element, spec, at);
        return;
    }
    if (typeof value !== "object") throw new Error(`harness: input ${type}.${at} is ${JSON.stringify(value)}, expected an object`);
    for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
        if (inner === null || inner === undefined) continue;
        const path = at ? `${at}.${field}` : field;
        const fieldSpec = spec[field];
        if (fieldSpec === undefined) throw new Error(`harness: unmapped input ${type}.${path}`);
        if (typeof fieldSpec === "object") walk(type, inner, fieldSpec, path);
    }
}
