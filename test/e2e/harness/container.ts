// docker:index/container:Container on the Engine API, field by field as terraform-provider-docker v3.9.0
// (the upstream of pulumi-docker 4.11.2, its `upstream` submodule) does it in
// internal/provider/resource_docker_container_funcs.go:
//
//   resourceDockerContainerCreate
//     findImage                      the image must exist locally (the provider would pull; the harness cannot)
//     container.Config               image, hostname, domainname, tty, stdinOpen, stopSignal, stopTimeout, envs,
//                                    command (an empty element is an error), entrypoints, user, ports → ExposedPorts,
//                                    workingDir, labels, healthcheck (Go durations → ns, `_` on parse errors:
//                                    the schema validated them); a non-zero startInterval on an engine older
//                                    than API 1.44 is refused by the Docker client before anything is created
//                                    (the provider's error, as on Debian's Docker 20.10)
//     container.HostConfig           privileged, publishAllPorts, restart (default "no") + maxRetryCount, runtime,
//                                    mounts (bind/volume/tmpfs options; volumeOptions on API < 1.45 is refused by the
//                                    provider even without subpath), rm → AutoRemove, readOnly, logDriver/logOpts,
//                                    tmpfs, ports → PortBindings (ip default 0.0.0.0, protocol default tcp, no
//                                    external = random host port), hosts, ulimits, capabilities adds/drops,
//                                    dns/dnsOpts/dnsSearches, securityOpts (systempaths=unconfined → empty
//                                    Masked/ReadonlyPaths), memory/memoryReservation/shmSize MB → bytes,
//                                    memorySwap MB → bytes when > 0, cpus → NanoCPUs (opts.ParseCPUs, cpuPeriod and
//                                    cpuQuota ignored then), cpuShares, cpuSet, networkMode (default "bridge"),
//                                    usernsMode, pidMode, sysctls, ipcMode, groupAdds, cgroupnsMode, cgroupParent,
//                                    init (always sent, default false), storageOpts
//     ContainerCreate(name)          empty NetworkingConfig: the container starts on the default bridge ...
//     networks_advanced              ... then, if networksAdvanced is set, it is disconnected from "bridge" and
//                                    NetworkConnect'ed to EVERY listed network (aliases, ipv4/ipv6 address,
//                                    mac address) — all before start, none at create
//     upload                         one tar per upload (header Name = file, mode = permissions, else 0744 if
//                                    executable, else 0644), CopyToContainer(id, "/") so missing parent
//                                    directories are created (0755, root)
//     ContainerStart                 unless start = false
//     wait                           ContainerInspect every second until State.Health.Status == "healthy", for at
//                                    most waitTimeout seconds (default 60) from the start; no health check →
//                                    error; on timeout: error "container failed to be in healthy state" and the
//                                    container is LEFT as it is (its ID is already in the state: Terraform taints
//                                    it, Pulumi records a failed create) — nothing stops or removes it
//     resourceDockerContainerRead    must_run (default true): a container that is not running and finished after
//                                    it was started "exited immediately": the provider DELETES it and fails
//   resourceDockerContainerUpdate    only restart, maxRetryCount, cpuShares, memory, memoryReservation, cpuSet,
//                                    memorySwap reach the engine (ContainerUpdate); other non-ForceNew fields just
//                                    change the state
//   resourceDockerContainerDelete    ContainerStop with timeout = destroyGraceSeconds (0 when unset: killed at
//                                    once), ContainerRemove(force, RemoveVolumes = removeVolumes default true),
//                                    ContainerWait(not-running); "No such container" is fine
import Docker from "dockerode";
import * as fs from "fs";
import { apiAtLeast } from "../../../provider/platform/docker/engineApi";
import { tar } from "../../../provider/platform/docker/tar";

export interface ContainerContext {
    docker: Docker;
    /** The engine's API version, e.g. "1.41". */
    apiVersion: string;
    /** Labels the harness adds to everything it creates. */
    labels: Record<string, string>;
    log: (line: string) => void;
}

