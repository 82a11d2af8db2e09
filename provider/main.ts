// Entry point of the component provider plugin (pulumi-resource-cloudengine runs this).
import * as provider from "@pulumi/pulumi/provider";
import { componentProvider } from "./componentProvider";
import { serveOwnResourcesFromPlugin } from "./components/ownResource";
import { shareRunsAcrossMonitors } from "./platform/perRun";

// One deployment per provider process: stack-wide singletons (the default gateway, the stack
// network) are shared by every construct call, though each has its own monitor connection.
shareRunsAcrossMonitors();
// Generated secrets, certificates and Docker releases are this plugin's own resources here: a YAML or
// Python program's directory has no @pulumi/pulumi for Node's dynamic provider.
serveOwnResourcesFromPlugin();

provider.main(componentProvider, process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
});
