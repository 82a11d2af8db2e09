// Helpers for tests of the Kubernetes platform: its stack config, and the objects a mocked run registered.
import { KubernetesSettingsArgs } from "../provider/config/args/kubernetes";
import { Registered, reveal } from "./mocks";

export const K8S = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    claim: "kubernetes:core/v1:PersistentVolumeClaim",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
} as const;

/** Stack config selecting the Kubernetes platform, with optional cloudengine:kubernetes settings. */
export function kubernetesConfig(settings: KubernetesSettingsArgs = {}, extra: Record<string, string> = {}): Record<string, string> {
    return { "cloudengine:platform": "kubernetes", "cloudengine:kubernetes": JSON.stringify(settings), ...extra };
}

export interface KubernetesObject {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** Every Kubernetes object of a run, by its type token and metadata.name. */
export function kubernetesObjects(resources: Registered[]): KubernetesObject[] {
    return resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => ({ type: r.type, name: r.inputs.metadata?.name, inputs: r.inputs }));
}

/** The object as a manifest: the SDK fills in apiVersion and kind; secrets are revealed. */
export function manifestOf(o: KubernetesObject): Record<string, unknown> {
    return reveal(o.inputs);
}

/** Bytes of a Kubernetes binary quantity (Ki, Mi, Gi). */
export function quantityBytes(q: string): number {
    const m = /^(\d+)(Ki|Mi|Gi)$/.exec(q);
    if (!m) throw new Error(`not a binary quantity: ${q}`);
    return Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] as "Ki" | "Mi" | "Gi"];
}