/** A create that failed after the container existed; `containerId` is what the provider leaves behind (or undefined if it removed it). */
export class ContainerCreateError extends Error {
    /**
     * The message is the provider's, word for word (what `pulumi up` would print); `diagnosis` is the
     * harness's own look at the container (state, health log, log tail), for test output only.
     */
    constructor(message: string, readonly containerId: string | undefined, readonly diagnosis = "") {
        super(message);
        this.name = "ContainerCreateError";
    }
}

export interface RealizedContainer {
    id: string;
    /** Provider outputs added to the inputs in the state. */
    outputs: Record<string, unknown>;
}

const WAIT_POLL_MS = 1000;
const READ_DELAY_MS = 100;

export async function createContainer(ctx: ContainerContext, resourceName: string, dockerName: string, inputs: Record<string, any>): Promise<RealizedContainer> {
    const what = `docker:index/container:Container "${resourceName}" (${dockerName})`;
    const { docker } = ctx;
    const image: string = inputs.image;
    try {
        await docker.getImage(image).inspect();
    } catch {
        throw new Error(`${what}: Unable to create container with image ${image}: the image is not on the local engine and the harness never pulls`);
    }
    const body = createBody(ctx, inputs, what);
    let container: Docker.Container;
    try {
        container = await docker.createContainer({ name: dockerName, ...body } as Docker.ContainerCreateOptions);
    } catch (err) {
        throw new Error(`${what}: Unable to create container: ${message(err)}`);
    }
    const id = container.id;
    ctx.log(`container ${resourceName}: created ${dockerName} ${id.slice(0, 12)}`);
    let startedAt: number | undefined;
    try {
        if (inputs.networksAdvanced?.length) {
            try {
                await docker.getNetwork("bridge").disconnect({ Container: id, Force: false });
            } catch (err) {
                if (!message(err).includes("is not connected to the network bridge")) throw new Error(`Unable to disconnect the default network: ${message(err)}`);
            }
            for (const net of inputs.networksAdvanced as any[]) {
                const endpoint: Record<string, unknown> = {
                    IPAMConfig: { IPv4Address: net.ipv4Address ?? "", IPv6Address: net.ipv6Address ?? "" },
                };
                if (net.aliases?.length) endpoint.Aliases = net.aliases;
                if (net.macAddress) endpoint.MacAddress = net.macAddress;
                try {
                    await docker.getNetwork(net.name).connect({ Container: id, EndpointConfig: endpoint } as any);
                } catch (err) {
                    throw new Error(`Unable to connect to network '${net.name}': ${message(err)}`);
                }
            }
        }
        for (const upload of (inputs.uploads ?? []) as any[]) {
            const given = [upload.content, upload.contentBase64, upload.source].filter((v) => v !== undefined && v !== "").length;
            if (given === 0) throw new Error("error with upload content: one of 'content', 'content_base64', or 'source' must be set");
            if (given > 1) throw new Error("error with upload content: only one of 'content', 'content_base64', or 'source' can be set");
            let data: Buffer;
            if (upload.content) data = Buffer.from(upload.content);
            else if (upload.contentBase64) data = Buffer.from(upload.contentBase64, "base64");
            else data = fs.readFileSync(upload.source);
            const mode = upload.permissions ? parseInt(upload.permissions, 8) : upload.executable ? 0o744 : 0o644;
            const archive = tar([{ name: upload.file, type: "file", mode, data, mtime: new Date() }]);
            try {
                await container.putArchive(archive, { path: "/" });
            } catch (err) {
                throw new Error(`Unable to upload volume content: ${message(err)}`);
            }
        }
        if (inputs.start !== false) {
            startedAt = Date.now();
            try {
                await container.start();
            } catch (err) {
                throw new Error(`Unable to start container: ${message(err)}`);
            }
            if (inputs.wait === true) await waitHealthy(container, inputs.waitTimeout ?? 60);
        }
    } catch (err) {
        const diagnosis = await describe(docker, id);
        ctx.log(`container ${resourceName}: create failed (the provider leaves ${id.slice(0, 12)} as it is, in the state with initialization errors)\n${diagnosis}`);
        throw new ContainerCreateError(`${what}: ${message(err)}`, id, diagnosis);
    }

    // resourceDockerContainerRead: must_run
    await sleep(READ_DELAY_MS);
    let info = await container.inspect();
    if (!info.State.Running && inputs.mustRun !== false) {
        if (startedAt === undefined) {
            throw new ContainerCreateError(`harness: ${what}: start = false needs mustRun = false (the provider's read would fail on a container that is not running)`, id);
        }
        const finished = Date.parse(info.State.FinishedAt);
        if (finished > startedAt) {
            const diagnosis = await describe(docker, id);
            await deleteContainer(docker, id, inputs);
            ctx.log(`container ${resourceName}: exited immediately; the provider deleted it\n${diagnosis}`);
            throw new ContainerCreateError(`${what}: container exited immediately`, undefined, diagnosis);
        }
    }
    info = await container.inspect();
    return { id, outputs: outputsOf(info) };
}

