import * as pulumi from "@pulumi/pulumi";

// Stack-level singletons (the default gateway, the stack network) must be created once per program
// run. A run is identified by its resource monitor: a new one per `pulumi up`, per Automation API
// inline run and per mocked test run, so repeated runs in one process each get their own.
// The component provider serves one deployment per process but opens a monitor connection per
// construct call; it shares one run across them (shareRunsAcrossMonitors).
const runs = new WeakMap<object, Map<string, unknown>>();
const noMonitor = {};
let processRun: object | undefined;

export function perRun<T>(key: string, create: () => T): T {
    const monitor = processRun ?? (pulumi.runtime.getMonitor() as object | undefined) ?? noMonitor;
    let values = runs.get(monitor);
    if (!values) runs.set(monitor, (values = new Map()));
    if (!values.has(key)) values.set(key, create());
    return values.get(key) as T;
}

/** From now on every perRun value is shared by the whole process (the component provider's mode). */
export function shareRunsAcrossMonitors(): void {
    processRun ??= {};
}
