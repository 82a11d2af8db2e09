import * as pulumi from "@pulumi/pulumi";

// Stack-level singletons (the default gateway, the stack network) must be created once per program
// run. A run is identified by its resource monitor: a new one per `pulumi up`, per Automation API
// inline run and per mocked test run, so repeated runs in one process each get their own.
const runs = new WeakMap<object, Map<string, unknown>>();
const noMonitor = {};

export function perRun<T>(key: string, create: () => T): T {
    const monitor = (pulumi.runtime.getMonitor() as object | undefined) ?? noMonitor;
    let values = runs.get(monitor);
    if (!values) runs.set(monitor, (values = new Map()));
    if (!values.has(key)) values.set(key, create());
    return values.get(key) as T;
}
