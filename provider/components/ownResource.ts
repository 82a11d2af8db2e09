import * as pulumi from "@pulumi/pulumi";

// The package's own custom resources (generated secrets and certificates, Docker releases) have one
// implementation each, a dynamic ResourceProvider, served two ways:
//   * in a TypeScript program, as a Pulumi dynamic resource (the engine runs Node's dynamic provider
//     in the program's directory, which has @pulumi/pulumi);
//   * in the component provider (programs in YAML, Python, Go), as resources of the cloudengine plugin
//     itself (type cloudengine:index:<Kind>), which serves their create/diff/update/delete: a YAML or
//     Python program's directory has no @pulumi/pulumi for a dynamic provider to load.

let servedByPlugin = false;

/** Called by the plugin's entry point: from now on own resources are the plugin's. */
export function serveOwnResourcesFromPlugin(): void {
    servedByPlugin = true;
}

/** Registers one of the package's own resources with the implementation that serves it. */
export function ownResource<Outputs extends string>(kind: string, implementation: pulumi.dynamic.ResourceProvider, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions): pulumi.CustomResource & Record<Outputs, pulumi.Output<string>> {
    const resource = servedByPlugin
        ? new PluginResource(`cloudengine:index:${kind}`, name, props, opts)
        : new DynamicResource(implementation, name, props, opts, "cloudengine", kind);
    return resource as pulumi.CustomResource & Record<Outputs, pulumi.Output<string>>;
}

class PluginResource extends pulumi.CustomResource {}
class DynamicResource extends pulumi.dynamic.Resource {}
