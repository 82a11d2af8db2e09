// The baseline: a "hand-written" program that registers exactly the resources the package program
// registered, with the same types, names, parents, options and inputs, but as literals. It is built
// by replaying one captured run of the package program, so what the comparison measures is the
// package's own work (validation, models, rendering, Output plumbing), not the engine's.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, Registered } from "../../test/mocks";

type DockerClass = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

// Docker resources go through the SDK classes, as a hand-written program would write them (the
// classes add the provider version and aliases to every registration, as they do for the package).
const DOCKER: Record<string, DockerClass> = {
    "docker:index/network:Network": docker.Network,
    "docker:index/image:Image": docker.Image,
    "docker:index/container:Container": docker.Container,
    "docker:index/volume:Volume": docker.Volume,
};

// Plain Pulumi resources: the SDK's classes are abstract or keep registerOutputs protected.
class RawComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>, opts: pulumi.ComponentResourceOptions) {
        super(type, name, inputs, opts); // the package's components register their validated arguments as inputs
        this.registerOutputs(outputs); // the same RPC, with the same outputs, the package's components make
    }
}
class RawCustom extends pulumi.CustomResource {}

/**
 * Literal inputs: secret markers from the capture become pulumi.secret again, at the same place, and a
 * captured resource's URN (components refer to other components by URN) becomes that resource's `urn`
 * in this run, as a hand-written program would pass `app.urn`: the URN of this run's stack, and the
 * same dependencies the package's Output carried.
 */
function literal(value: any, made: Map<string, pulumi.Resource>): any {
    if (typeof value === "string") return made.get(value)?.urn ?? value;
    if (isSecret(value)) return pulumi.secret(literal(value.value, made));
    if (Array.isArray(value)) return value.map((v) => literal(v, made));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literal(v, made)]));
    return value;
}

/**
 * A program that replays `captured` (in capture order, which has parents and dependencies first):
 * components as plain ComponentResources, docker resources through the SDK, and the dynamic
 * GeneratedSecrets as CustomResources whose `__provider` is the already serialized closure text.
 */
export function rawProgram(captured: Registered[]): () => void {
    return () => {
        const made = new Map<string, pulumi.Resource>();
        const resolve = (urn: string, what: string, of: Registered): pulumi.Resource => {
            const resource = made.get(urn);
            if (!resource) throw new Error(`replay of ${of.type} ${of.name}: ${what} ${urn} was not registered before it`);
            return resource;
        };
        for (const r of captured) {
            const parent = r.parent ? resolve(r.parent, "parent", r) : undefined; // "" is the stack
            // Literal inputs carry no dependencies (but URNs turned into `urn` Outputs), so the ones the
            // package got through Outputs are given as dependsOn: the engine sees the same dependency graph.
            const dependsOn = r.dependencies.map((urn) => resolve(urn, "dependency", r));
            const inputs = literal(r.inputs, made);
            let resource: pulumi.Resource;
            if (!r.custom) {
                resource = new RawComponent(r.type, r.name, inputs, literal(r.outputs ?? {}, made), { parent, dependsOn });
            } else {
                const opts: pulumi.CustomResourceOptions = {
                    parent,
                    dependsOn,
                    deleteBeforeReplace: r.deleteBeforeReplace || undefined,
                    additionalSecretOutputs: r.additionalSecretOutputs.length ? r.additionalSecretOutputs : undefined,
                };
                const Class = DOCKER[r.type];
                resource = Class ? new Class(r.name, inputs, opts) : new RawCustom(r.type, r.name, inputs, opts);
            }
            made.set(r.urn, resource);
        }
    };
}
