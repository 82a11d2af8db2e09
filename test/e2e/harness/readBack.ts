// What terraform-provider-docker v3.9.0 stores for a container (resourceDockerContainerRead in
// internal/provider/resource_docker_container_funcs.go), for the fields it normalizes. The next
// preview diffs the program's inputs against this stored form, so an input written differently from
// it is an update every time (e.g. healthcheck.startPeriod "60s" is stored as "1m0s").
//   after create/update   healthcheck durations: time.Duration.String() of the parsed value
//   after refresh         also mounts from HostConfig.Mounts (target, type, readOnly, source,
//                         tmpfsOptions { sizeBytes, mode }: what Docker kept, zero values included)
import Docker from "dockerode";
import { goDuration } from "./container";

const HEALTHCHECK_DURATIONS = ["interval", "timeout", "startPeriod", "startInterval"] as const;

/** The stored form right after the provider's create or update (its Read of the inputs it sent). */
export function storedContainer(plain: Record<string, any>): Record<string, any> {
    const withDefaults = containerInputsWithDefaults(plain);
    if (!withDefaults.healthcheck) return withDefaults;
    const h = { ...withDefaults.healthcheck };
    for (const field of HEALTHCHECK_DURATIONS) h[field] = formatGoDuration(goDuration(h[field]));
    return { ...withDefaults, healthcheck: h };
}

/** The inputs with the schema's defaults filled in (healthcheck durations "0s", retries 0), as the provider's diff sees them. */
export function containerInputsWithDefaults(plain: Record<string, any>): Record<string, any> {
    if (!plain.healthcheck) return plain;
    const h = { retries: 0, ...plain.healthcheck };
    for (const field of HEALTHCHECK_DURATIONS) h[field] ??= "0s";
    return { ...plain, healthcheck: h };
}

/** The stored form after `pulumi refresh`: read from the engine. */
export function refreshedContainer(plain: Record<string, any>, info: Docker.ContainerInspectInfo): Record<string, any> {
    const stored = storedContainer(plain);
    const hc = info.Config.Healthcheck as any;
    if (hc) {
        stored.healthcheck = {
            tests: hc.Test,
            interval: formatGoDuration(hc.Interval ?? 0),
            timeout: formatGoDuration(hc.Timeout ?? 0),
            startPeriod: formatGoDuration(hc.StartPeriod ?? 0),
            startInterval: formatGoDuration(hc.StartInterval ?? 0),
            retries: hc.Retries ?? 0,
        };
    }
    const mounts = (info.HostConfig as any).Mounts as any[] | undefined;
    if (mounts?.length) {
        stored.mounts = mounts.map((m) => {
            const mount: Record<string, any> = { target: m.Target, type: m.Type, readOnly: m.ReadOnly === true };
            if (m.Source) mount.source = m.Source;
            if (m.TmpfsOptions) mount.tmpfsOptions = { sizeBytes: m.TmpfsOptions.SizeBytes ?? 0, mode: m.TmpfsOptions.Mode ?? 0 };
            if (m.VolumeOptions) mount.volumeOptions = plain.mounts?.find((p: any) => p.target === m.Target)?.volumeOptions;
            if (m.BindOptions) mount.bindOptions = { propagation: m.BindOptions.Propagation ?? "" };
            return mount;
        });
    }
    return stored;
}

/** Go's time.Duration.String() for a whole number of nanoseconds. */
export function formatGoDuration(ns: number): string {
    if (ns === 0) return "0s";
    const sign = ns < 0 ? "-" : "";
    let n = Math.abs(ns);
    if (n < 1e9) {
        const [unit, size] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
        return `${sign}${trimFraction(n / (size as number))}${unit}`;
    }
    const h = Math.floor(n / 3600e9);
    n -= h * 3600e9;
    const m = Math.floor(n / 60e9);
    n -= m * 60e9;
    const s = `${trimFraction(n / 1e9)}s`;
    if (h > 0) return `${sign}${h}h${m}m${s}`;
    if (m > 0) return `${sign}${m}m${s}`;
    return `${sign}${s}`;
}

function trimFraction(value: number): string {
    return String(Number(value.toFixed(9)));
}
