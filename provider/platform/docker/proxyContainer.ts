import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

// How every nginx container of the package runs (gateway and routers): the config is uploaded,
// nginx is started directly (not through the image's entrypoint scripts) and keeps its temporary
// files and caches in a bounded /tmp. The root filesystem stays writable: Docker refuses uploads
// into a container whose root is read-only.

export const PROXY_CONF_PATH = "/etc/cloudengine/nginx.conf";
/** tmpfs for nginx temp files and CDN caches (a router has at most two sites of CDN_CACHE_MAX_SIZE). */
const PROXY_TMP_BYTES = 512 * 1024 * 1024;
/** Seconds a stopping proxy gets to finish in-flight requests (nginx quits gracefully on SIGQUIT). */
const PROXY_DRAIN_SECONDS = 30;

export function proxyContainerArgs(args: {
    image: pulumi.Input<string>;
    conf: pulumi.Input<string>;
    files?: pulumi.Input<{ file: string; content: pulumi.Input<string> }>[];
    networks: docker.types.input.ContainerNetworksAdvanced[];
    ports?: docker.types.input.ContainerPort[];
    labels: docker.types.input.ContainerLabel[];
}): docker.ContainerArgs {
    return {
        image: args.image,
        entrypoints: ["nginx"],
        command: ["-c", PROXY_CONF_PATH, "-g", "daemon off;"],
        uploads: [{ file: PROXY_CONF_PATH, content: args.conf }, ...(args.files ?? [])],
        networksAdvanced: args.networks,
        ports: args.ports,
        restart: "unless-stopped",
        mounts: [{ type: "tmpfs", target: "/tmp", tmpfsOptions: { sizeBytes: PROXY_TMP_BYTES } }],
        stopSignal: "SIGQUIT",
        destroyGraceSeconds: PROXY_DRAIN_SECONDS,
        labels: args.labels,
    };
}