function createBody(ctx: ContainerContext, inputs: Record<string, any>, what: string): Record<string, unknown> {
    const config: Record<string, any> = {
        Image: inputs.image,
        Hostname: inputs.hostname ?? "",
        Domainname: inputs.domainname ?? "",
        Tty: inputs.tty === true,
        OpenStdin: inputs.stdinOpen === true,
        StopSignal: inputs.stopSignal ?? "",
    };
    if (inputs.stopTimeout) config.StopTimeout = inputs.stopTimeout;
    if (inputs.envs?.length) config.Env = inputs.envs;
    if (inputs.command?.length) {
        if ((inputs.command as string[]).some((c) => c === "")) throw new Error(`${what}: values for command may not be empty`);
        config.Cmd = inputs.command;
    }
    if (inputs.entrypoints?.length) config.Entrypoint = inputs.entrypoints;
    if (inputs.user) config.User = inputs.user;
    if (inputs.workingDir) config.WorkingDir = inputs.workingDir;

    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
    for (const port of (inputs.ports ?? []) as any[]) {
        const ip = port.ip ?? "0.0.0.0";
        if (ip !== "127.0.0.1") {
            throw new Error(`harness: ${what}: ports ${port.internal}: ip ${JSON.stringify(ip)} — the harness only publishes on 127.0.0.1 (the provider's default is 0.0.0.0)`);
        }
        const key = `${port.internal}/${port.protocol ?? "tcp"}`;
        exposed[key] = {};
        const binding: { HostIp?: string; HostPort?: string } = { HostIp: ip };
        if (port.external !== undefined && port.external !== null) binding.HostPort = String(port.external);
        (bindings[key] ??= []).push(binding);
    }
    if (Object.keys(exposed).length) config.ExposedPorts = exposed;

    const labels: Record<string, string> = {};
    for (const l of (inputs.labels ?? []) as { label: string; value: string }[]) labels[l.label] = l.value;
    config.Labels = { ...labels, ...ctx.labels };

    if (inputs.healthcheck) {
        const h = inputs.healthcheck;
        config.Healthcheck = {
            Test: h.tests,
            Interval: goDuration(h.interval ?? "0s"),
            Timeout: goDuration(h.timeout ?? "0s"),
            StartPeriod: goDuration(h.startPeriod ?? "0s"),
            Retries: h.retries ?? 0,
        };
        // The Docker client the provider uses refuses a start interval on older engines, before creating anything.
        const startInterval = goDuration(h.startInterval ?? "0s");
        if (startInterval !== 0 && !apiAtLeast(ctx.apiVersion, "1.44")) {
            throw new Error(`${what}: Unable to create container: "specify health-check start interval" requires API version 1.44, but the Docker daemon API version is ${ctx.apiVersion}`);
        }
        if (apiAtLeast(ctx.apiVersion, "1.44")) config.Healthcheck.StartInterval = startInterval;
    }

    const mounts = ((inputs.mounts ?? []) as any[]).map((m) => {
        const mount: Record<string, any> = { Type: m.type, Target: m.target, Source: m.source ?? "", ReadOnly: m.readOnly === true };
        if (m.type === "bind" && m.bindOptions) mount.BindOptions = { Propagation: m.bindOptions.propagation ?? "" };
        if (m.type === "volume" && m.volumeOptions) {
            const o = m.volumeOptions;
            const v: Record<string, any> = { NoCopy: o.noCopy === true };
            if (o.labels) v.Labels = Object.fromEntries((o.labels as any[]).map((l) => [l.label, l.value]));
            if (o.driverName !== undefined || o.driverOptions !== undefined) v.DriverConfig = { Name: o.driverName ?? "", Options: o.driverOptions };
            if (!apiAtLeast(ctx.apiVersion, "1.45")) throw new Error(`${what}: Setting VolumeOptions.Subpath requires docker version 1.45 or higher (the provider refuses any volumeOptions on API ${ctx.apiVersion})`);
            if (o.subpath !== undefined) v.Subpath = o.subpath;
            mount.VolumeOptions = v;
        }
        if (m.type === "tmpfs" && m.tmpfsOptions) {
            mount.TmpfsOptions = {};
            if (m.tmpfsOptions.sizeBytes !== undefined) mount.TmpfsOptions.SizeBytes = m.tmpfsOptions.sizeBytes;
            if (m.tmpfsOptions.mode !== undefined) mount.TmpfsOptions.Mode = m.tmpfsOptions.mode;
        }
        return mount;
    });

    const host: Record<string, any> = {
        Privileged: inputs.privileged === true,
        PublishAllPorts: inputs.publishAllPorts === true,
        RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
        Runtime: inputs.runtime ?? "",
        Mounts: mounts,
        AutoRemove: inputs.rm === true,
        ReadonlyRootfs: inputs.readOnly === true,
        LogConfig: { Type: inputs.logDriver ?? "" },
        NetworkMode: inputs.networkMode ?? "bridge",
        Init: inputs.init === true,
    };
    if (inputs.tmpfs && Object.keys(inputs.tmpfs).length) host.Tmpfs = inputs.tmpfs;
    if (Object.keys(bindings).length) host.PortBindings = bindings;
    if (inputs.hosts?.length) host.ExtraHosts = (inputs.hosts as any[]).map((h) => `${h.host}:${h.ip}`);
    if (inputs.ulimits?.length) host.Ulimits = (inputs.ulimits as any[]).map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
    if (inputs.capabilities) {
        host.CapAdd = inputs.capabilities.adds ?? [];
        host.CapDrop = inputs.capabilities.drops ?? [];
    }
    if (inputs.dns?.length) host.Dns = inputs.dns;
    if (inputs.dnsOpts?.length) host.DnsOptions = inputs.dnsOpts;
    if (inputs.dnsSearches?.length) host.DnsSearch = inputs.dnsSearches;
    if (inputs.securityOpts?.length) {
        const opts = inputs.securityOpts as string[];
        host.SecurityOpt = opts.filter((o) => o !== "systempaths=unconfined");
        if (opts.includes("systempaths=unconfined")) {
            host.MaskedPaths = [];
            host.ReadonlyPaths = [];
        }
    }
    if (inputs.memory) host.Memory = inputs.memory * 1024 * 1024;
    if (inputs.memoryReservation) host.MemoryReservation = inputs.memoryReservation * 1024 * 1024;
    if (inputs.memorySwap) host.MemorySwap = inputs.memorySwap > 0 ? inputs.memorySwap * 1024 * 1024 : inputs.memorySwap;
    if (inputs.shmSize) host.ShmSize = inputs.shmSize * 1024 * 1024;
    if (inputs.cpus) {
        host.NanoCpus = parseCpus(inputs.cpus, what);
    } else {
        if (inputs.cpuPeriod) host.CpuPeriod = inputs.cpuPeriod;
        if (inputs.cpuQuota) host.CpuQuota = inputs.cpuQuota;
    }
    if (inputs.cpuShares) host.CpuShares = inputs.cpuShares;
    if (inputs.cpuSet) host.CpusetCpus = inputs.cpuSet;
    if (inputs.logOpts && Object.keys(inputs.logOpts).length) host.LogConfig.Config = inputs.logOpts;
    if (inputs.usernsMode) host.UsernsMode = inputs.usernsMode;
    if (inputs.pidMode) host.PidMode = inputs.pidMode;
    if (inputs.sysctls && Object.keys(inputs.sysctls).length) host.Sysctls = inputs.sysctls;
    if (inputs.ipcMode) host.IpcMode = inputs.ipcMode;
    if (inputs.groupAdds?.length) host.GroupAdd = inputs.groupAdds;
    if (inputs.cgroupnsMode) {
        if (!["private", "host"].includes(inputs.cgroupnsMode)) throw new Error(`${what}: cgroupns_mode: invalid CGROUP mode, must be either 'private', 'host' or empty`);
        host.CgroupnsMode = inputs.cgroupnsMode;
    }
    if (inputs.cgroupParent) host.CgroupParent = inputs.cgroupParent;
    if (inputs.storageOpts && Object.keys(inputs.storageOpts).length) host.StorageOpt = inputs.storageOpts;
    return { ...config, HostConfig: host, NetworkingConfig: {} };
}

