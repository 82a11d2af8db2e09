import { z } from "zod";
import { HOSTNAME } from "./fields";

// Stack config `cloudengine:kubernetes`: where and how the Kubernetes platform places things. Which
// cluster is the Kubernetes provider's business (the ambient kubeconfig, or a provider passed to the
// components with the `providers` resource option, e.g. one in render mode); the little the package does
// against the live cluster itself (LeanCache nodes restarted or resized in place) uses kubeconfig/context.

const DNS1123_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const SERVICE_TYPES = ["LoadBalancer", "NodePort", "ClusterIP"] as const;

export const kubernetesSettings = z
    .object({
        namespace: z
            .string()
            .regex(DNS1123_LABEL, { message: "a namespace name: lowercase letters, digits and -, at most 63 characters" })
            .default("default")
            .describe("Namespace every object goes into (it must exist). Default: default."),
        serviceType: z
            .enum(SERVICE_TYPES)
            .default("LoadBalancer")
            .describe("Type of the Services in front of each app's and domain's load balancer: LoadBalancer (default; inboundIps are the addresses the cluster gives them), NodePort for clusters without a load-balancer controller, ClusterIP when an Ingress controller is the entry point (with both, inboundIps are cloudengine:gateway's inboundIps: the nodes' or the controller's addresses)."),
        loadBalancerTimeout: z
            .int()
            .min(30)
            .max(3600)
            .default(300)
            .describe("Seconds `pulumi up` waits for a LoadBalancer Service to be given an address before it fails (a bare cluster never gives one: use NodePort there). Default 300."),
        ingressClassName: z
            .string()
            .regex(DNS1123_LABEL, { message: "an IngressClass name" })
            .optional()
            .describe("When set, every plain-HTTP hostname also gets an Ingress of this class pointing at its load balancer, for clusters that already run a controller."),
        clusterDomain: z.string().regex(HOSTNAME, { message: "a DNS name" }).default("cluster.local").describe("The cluster's DNS domain. Default cluster.local."),
        dnsResolver: z
            .string()
            .min(1)
            .default("kube-dns.kube-system.svc.cluster.local")
            .describe("DNS server the load balancers resolve Services with (name or address). Default kube-dns.kube-system.svc.cluster.local."),
        imageRegistry: z
            .string()
            .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { message: "a registry host with an optional path, e.g. registry.example.com/team" })
            .optional()
            .describe("Registry apps built from source are pushed to, for clusters that pull images. Without it images are built on the local Docker engine and used as they are (clusters sharing that engine)."),
        storageClassName: z.string().min(1).optional().describe("StorageClass of LeanCache volumes. Default: the cluster's default class."),
        routerReplicas: z.int().min(1).max(20).default(2).describe("Pods per load balancer (each app's and domain's). Default 2."),
        kubeconfig: z
            .string()
            .min(1)
            .optional()
            .describe("Kubeconfig (contents or a path) of the cluster, for what runs against the live cluster during `pulumi up` (restarting or resizing LeanCache nodes in place). Set it when the Kubernetes provider is given its own kubeconfig; default kubernetes:kubeconfig, then KUBECONFIG and ~/.kube/config, as the default Kubernetes provider does."),
        context: z.string().min(1).optional().describe("Kubeconfig context for the same. Default kubernetes:context, then the kubeconfig's current context."),
    })
    .strict()
    .describe("Stack config cloudengine:kubernetes: namespace, Service type, registry and DNS of the Kubernetes platform.");

export type KubernetesSettingsArgs = z.input<typeof kubernetesSettings>;
export type KubernetesSettings = z.output<typeof kubernetesSettings>;
