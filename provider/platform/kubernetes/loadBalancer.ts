import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { renderLoadBalancerConf } from "../../render/proxy/loadBalancerConf";
import { LOAD_BALANCER_HTTP_PORT, LOAD_BALANCER_HTTPS_PORT, ProxySite, tlsCertificatePath, tlsKeyPath } from "../../render/proxy/model";
import { GatewayRouting } from "../platform";
import { PROXY_ARGS, PROXY_CONF_PATH, PROXY_DRAIN_SECONDS, PROXY_TMP_BYTES } from "../proxyProcess";
import { countryDatabasePod } from "./countryDatabase";
import { checksum, contentName, metadata, objectLabels, objectName, secretChecksum } from "./naming";
import { quantity } from "./sandbox";
import { kubernetesSettingsOf } from "./settings";

// The load balancer of one app (its default hostnames) or one Domain: the same site blocks as the
// Docker gateway, run as a Deployment behind a Service (LoadBalancer, NodePort or ClusterIP) that clients
// reach directly, plus an Ingress per hostname when the cluster's own controller is the entry point.

export interface LoadBalancerTls {
    siteId: string;
    certificate: pulumi.Input<string>;
    privateKey: pulumi.Input<string>;
}

export interface LoadBalancerResult {
    /** Addresses the cluster gave the LoadBalancer Service; undefined for NodePort and ClusterIP (the gateway's inboundIps apply). */
    inboundIps?: pulumi.Output<string[]>;
}

const CONF_KEY = "nginx.conf";
/** nobody:nogroup, the user nginx's workers run as on Docker. */
const NOBODY = 65534;
const TLS_DIR = "/etc/cloudengine/tls";