/** The provider's wait loop (poll every second, give up after waitTimeout seconds). */
async function waitHealthy(container: Docker.Container, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const info = await container.inspect();
        const health = info.State?.Health;
        if (!health) {
            throw new Error("you have supplied a 'wait' argument, but the container does not have a healthcheck defined. Please remove the 'wait' argument or add a 'healthcheck' attribute");
        }
        if (health.Status === "healthy") return;
        if (Date.now() + WAIT_POLL_MS > deadline) {
            await sleep(Math.max(0, deadline - Date.now()));
            const last = await container.inspect();
            if (last.State?.Health?.Status === "healthy") return;
            throw new Error("container failed to be in healthy state");
        }
        await sleep(WAIT_POLL_MS);
    }
}

export async function updateContainer(docker: Docker, id: string, inputs: Record<string, any>): Promise<void> {
    const update: Record<string, unknown> = {
        RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
        CpuShares: inputs.cpuShares ?? 0,
        Memory: (inputs.memory ?? 0) * 1024 * 1024,
        MemoryReservation: (inputs.memoryReservation ?? 0) * 1024 * 1024,
        CpusetCpus: inputs.cpuSet ?? "",
    };
    if (inputs.memorySwap) update.MemorySwap = inputs.memorySwap > 0 ? inputs.memorySwap * 1024 * 1024 : inputs.memorySwap;
    try {
        await docker.getContainer(id).update(update);
    } catch (err) {
        throw new Error(`Unable to update a container: ${message(err)}`);
    }
}

