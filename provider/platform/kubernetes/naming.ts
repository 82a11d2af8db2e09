import { createHash, scryptSync } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { dnsLabel } from "../../config/names";
import { kubernetesSettingsOf } from "./settings";

// Kubernetes-side names: deterministic (never generateName, never random suffixes), valid DNS-1035
// labels (Service names must start with a letter; everything else accepts them too), at most 63.

export function objectName(...parts: string[]): string {
    const label = dnsLabel(parts.join("-"));
    return /^[a-z]/.test(label) ? label : dnsLabel(`ce-${label}`);
}

/** The in-cluster DNS name of a Service (nginx's resolver does not use search domains: fully qualified). */
export function serviceHost(service: string): string {
    const s = kubernetesSettingsOf();
    return `${service}.${s.namespace}.svc.${s.clusterDomain}`;
}

export interface ObjectLabels {
    /** Immutable: Deployments, StatefulSets, PDBs and Services select pods by these. */
    selector: Record<string, string>;
    /** Everything on the object: the selector plus app.kubernetes.io/* and cloudengine.io/*. */
    all: Record<string, string>;
}

/**
 * Labels after the app.kubernetes.io conventions. `name` is what runs (engine-app, load-balancer,
 * leancache), `instance` the object's own name, `component` the Cloud Engine resource kind.
 */
export function objectLabels(kind: "engine-app" | "load-balancer" | "leancache", instance: string, component: string, extra: Record<string, string> = {}): ObjectLabels {
    const selector = { "app.kubernetes.io/name": kind, "app.kubernetes.io/instance": instance };
    return {
        selector,
        all: {
            ...selector,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": "cloudengine",
            "app.kubernetes.io/managed-by": "pulumi",
            "cloudengine.io/stack": labelValue(`${pulumi.getProject()}.${pulumi.getStack()}`),
            ...extra,
        },
    };
}

/** Any text as a label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends). */
export function labelValue(text: string): string {
    if (/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/.test(text)) return text;
    return dnsLabel(text);
}

/** metadata for a namespaced object of the platform. */
export function metadata(name: pulumi.Input<string>, labels: Record<string, string>) {
    return { name, namespace: kubernetesSettingsOf().namespace, labels };
}

/**
 * The name of an immutable ConfigMap or Secret: its base name and a digest of its content. Changing the
 * content creates a new object and changes the name the workload mounts, so the workload rolls in place
 * (rolling update) and the old object goes once nothing uses it. With a fixed name the Kubernetes
 * provider would replace the object delete-first, and the workload with it.
 */
export function contentName(base: string, digest: string): string {
    return objectName(base, digest.slice(0, 10));
}

/** A short one-way digest, for annotations that make pods roll when mounted content changes. */
export function checksum(text: string | Buffer): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * A digest of secret content that may appear in plain manifests (pod annotations that roll pods when a
 * Secret changes; marking it secret would hide the whole pod spec from previews). scrypt makes guessing
 * the content from it expensive, even for a short password.
 */
export function secretChecksum(text: string): string {
    return scryptSync(text, "cloudengine.io/secret-checksum", 8, { N: 16384 }).toString("hex");
}
