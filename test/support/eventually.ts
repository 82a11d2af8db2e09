/** Calls `check` until it returns without throwing (its value) or timeoutMs passes (its last error). */
export async function eventually<T>(check: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
        try {
            return await check();
        } catch (err) {
            if (Date.now() > deadline) throw err;
        }
        await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
}
