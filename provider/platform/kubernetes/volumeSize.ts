import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "../../components/ownResource";

// The size of a volume that may grow but never shrink: a PersistentVolumeClaim can be expanded in
// place, while a smaller request is refused by the API server. The size a volume was given is only in
// the state, so it is kept here: a larger request grows it, a smaller one leaves it as it is.
// The provider closure must stay self-contained: Pulumi serializes it into state.
export const volumeSizeProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { requestedMiB: number }) {
        return { id: require("crypto").randomUUID(), outs: { requestedMiB: inputs.requestedMiB, sizeMiB: inputs.requestedMiB } };
    },
    async diff(_id: string, olds: { sizeMiB: number }, news: { requestedMiB: number }) {
        return { changes: news.requestedMiB > olds.sizeMiB };
    },
    async update(_id: string, olds: { sizeMiB: number }, news: { requestedMiB: number }) {
        return { outs: { requestedMiB: news.requestedMiB, sizeMiB: Math.max(olds.sizeMiB, news.requestedMiB) } };
    },
};

/**
 * A grow-only volume size in MiB. `sizeMiB` is also given as an input (the requested size), so a
 * preview of a growing volume shows the new size rather than an unknown value.
 */
export function volumeSize(name: string, requestedMiB: number, opts: pulumi.CustomResourceOptions): { sizeMiB: pulumi.Output<number> } {
    const resource = ownResource<"sizeMiB">("VolumeSize", volumeSizeProvider, name, { requestedMiB, sizeMiB: requestedMiB }, opts);
    return { sizeMiB: resource.sizeMiB as unknown as pulumi.Output<number> };
}
