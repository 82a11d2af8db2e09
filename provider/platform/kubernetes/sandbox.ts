import * as k8s from "@pulumi/kubernetes";
import { APP_UID } from "../../config/appModel";
import { SANDBOX_MOUNTS } from "../../config/spec";

// The spec's sandbox on Kubernetes, the same rules as on Docker: not root, read-only root filesystem,
// no privilege gain, no capabilities, the default seccomp profile, and writable /home/leanengine, /tmp
// and /dev/shm whose size limits add up to 1 GiB.

export const APP_POD_SECURITY: k8s.types.input.core.v1.PodSecurityContext = {
    runAsNonRoot: true,
    runAsUser: APP_UID,
    runAsGroup: APP_UID,
    fsGroup: APP_UID,
    seccompProfile: { type: "RuntimeDefault" },
};

export const APP_CONTAINER_SECURITY: k8s.types.input.core.v1.SecurityContext = {
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** Kubernetes quantity for a byte count: whole MiB (every sandbox size is). */
export function quantity(bytes: number): string {
    const mib = bytes / (1024 * 1024);
    if (!Number.isInteger(mib)) throw new Error(`sandbox sizes are whole MiB, got ${bytes} bytes`);
    return `${mib}Mi`;
}

function volumeName(mountPath: string): string {
    return mountPath.replace(/^\//, "").replace(/[^a-z0-9]+/g, "-");
}

/** One emptyDir per writable path; /dev/shm is memory-backed, like Docker's. */
export function sandboxVolumes(): { volumes: k8s.types.input.core.v1.Volume[]; mounts: k8s.types.input.core.v1.VolumeMount[] } {
    const entries = Object.entries(SANDBOX_MOUNTS);
    return {
        volumes: entries.map(([mountPath, bytes]) => ({
            name: volumeName(mountPath),
            emptyDir: mountPath === "/dev/shm" ? { medium: "Memory", sizeLimit: quantity(bytes) } : { sizeLimit: quantity(bytes) },
        })),
        mounts: entries.map(([mountPath]) => ({ name: volumeName(mountPath), mountPath })),
    };
}
