import { DockerHarness, ensureEngine } from "../test/e2e/harness";

// The deployment lifecycle every Docker bench shares: the engine up, leftovers of an interrupted run
// swept, one harness stack, and everything it created destroyed at the end — on success, on failure,
// on Ctrl-C or SIGTERM (then exit 130), and past `limitMs` (then exit 1).

export interface BenchResult {
    /** The one-line summary the issue names, printed last. */
    summary: string;
    /** Broken promises: any fails the bench (exit 1). */
    problems: string[];
}

export async function withBenchHarness<T>(stack: string, body: (harness: DockerHarness) => Promise<T>, limitMs?: number): Promise<T> {
    await ensureEngine();
    await DockerHarness.sweep();
    const harness = new DockerHarness({ stack });
    let destroyed: Promise<void> | undefined;
    const destroy = () => (destroyed ??= harness.destroy());
    const onSignal = (signal: NodeJS.Signals) => {
        process.stderr.write(`\n${signal}: destroying the bench deployment\n`);
        void destroy().finally(() => process.exit(130));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const limit = limitMs === undefined ? undefined : setTimeout(() => {
        process.stderr.write(`${stack}: over ${limitMs / 60_000} minutes, giving up\n`);
        void destroy().finally(() => process.exit(1));
    }, limitMs);
    limit?.unref();
    try {
        return await body(harness);
    } finally {
        process.stderr.write(`[${stack}] destroying ...\n`);
        await destroy();
        clearTimeout(limit);
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

/** Runs a bench's main: its summary on stdout, then exit 0, or 1 with its problems or error. */
export function runBench(name: string, main: () => Promise<BenchResult>): void {
    main().then(({ summary, problems }) => {
        console.log(summary);
        if (problems.length) {
            console.error(`bench ${name} failed: ${problems.join("; ")}`);
            process.exit(1);
        }
        process.exit(0);
    }, (err) => {
        console.error(`bench ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        process.exit(1);
    });
}
