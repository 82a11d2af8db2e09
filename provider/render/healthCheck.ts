import { HealthCheck } from "../config/appModel";
import { LOG_LINE_MAX_CHARS, LOG_LINES_PER_MINUTE } from "../config/spec";
import { INIT_PATH } from "./dockerfile";

// The health-check and log settings each instance's /cloudengine/init reads, and the probe command
// the platform runs. Both platforms take them from here so probes and limits never drift apart.

export function renderInitSettings(health: HealthCheck): Record<string, string> {
    return {
        CLOUDENGINE_HEALTH_PATH: health.path,
        CLOUDENGINE_STARTUP_TIMEOUT: String(health.startupTimeoutSeconds),
        CLOUDENGINE_HEALTH_INTERVAL: String(health.intervalSeconds),
        CLOUDENGINE_HEALTH_FAILURES: String(health.failuresBeforeRestart),
        CLOUDENGINE_LOG_LINE_MAX: String(LOG_LINE_MAX_CHARS),
        CLOUDENGINE_LOG_LINES_PER_MINUTE: String(LOG_LINES_PER_MINUTE),
    };
}

/** The command a container health check runs (exit 0 healthy), with a diagnosis on failure. */
export const PROBE_COMMAND = [INIT_PATH, "probe"];
