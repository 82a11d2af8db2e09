// A `pulumi up` of the harness under a bounded load: the load starts leadMs before the up and stops tailMs
// after it returned, so the samples cover the whole update; the up's error is thrown after the load stopped.
import { LoadOptions, LoadSample, startLoad } from "../../../bench/rollout/load";
import { DockerHarness, UpResult } from "./harness";

export interface UpUnderLoad {
    result: UpResult;
    samples: LoadSample[];
    /** When the load started, the up started and the up returned (ms since the epoch). */
    t0: number;
    upStart: number;
    upEnd: number;
}

export async function upUnderLoad(harness: DockerHarness, program: () => unknown, load: LoadOptions, timing: { leadMs: number; tailMs: number }): Promise<UpUnderLoad> {
    const running = startLoad(load);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, timing.leadMs));
    const upStart = Date.now();
    let upError: unknown;
    let result: UpResult | undefined;
    try {
        result = await harness.up(program);
    } catch (err) {
        upError = err;
    }
    const upEnd = Date.now();
    await new Promise((r) => setTimeout(r, timing.tailMs));
    const samples = await running.stop();
    if (upError) throw upError;
    return { result: result!, samples, t0, upStart, upEnd };
}