/** `name`: the Pulumi name prefix; `base`: the Kubernetes name of the Deployment and Service. */
export function kubernetesLoadBalancer(
    name: string,
    base: string,
    parent: pulumi.ComponentResource,
    args: { sites: pulumi.Output<ProxySite[]>; gateway: pulumi.Output<GatewayRouting>; tls?: LoadBalancerTls; component: string },
): LoadBalancerResult {
    const s = kubernetesSettingsOf();
    const labels = objectLabels("load-balancer", base, args.component);
    const conf = pulumi.all([args.sites, args.gateway]).apply(([sites, gw]) =>
        renderLoadBalancerConf({ sites, publicHttpsPort: gw.publicHttpsPort, resolver: s.dnsResolver, countryLookup: gw.countryDatabaseParts !== undefined }),
    );
    // Names as computed (see contentName), never the objects' outputs: those are unknown during a replacement.
    const configName = conf.apply((c) => contentName(objectName(base, "config"), checksum(c)));
    const configMap = new k8s.core.v1.ConfigMap(`${name}-lb-config`, {
        metadata: metadata(configName, labels.all),
        immutable: true,
        data: { [CONF_KEY]: conf },
    }, { parent });
    const mounted: pulumi.Resource[] = [configMap];

    const volumes: k8s.types.input.core.v1.Volume[] = [
        { name: "config", configMap: { name: configName } },
        { name: "tmp", emptyDir: { sizeLimit: quantity(PROXY_TMP_BYTES) } },
    ];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [
        { name: "config", mountPath: PROXY_CONF_PATH, subPath: CONF_KEY, readOnly: true },
        { name: "tmp", mountPath: "/tmp" },
    ];
    if (args.tls) {
        const tls = args.tls;
        const tlsName = pulumi.unsecret(pulumi.all([tls.certificate, tls.privateKey]).apply(([c, k]) => contentName(objectName(base, "tls"), secretChecksum(c + k))));
        const secret = new k8s.core.v1.Secret(`${name}-lb-tls`, {
            metadata: metadata(tlsName, labels.all),
            type: "kubernetes.io/tls",
            immutable: true,
            stringData: { "tls.crt": tls.certificate, "tls.key": pulumi.secret(tls.privateKey) },
        }, { parent });
        mounted.push(secret);
        volumes.push({
            name: "tls",
            secret: {
                secretName: tlsName,
                items: [
                    { key: "tls.crt", path: tlsCertificatePath(tls.siteId).slice(TLS_DIR.length + 1) },
                    { key: "tls.key", path: tlsKeyPath(tls.siteId).slice(TLS_DIR.length + 1) },
                ],
            },
        });
        mounts.push({ name: "tls", mountPath: TLS_DIR, readOnly: true });
    }

    // Unprivileged from the start (ports above 1024, files under /tmp): the pod meets the "restricted" Pod
    // Security Standard; nginx ignores its `user` line when not root.
    const securityContext: k8s.types.input.core.v1.SecurityContext = {
        runAsNonRoot: true,
        runAsUser: NOBODY,
        runAsGroup: NOBODY,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
    };
    const country = args.gateway.apply((gw) => countryDatabasePod(gw.countryDatabaseParts, { image: gw.proxyImage, securityContext }));

    new k8s.apps.v1.Deployment(`${name}-lb`, {
        metadata: metadata(base, labels.all),
        spec: {
            replicas: s.routerReplicas,
            revisionHistoryLimit: 5,
            selector: { matchLabels: labels.selector },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: labels.all },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds: PROXY_DRAIN_SECONDS + 5,
                    securityContext: { runAsNonRoot: true, fsGroup: NOBODY, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "nginx",
                        image: args.gateway.proxyImage,
                        command: ["nginx"],
                        args: PROXY_ARGS,
                        ports: [
                            { name: "http", containerPort: LOAD_BALANCER_HTTP_PORT },
                            ...(args.tls ? [{ name: "https", containerPort: LOAD_BALANCER_HTTPS_PORT }] : []),
                        ],
                        readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 2, failureThreshold: 2 },
                        livenessProbe: { tcpSocket: { port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                        // nginx ends at once on SIGTERM: quit gracefully first, after endpoints have dropped the pod.
                        lifecycle: { preStop: { exec: { command: ["sh", "-c", `sleep 3; nginx ${PROXY_ARGS.slice(0, 2).join(" ")} -s quit; while [ -e /tmp/nginx.pid ]; do sleep 1; done`] } } },
                        securityContext,
                        resources: { requests: { cpu: "50m", memory: "64Mi" } },
                        volumeMounts: country.apply((c) => [...mounts, ...c.mounts]),
                    }],
                    // An Output of undefined leaves the field out (the Input types do not say so).
                    initContainers: country.apply((c) => c.initContainers) as pulumi.Output<k8s.types.input.core.v1.Container[]>,
                    volumes: country.apply((c) => [...volumes, ...c.volumes]),
                },
            },
        },
    }, { parent, dependsOn: mounted });

    const exposed = s.serviceType !== "ClusterIP";
    const isLoadBalancer = s.serviceType === "LoadBalancer";
    const service = new k8s.core.v1.Service(`${name}-lb`, {
        // The provider waits for the cloud to give a LoadBalancer an address (10 minutes by default); on a
        // cluster without a load-balancer controller none ever comes, so the wait is bounded.
        metadata: isLoadBalancer
            ? { ...metadata(base, labels.all), annotations: { "pulumi.com/timeoutSeconds": String(s.loadBalancerTimeout) } }
            : metadata(base, labels.all),
        spec: {
            type: s.serviceType,
            selector: labels.selector,
            // Keep clients' addresses (the load balancer logs and forwards them as X-Real-IP / Forwarded).
            ...(exposed ? { externalTrafficPolicy: "Local" } : {}),
            ports: args.gateway.apply((gw) => [
                { name: "http", port: gw.publicHttpPort, targetPort: "http", protocol: "TCP" },
                ...(args.tls ? [{ name: "https", port: gw.publicHttpsPort, targetPort: "https", protocol: "TCP" }] : []),
            ]),
        },
    }, { parent });

    if (s.ingressClassName !== undefined && !args.tls) {
        new k8s.networking.v1.Ingress(`${name}-lb`, {
            metadata: metadata(base, labels.all),
            spec: {
                ingressClassName: s.ingressClassName,
                rules: args.sites.apply((sites) =>
                    sites.flatMap((site) => site.hostnames).map((host) => ({
                        host,
                        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: base, port: { name: "http" } } } }] },
                    })),
                ),
            },
        }, { parent });
    }

    if (!isLoadBalancer) return {};
    const inboundIps = service.status.apply((status) =>
        (status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).filter((a): a is string => !!a),
    );
    return { inboundIps };
}
