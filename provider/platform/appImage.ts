import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { AppModel } from "../config/appModel";
import { writeDockerfile } from "./docker/dockerfileFile";

// An app's image on either platform: built on the local Docker engine from the rendered Dockerfile
// (and pushed when the platform needs a registry), or an engineImage used as it is.

export interface AppImage {
    /** What containers run: a local image ID, a pushed name@digest, or the given engineImage. */
    reference: pulumi.Output<string>;
    /** LEANCLOUD_VERSION_TAG: given, or derived from the image's digest (a new build is a new version). */
    versionTag: pulumi.Output<string>;
}

export function appImage(
    parent: pulumi.ComponentResource,
    m: AppModel,
    dockerfile: string | undefined,
    target: { imageName: string; push: boolean },
): AppImage {
    if (m.build.kind === "engine") {
        const reference = m.build.image;
        return { reference: pulumi.output(reference), versionTag: pulumi.output(m.versionTag ?? versionOfReference(reference)) };
    }
    if (dockerfile === undefined) throw new Error(`app ${m.name}: an image build needs a Dockerfile`);
    const file = writeDockerfile(dockerfile);
    const image = new docker.Image(m.name, {
        imageName: target.imageName,
        skipPush: !target.push,
        build: {
            context: m.build.kind === "source" ? m.build.source.dir : path.dirname(file),
            dockerfile: file,
        },
    }, { parent });
    // Unpushed: the local image ID (sha256:...); pushed: name@sha256:... Either changes with every new build.
    const reference = image.repoDigest;
    const versionTag = m.versionTag !== undefined ? pulumi.output(m.versionTag) : reference.apply(versionOfReference);
    return { reference, versionTag };
}

/** 12 hex digits of the digest when there is one, else the tag, else "latest". */
export function versionOfReference(reference: string): string {
    const digest = /(?:^|@)sha256:([a-f0-9]{12})/.exec(reference);
    if (digest) return digest[1];
    const tag = /:([A-Za-z0-9_][A-Za-z0-9._-]*)$/.exec(reference.split("/").pop() ?? "");
    return tag ? tag[1] : "latest";
}
