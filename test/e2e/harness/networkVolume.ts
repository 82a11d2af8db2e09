// docker:index/network:Network and docker:index/volume:Volume as terraform-provider-docker v3.9.0 does them:
//   resource_docker_network_funcs.go  resourceDockerNetworkCreate: NetworkCreate(name, labels, driver, options,
//       internal, attachable, ingress, ipv6 (only when true), IPAM when any ipam field is set); checkDuplicate
//       is never sent. resourceDockerNetworkDelete: NetworkRemove, retried while it "has active endpoints"
//       (up to 30 s); a network that is gone is fine.
//   resource_docker_volume.go  resourceDockerVolumeCreate: VolumeCreate(name, labels, driver, driverOpts);
//       resourceDockerVolumeDelete: VolumeRemove(force), retried while "volume is in use" (up to 30 s).
// Every field is ForceNew (a change replaces); Pulumi autonames a missing `name` as <resource name>-<7 hex>.
import Docker from "dockerode";
import { message, sleep } from "./container";

const REMOVE_TIMEOUT_MS = 30_000;
const REMOVE_RETRY_MS = 1_000;

function labelMap(labels: { label: string; value: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((labels ?? []).map((l) => [l.label, l.value]));
}

export async function createNetwork(docker: Docker, name: string, inputs: Record<string, any>, harnessLabels: Record<string, string>): Promise<{ id: string; outputs: Record<string, unknown> }> {
    const options: Record<string, any> = {
        Name: name,
        Labels: { ...labelMap(inputs.labels), ...harnessLabels },
    };
    if (inputs.driver) options.Driver = inputs.driver;
    if (inputs.options && Object.keys(inputs.options).length) options.Options = inputs.options;
    if (inputs.internal) options.Internal = true;
    if (inputs.attachable) options.Attachable = true;
    if (inputs.ingress) options.Ingress = true;
    if (inputs.ipv6) options.EnableIPv6 = true;
    if (inputs.ipamDriver || inputs.ipamConfigs?.length || (inputs.ipamOptions && Object.keys(inputs.ipamOptions).length)) {
        options.IPAM = {
            Driver: inputs.ipamDriver ?? "",
            Config: ((inputs.ipamConfigs ?? []) as any[]).map((c) => ({ Subnet: c.subnet ?? "", IPRange: c.ipRange ?? "", Gateway: c.gateway ?? "", AuxAddress: c.auxAddress ?? {} })),
            Options: inputs.ipamOptions,
        };
    }
    let network: Docker.Network;
    try {
        network = await docker.createNetwork(options as Docker.NetworkCreateOptions);
    } catch (err) {
        throw new Error(`docker:index/network:Network ${name}: Unable to create network: ${message(err)}`);
    }
    const info = await network.inspect();
    return {
        id: info.Id,
        outputs: { name: info.Name, driver: info.Driver, internal: info.Internal, attachable: info.Attachable, ingress: info.Ingress, ipv6: info.EnableIPv6, scope: info.Scope, options: info.Options ?? {} },
    };
}

export async function deleteNetwork(docker: Docker, id: string): Promise<void> {
    const deadline = Date.now() + REMOVE_TIMEOUT_MS;
    for (;;) {
        try {
            await docker.getNetwork(id).remove();
            return;
        } catch (err) {
            if ((err as any)?.statusCode === 404) return;
            if (!message(err).includes("has active endpoints") || Date.now() > deadline) throw new Error(`docker:index/network:Network ${id}: ${message(err)}`);
        }
        await sleep(REMOVE_RETRY_MS);
    }
}

export async function createVolume(docker: Docker, name: string, inputs: Record<string, any>, harnessLabels: Record<string, string>): Promise<{ id: string; outputs: Record<string, unknown> }> {
    const options: Record<string, any> = { Name: name, Labels: { ...labelMap(inputs.labels), ...harnessLabels } };
    if (inputs.driver) options.Driver = inputs.driver;
    if (inputs.driverOpts && Object.keys(inputs.driverOpts).length) options.DriverOpts = inputs.driverOpts;
    let created: any;
    try {
        created = await docker.createVolume(options);
    } catch (err) {
        throw new Error(`docker:index/volume:Volume ${name}: Unable to create volume: ${message(err)}`);
    }
    const volumeName: string = created.Name ?? created.name ?? name;
    const info: any = await docker.getVolume(volumeName).inspect();
    return { id: volumeName, outputs: { name: volumeName, driver: info.Driver, mountpoint: info.Mountpoint } };
}

export async function deleteVolume(docker: Docker, name: string): Promise<void> {
    const deadline = Date.now() + REMOVE_TIMEOUT_MS;
    for (;;) {
        try {
            await docker.getVolume(name).remove({ force: true });
            return;
        } catch (err) {
            if ((err as any)?.statusCode === 404) return;
            if (!message(err).includes("volume is in use") || Date.now() > deadline) throw new Error(`docker:index/volume:Volume ${name}: ${message(err)}`);
        }
        await sleep(REMOVE_RETRY_MS);
    }
}
