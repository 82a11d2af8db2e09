import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { startIntervalSupported } from "./engineApi";

// Container health checks in the exact form the Docker provider reads back, so a preview right after
// `pulumi up` (or `pulumi refresh`) shows no change: the provider stores every duration as Go's
// time.Duration.String() ("1m0s", not "60s").

export interface HealthcheckSettings {
    tests: string[];
    intervalSeconds: number;
    timeoutSeconds: number;
    startPeriodSeconds: number;
    /** Probe interval during the start period; engines older than API 1.44 refuse it and probe at `interval`. */
    startIntervalSeconds: number;
    retries: number;
}

export function containerHealthcheck(s: HealthcheckSettings): pulumi.Output<docker.types.input.ContainerHealthcheck> {
    return startIntervalSupported().apply((supported) => ({
        tests: s.tests,
        interval: goDuration(s.intervalSeconds),
        timeout: goDuration(s.timeoutSeconds),
        startPeriod: goDuration(s.startPeriodSeconds),
        startInterval: goDuration(supported ? s.startIntervalSeconds : 0),
        retries: s.retries,
    }));
}

/** Whole seconds as Go's time.Duration.String() prints them: 0s, 5s, 1m0s, 1m30s, 1h0m0s. */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}
