import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { tmpfsMount } from "./tmpfsMount";
import { PROXY_ARGS, PROXY_CONF_PATH, PROXY_DRAIN_SECONDS, PROXY_SYSCTLS, PROXY_TMP_BYTES } from "../proxyProcess";

// An nginx container of the package (the Docker gateway; Kubernetes load balancers run the same way in pods), run as proxyProcess.ts says. The root
// filesystem stays writable: Docker refuses uploads into a container whose root is read-only.

/**
 * Every request is a line of the access log. Docker's "local" driver rotates (json-file, the daemon's usual
 * default, grows without bound) and costs the published path less per line than json-file (bench/proxy at
 * 64 connections, medians of 3: GET / 0.95 vs 0.80 of the anchor, gzip 1.03 vs 0.95); docker logs reads it.
 */
const PROXY_LOG = { logDriver: "local", logOpts: { "max-size": "20m", "max-file": "5" } };

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
        command: PROXY_ARGS,
        uploads: [{ file: PROXY_CONF_PATH, content: args.conf }, ...(args.files ?? [])],
        networksAdvanced: args.networks,
        ports: args.ports,
        restart: "unless-stopped",
        mounts: [tmpfsMount("/tmp", PROXY_TMP_BYTES)],
        sysctls: PROXY_SYSCTLS,
        stopSignal: "SIGQUIT",
        destroyGraceSeconds: PROXY_DRAIN_SECONDS,
        labels: args.labels,
        ...PROXY_LOG,
    };
}
