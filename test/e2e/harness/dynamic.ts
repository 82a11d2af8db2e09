// Dynamic resources (pulumi-nodejs:dynamic/*, e.g. cloudengine:GeneratedSecret, GeneratedCertificate) run
// their own serialized provider, as Pulumi's dynamic provider host does
// (@pulumi/pulumi/cmd/dynamic-provider/index.js): the `__provider` input is a module whose handler()
// returns the provider;
//   check   provider.check(olds, news).inputs, else the new inputs;
//   create  provider.create(inputs) → { id, outs }; the state is outs + __provider (only what create returns);
//   diff    provider.diff(id, olds, news) when defined; otherwise DIFF_UNKNOWN, and the engine compares the
//           old and new inputs itself: any change (also of __provider) is an update;
//   update  provider.update(id, olds, news).outs + __provider — WITHOUT an update method the new state is
//           just { __provider }: every output create made is lost;
//   delete  provider.delete(id, props) when defined.
// So GeneratedSecret's value is made once and kept as long as its inputs (bytes) stay the same.
import Module from "module";
import * as path from "path";
import { repoRoot } from "./util";

export const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic/";
const PROVIDER_KEY = "__provider";

export interface DynamicProvider {
    check?(olds: any, news: any): Promise<{ inputs?: any; failures?: { property: string; reason: string }[] }>;
    diff?(id: string, olds: any, news: any): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
    create(inputs: any): Promise<{ id: string; outs?: any }>;
    update?(id: string, olds: any, news: any): Promise<{ outs?: any } | undefined>;
    delete?(id: string, props: any): Promise<void>;
}

const cache = new Map<string, DynamicProvider>();

export function providerOf(props: Record<string, any>, type: string): DynamicProvider {
    const source = props[PROVIDER_KEY];
    if (typeof source !== "string") throw new Error(`harness: ${type}: no serialized ${PROVIDER_KEY} input`);
    let provider = cache.get(source);
    if (!provider) {
        // require-from-string, resolving require() from the repository (as the program's directory would)
        const filename = path.join(repoRoot(), "__pulumi_dynamic_provider__.js");
        const m = new (Module as any)(filename, module);
        m.filename = filename;
        m.paths = (Module as any)._nodeModulePaths(path.dirname(filename));
        m._compile(source, filename);
        provider = m.exports.handler() as DynamicProvider;
        cache.set(source, provider);
    }
    return provider;
}

export async function dynamicCheck(provider: DynamicProvider, type: string, name: string, olds: any, news: any): Promise<Record<string, any>> {
    let inputs = news;
    if (provider.check) {
        const result = await provider.check(olds ?? {}, news);
        if (result.failures?.length) throw new Error(`${type} ${name}: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
        if (result.inputs) inputs = result.inputs;
    }
    return { ...inputs, [PROVIDER_KEY]: news[PROVIDER_KEY] };
}

export async function dynamicCreate(provider: DynamicProvider, inputs: Record<string, any>): Promise<{ id: string; state: Record<string, any> }> {
    const result = await provider.create(inputs);
    return { id: result.id, state: { ...(result.outs ?? {}), [PROVIDER_KEY]: inputs[PROVIDER_KEY] } };
}
