import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

// How every nginx container of the package runs (gateway and routers): the config is uploaded,
// nginx is started directly (not through the image's entrypoint scripts) and keeps its temporary
// files and caches in a bounded /tmp. The root filesystem stays writable: Docker refuses uploads
// into a container whose root is read-only.

export const PROXY_CONF_PATH = "/etc/cloudengine/nginx.conf";
/** tmpfs for nginx temp files and CDN caches (a router has at most two sites of CDN_CACHE_MAX_SIZE). */
const PROXY_TMP_BYTES = 512 * 1024 * 1024;
/**
 * Kernel settings of the proxies' own network namespaces. Every request opens a new connection to the next
 * hop (gateway → router → instance: proxy_pass with a variable has no keep-alive pool), and the proxy
 * closes it first, so each leaves a TIME_WAIT socket for 60 s towards the same address and port. Without
 * reuse the ~28k ephemeral ports run out at ~470 requests/s per hop: connect() then spins in the kernel
 * (85% system CPU measured) and throughput collapses. tcp_tw_reuse=1 lets a new outgoing connection take
 * a TIME_WAIT port (safe with TCP timestamps, Linux's default).
 */
export const PROXY_SYSCTLS: Record<string, string> = { "net.ipv4.tcp_tw_reuse": "1" };
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
        sysctls: PROXY_SYSCTLS,
        stopSignal: "SIGQUIT",
        destroyGraceSeconds: PROXY_DRAIN_SECONDS,
        labels: args.labels,
    };
}
