// The program and Kubernetes settings the Kubernetes artifact tests render: kubeconform checks the
// objects against the OpenAPI schema (test/artifact/kubeManifests.test.ts), a real kube-apiserver
// dry-runs them (test/artifact/kubeApiServer.test.ts).
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../provider";
import { KubernetesSettingsArgs } from "../provider/config/args/kubernetes";
import { fixture } from "./mocks";

/** A program using every feature the Kubernetes platform renders objects for. */
export function everything() {
    const shared = new EnvGroup("shared", { variables: { FEATURE: "on" }, secrets: { TOKEN: "t0ken" } });
    const cache = new LeanCacheInstance("sessions", { capacity: "256M" });
    const web = new EngineApp("web", { source: fixture("goapp"), instances: 2, stagingInstances: 1, caches: [cache], envGroups: [shared], memory: "512M", cpus: 0.5 });
    const api = new EngineApp("Api_Service.v2", { engineImage: "registry.example.com/team/api:v3", cdn: true });
    new Domain("shop", { app: web, hostname: "shop.example.com", tls: {}, forceHttps: true, cdn: true });
    new Domain("stg-shop", { app: web, hostname: "stg-shop.example.com" });
    new Domain("api", { app: api, hostname: "api.example.com" });
}

/** cloudengine:kubernetes settings, by title. */
export const VARIANTS: [string, KubernetesSettingsArgs][] = [
    ["defaults (LoadBalancer Services)", {}],
    ["NodePort, an Ingress class, a registry, a storage class and another namespace", { serviceType: "NodePort", ingressClassName: "nginx", imageRegistry: "registry.example.com/team", storageClassName: "fast", namespace: "apps" }],
    ["ClusterIP behind an Ingress controller", { serviceType: "ClusterIP", ingressClassName: "traefik", routerReplicas: 1 }],
];
