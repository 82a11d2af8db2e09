import * as docker from "@pulumi/docker";

/**
 * A tmpfs mount with every option the Docker provider reads back after `pulumi refresh` (mode and
 * read-only included), so a refreshed stack previews no change. Mode 1777 is tmpfs's own default.
 */
export function tmpfsMount(target: string, sizeBytes: number): docker.types.input.ContainerMount {
    return { type: "tmpfs", target, readOnly: false, tmpfsOptions: { sizeBytes, mode: 0o1777 } };
}
