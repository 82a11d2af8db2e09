import { stackConfigObject } from "../../config/stackConfig";
import { kubernetesSettings, KubernetesSettings } from "../../config/args/kubernetes";
import { validate } from "../../config/validate";
import { perRun } from "../perRun";

/** The stack's `cloudengine:kubernetes` settings, validated once per run (errors name the stack config). */
export function kubernetesSettingsOf(): KubernetesSettings {
    return perRun("kubernetes-settings", () =>
        validate(kubernetesSettings, stackConfigObject("kubernetes") ?? {}, "stack config cloudengine:kubernetes"),
    );
}
