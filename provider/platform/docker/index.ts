import { Platform } from "../platform";
import { dockerDefaultVersion, dockerApp } from "./app";
import { dockerCache } from "./cache";
import { dockerDomain } from "./domain";
import { dockerGateway } from "./gateway";

export const dockerPlatform: Platform = {
    name: "docker",
    gateway: dockerGateway,
    app: dockerApp,
    cache: dockerCache,
    domain: dockerDomain,
    defaultVersion: dockerDefaultVersion,
};
