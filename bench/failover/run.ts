// Benchmark: what does a LeanCache failover cost the clients? A highly available instance on the local
// Docker engine (the e2e harness realizes the package's containers like `pulumi up` with the Docker
// provider) under a steady write load through its endpoint (one SET every 20 ms, at most one in flight, each
// given 1 s), in rounds: the master's container killed (the Sentinels promote the replica; the killed node
// is started again and rejoins as the replica before the next round), then the master's Redis process
// killed (Docker restarts it). Per round: the time without a working master (unavailable: the longest
// time between acknowledged writes from the kill until a write sent after it was acknowledged), and the
// acknowledged writes that are gone afterwards (read back through the endpoint), split by whether they
// were acknowledged more than 1 s before the kill. The detection time
// (the Sentinels' down-after) is this run's baseline. Prints a table and ends with
//   failover: unavailable <s> s, detection <s> s, acknowledged writes lost <n>
// (unavailable: the worst container-kill round; n: over all rounds). Exits non-zero (after printing) when
// a round was unavailable longer than detection + 2 s or lost a write acknowledged more than 1 s before
// its kill. Everything it created is destroyed at the end, also on failure or Ctrl-C.
//
// Run: npm run bench:failover [-- --quick] [-- --rounds 3 --down-after 5]
// --quick (CI): one container-kill round and one process-kill round.
import { LeanCacheInstance } from "../../provider";
import { BenchResult, runBench, withBenchHarness } from "../harnessRun";
import { HaCache } from "../../test/e2e/leanCacheHa";
import { FaultOutcome } from "../../test/support/leanCacheHa";

const QUICK = process.argv.includes("--quick");
const PASSWORD = "bench-failover-password-0123";
/** The bound the package promises: unavailable ≤ detection + this. */
const MARGIN_S = 2;

function arg(name: string, def: number): number {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(process.argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive whole number`);
    return v;
}

interface Round extends FaultOutcome {
    kind: "container" | "process";
    promoted: boolean;
}

async function main(): Promise<BenchResult> {
    for (let i = 2; i < process.argv.length; i++) {
        const a = process.argv[i];
        if (a === "--quick") continue;
        if (a === "--rounds" || a === "--down-after") { i++; continue; }
        throw new Error(`unknown argument ${a} (--quick, --rounds N, --down-after S)`);
    }
    const rounds = arg("rounds", QUICK ? 1 : 3);
    const downAfter = arg("down-after", 5);
    if (rounds > 10) throw new Error("--rounds: at most 10");
    if (downAfter > 60) throw new Error("--down-after: at most 60 s");

    return withBenchHarness("bench-failover", async (harness) => {
        log(`deploying a highly available instance (down-after ${downAfter} s) ...`);
        await harness.up(() => new LeanCacheInstance("cache", { name: "CACHE", highAvailability: true, downAfterSeconds: downAfter, password: PASSWORD }));
        const cache = new HaCache(harness, "cache", PASSWORD);
        const done: Round[] = [];
        const plan: Round["kind"][] = [...Array(rounds).fill("container"), ...Array(QUICK ? 1 : 2).fill("process")];
        for (const [n, kind] of plan.entries()) {
            const { master, replica } = await cache.settled();
            log(`round ${n + 1}/${plan.length}: killing the master's ${kind} (node ${master.index}) under load ...`);
            const outcome = await cache.faultUnderLoad(`r${n}`, () => (kind === "container" ? cache.killContainer(master) : cache.killProcess(master)));
            const promoted = (await replica.replication()).role === "master";
            done.push({ ...outcome, kind, promoted });
            if (kind === "container") await master.container.start(); // it rejoins as the replica (settled, next round)
        }
        await cache.settled();

        console.log("round  kill       unavailable  promoted  acknowledged  lost  lost (acked > 1 s before)");
        for (const [n, r] of done.entries()) {
            console.log(`${String(n + 1).padStart(5)}  ${r.kind.padEnd(9)}  ${(r.unavailableMs / 1000).toFixed(2).padStart(9)} s  ${(r.promoted ? "yes" : "no").padEnd(8)}  ${String(r.acknowledged).padStart(12)}  ${String(r.lost.length).padStart(4)}  ${String(r.lostBeforeGrace.length).padStart(4)}`);
        }
        const problems: string[] = [];
        for (const [n, r] of done.entries()) {
            if (r.unavailableMs > (downAfter + MARGIN_S) * 1000) problems.push(`round ${n + 1} (${r.kind}): unavailable ${(r.unavailableMs / 1000).toFixed(2)} s > detection ${downAfter} s + ${MARGIN_S} s`);
            if (r.lostBeforeGrace.length) problems.push(`round ${n + 1} (${r.kind}): ${r.lostBeforeGrace.length} writes acknowledged more than 1 s before the kill were lost`);
            if (r.kind === "container" && !r.promoted) problems.push(`round ${n + 1}: the replica was not promoted`);
        }
        const worst = Math.max(...done.filter((r) => r.kind === "container").map((r) => r.unavailableMs)) / 1000;
        const lost = done.reduce((sum, r) => sum + r.lost.length, 0);
        const summary = `failover: unavailable ${worst.toFixed(2)} s, detection ${downAfter} s, acknowledged writes lost ${lost}`;
        return { summary, problems };
    });
}

function log(line: string): void {
    process.stderr.write(`[bench failover] ${line}\n`);
}

runBench("failover", main);