export async function deleteContainer(docker: Docker, id: string, inputs: Record<string, any>): Promise<void> {
    const container = docker.getContainer(id);
    if (inputs.attach !== true) {
        const t = inputs.destroyGraceSeconds > 0 ? inputs.destroyGraceSeconds : 0;
        try {
            await container.stop({ t });
        } catch (err) {
            const status = (err as any)?.statusCode;
            // 304: already stopped; 404: already gone (the provider would fail on 404; nothing is left to delete either way)
            if (status !== 304 && status !== 404) throw new Error(`Error stopping container ${id}: ${message(err)}`);
        }
    }
    try {
        await container.remove({ force: true, v: inputs.removeVolumes !== false });
    } catch (err) {
        const text = message(err);
        if (!/No such container|is already in progress/.test(text) && (err as any)?.statusCode !== 404) throw new Error(`Error deleting container ${id}: ${text}`);
    }
    try {
        await container.wait({ condition: inputs.rm === true ? "removed" : "not-running" });
    } catch {
        // "No such container": removed
    }
}

function outputsOf(info: Docker.ContainerInspectInfo): Record<string, unknown> {
    const ports: Record<string, unknown>[] = [];
    for (const [key, bound] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
        const [internal, protocol] = key.split("/");
        for (const b of bound ?? []) ports.push({ internal: Number(internal), protocol, ip: b.HostIp, external: Number(b.HostPort) });
    }
    return {
        name: info.Name.replace(/^\//, ""),
        ports,
        networkDatas: Object.entries(info.NetworkSettings?.Networks ?? {}).map(([networkName, n]) => ({
            networkName,
            ipAddress: n.IPAddress,
            ipPrefixLength: n.IPPrefixLen,
            gateway: n.Gateway,
            macAddress: n.MacAddress,
        })),
        bridge: info.NetworkSettings?.Bridge ?? "",
        hostname: info.Config.Hostname,
        init: info.HostConfig.Init ?? false,
        logDriver: info.HostConfig.LogConfig?.Type,
    };
}

/** State, last health checks and log tail of a container, for error messages. */
export async function describe(docker: Docker, id: string, logLines = 40): Promise<string> {
    const lines: string[] = [];
    try {
        const info = await docker.getContainer(id).inspect();
        const s = info.State;
        lines.push(`state: ${s.Status} (running ${s.Running}, restarting ${s.Restarting}, exit code ${s.ExitCode}${s.Error ? `, error ${s.Error}` : ""}, restarts ${info.RestartCount})`);
        const health = s.Health;
        if (health) {
            lines.push(`health: ${health.Status}, failing streak ${health.FailingStreak}; last checks:`);
            for (const check of (health.Log ?? []).slice(-3)) lines.push(`  [exit ${check.ExitCode} at ${check.End}] ${String(check.Output).trimEnd().replace(/\n/g, "\n    ")}`);
        }
    } catch (err) {
        lines.push(`inspect failed: ${message(err)}`);
    }
    lines.push(`log (last ${logLines} lines):`);
    lines.push(await logTail(docker, id, logLines));
    return lines.join("\n");
}

export async function logTail(docker: Docker, id: string, tail: number): Promise<string> {
    try {
        const container = docker.getContainer(id);
        const info = await container.inspect();
        const raw = (await container.logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
        return (info.Config.Tty ? raw.toString() : demux(raw)).trimEnd();
    } catch (err) {
        return `(logs unavailable: ${message(err)})`;
    }
}

/** Docker's multiplexed log stream (8-byte frame headers) → text. */
function demux(buf: Buffer): string {
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
        const size = buf.readUInt32BE(i + 4);
        parts.push(buf.subarray(i + 8, i + 8 + size));
        i += 8 + size;
    }
    return Buffer.concat(parts).toString();
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds. */
export function goDuration(value: string): number {
    if (value === "0") return 0;
    const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(value);
    if (!m) throw new Error(`invalid duration ${JSON.stringify(value)}`);
    let total = 0;
    for (const part of m[2].matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += parseFloat(part[1]) * DURATION_UNITS[part[2]];
    return Math.round(m[1] === "-" ? -total : total);
}

/** docker/cli opts.ParseCPUs: a decimal (or a/b) times 1e9, which must be an integer. */
export function parseCpus(value: string, what = "cpus"): number {
    const bad = () => new Error(`${what}: Error setting cpus: failed to parse ${value} as a rational number`);
    let num: bigint;
    let den: bigint;
    const frac = /^(\d+)\/(\d+)$/.exec(value);
    const dec = /^(\d*)(?:\.(\d*))?$/.exec(value);
    if (frac) {
        num = BigInt(frac[1]);
        den = BigInt(frac[2]);
    } else if (dec && (dec[1] || dec[2])) {
        const fraction = dec[2] ?? "";
        num = BigInt((dec[1] || "0") + fraction);
        den = 10n ** BigInt(fraction.length);
    } else {
        throw bad();
    }
    if (den === 0n) throw bad();
    const nano = num * 1_000_000_000n;
    if (nano % den !== 0n) throw new Error(`${what}: Error setting cpus: value is too precise`);
    return Number(nano / den);
}


export function message(err: unknown): string {
    if (err instanceof Error) {
        const json = (err as any).json;
        if (json?.message) return json.message;
        return err.message;
    }
    return String(err);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
