import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { perRun } from "../perRun";
import { labels, stackPrefix } from "./naming";

// The stack's private network: instances reach their caches here. One per stack, created by
// whichever component needs it first and owned by the stack itself (no component parent), so
// removing any one app or cache never removes the network the others use.
export function stackNetwork(): docker.Network {
    return perRun("docker-stack-network", () =>
        new docker.Network("cloudengine-stack", {
            name: `${stackPrefix()}-cloudengine`,
            driver: "bridge",
            labels: labels("StackNetwork", pulumi.getStack()),
        }, { deleteBeforeReplace: true }),
    );
}
