import { Platform } from "../platform";
import { kubernetesDefaultVersion, kubernetesApp } from "./app";
import { kubernetesCache } from "./cache";
import { kubernetesDomain } from "./domain";
import { kubernetesGateway } from "./gateway";

export const kubernetesPlatform: Platform = {
    name: "kubernetes",
    gateway: kubernetesGateway,
    app: kubernetesApp,
    cache: kubernetesCache,
    domain: kubernetesDomain,
    defaultVersion: kubernetesDefaultVersion,
};
