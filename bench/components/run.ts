// Benchmark: how much slower (and heavier) is a program using the components than a hand-written
// program registering the same raw resources? Both run under Pulumi's mocks (test/mocks.ts) in this
// one process, for 1, 10 and 100 apps. Prints medians and the package/raw ratio per size, and ends with
// the highest of those ratios:
//   components: worst ratio 1.08
// Run: npm run bench   (or: npx tsc -p . && node bin/bench/components/run.js)
// --quick (CI): 1 and 10 apps, 3 and 2 repetitions, no warm-up runs: the whole path (capture, replay,
// the registration check, measurements, ratios) in ~20 s; the numbers are rough.
import * as v8 from "v8";
import * as vm from "vm";
import { performance } from "perf_hooks";
import { Domain, EngineApp, EnvGroup, LeanCacheInstance } from "../../provider";
import { fixture, isSecret, Registered, run } from "../../test/mocks";
import { median } from "../stats";
import { rawProgram } from "./rawProgram";

/**
 * Measured repetitions per size (after one warm-up of each; none with --quick), and seconds after which a size stops
 * early (at least 3 repetitions): keeps the bench under ~2 minutes on 2 cores, even a busy machine.
 */
const QUICK = process.argv.includes("--quick");
for (const a of process.argv.slice(2)) if (a !== "--quick") throw new Error(`bench/components: unknown argument ${a} (only --quick)`);
const SIZES: [apps: number, reps: number, budgetSeconds: number][] = QUICK ? [[1, 3, 5], [10, 2, 10]] : [[1, 15, 10], [10, 9, 20], [100, 5, 55]];

// Forced GCs between runs so one run's garbage is not collected on the next one's clock.
v8.setFlagsFromString("--expose-gc");
const gc: () => void = vm.runInNewContext("gc");

/** A realistic stack: N apps from source, each with its own cache and domain, one shared EnvGroup. */
function packageProgram(apps: number): () => void {
    return () => {
        const shared = new EnvGroup("shared", { variables: { LOG_LEVEL: "info", FEATURE_X: "on" }, secrets: { API_TOKEN: "t0ken-123" } });
        for (let i = 0; i < apps; i++) {
            const cache = new LeanCacheInstance(`cache${i}`);
            const app = new EngineApp(`app${i}`, { source: fixture("goapp"), caches: [cache], envGroups: [shared] });
            new Domain(`app${i}-domain`, { hostname: `app${i}.example.com`, app });
        }
    };
}

/** One registration, stack-independent: what the engine would see, with parents and dependencies by type and name. */
function describeAll(resources: Registered[]): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, `${r.type}::${r.name}`]));
    // A URN in the inputs (components refer to components by URN) names a resource of that run's stack.
    const canonical = (v: any): any =>
        typeof v === "string" && byUrn.has(v) ? `(urn) ${byUrn.get(v)}`
        : isSecret(v) ? { "(secret)": canonical(v.value) }
        : Array.isArray(v) ? v.map(canonical)
        : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
        : v;
    return resources.map((r) => JSON.stringify({
        resource: `${r.type}::${r.name}`,
        parent: byUrn.get(r.parent) ?? r.parent,
        custom: r.custom,
        deleteBeforeReplace: r.deleteBeforeReplace,
        additionalSecretOutputs: [...r.additionalSecretOutputs].sort(),
        dependencies: r.dependencies.map((u) => byUrn.get(u) ?? u).sort(),
        inputs: canonical(r.inputs),
        outputs: canonical(r.outputs),
    })).sort();
}

/** Fails unless both programs registered the same multiset of resources, parents, options and inputs. */
function assertSameRegistrations(apps: number, pkg: Registered[], raw: Registered[]): void {
    const a = describeAll(pkg);
    const b = describeAll(raw);
    const onlyIn = (x: string[], y: string[]) => { const rest = [...y]; return x.filter((e) => { const i = rest.indexOf(e); if (i < 0) return true; rest.splice(i, 1); return false; }); };
    const clip = (e: string) => (e.length > 600 ? `${e.slice(0, 600)}...` : e);
    const missing = onlyIn(a, b);
    const extra = onlyIn(b, a);
    if (missing.length || extra.length) {
        throw new Error(`N=${apps}: the raw program does not register what the package does (${a.length} vs ${b.length} registrations)\n`
            + `  only in package: ${missing.slice(0, 3).map(clip).join("\n    ")}\n  only in raw: ${extra.slice(0, 3).map(clip).join("\n    ")}`);
    }
}

interface Sample { ms: number; allocatedMb: number; peakMb: number }

let stacks = 0;
/** Runs a program under mocks in a fresh stack; wall time to settle, bytes allocated, peak heap above idle. */
async function measure(kind: string, program: () => void, expected: number): Promise<Sample> {
    await run(() => undefined, { stack: `idle${++stacks}` }); // drop the previous stack's mock state
    gc();
    const idle = process.memoryUsage().heapUsed;
    const profiler = new v8.GCProfiler();
    profiler.start();
    const start = performance.now();
    const registered = await run(program, { stack: `${kind}${++stacks}` });
    const ms = performance.now() - start;
    if (registered.length !== expected) throw new Error(`${kind} run registered ${registered.length} resources, expected ${expected}`);
    const end = process.memoryUsage().heapUsed;
    const gcs = profiler.stop().statistics;
    // Allocated = growth + everything GCs reclaimed during the run; peak = the highest used heap seen.
    const reclaimed = gcs.reduce((sum, g) => sum + Math.max(0, g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize), 0);
    const peak = Math.max(end, ...gcs.map((g) => g.beforeGC.heapStatistics.usedHeapSize));
    return { ms, allocatedMb: (end - idle + reclaimed) / 2 ** 20, peakMb: (peak - idle) / 2 ** 20 };
}

const HEADER = ["apps", "res", "pkg ms", "raw ms", "ratio", "(range)", "ms/app", "+ms/app", "pkg alloc", "raw alloc", "pkg peak", "raw peak"];
const tableLine = (cells: string[]) => cells.map((c, i) => c.padStart(i < 2 ? 5 : i === 5 ? 11 : 10)).join("");

async function main(): Promise<void> {
    const began = performance.now();
    const rows: string[] = [];
    const finals: string[] = [];
    const counts: string[] = [];
    const summary: string[] = [];
    let worst = 0;
    for (const [apps, reps, budgetSeconds] of SIZES) {
        // Capture the package program once, build the replay from it, and check the replay matches.
        const coldStart = performance.now();
        const captured = await run(packageProgram(apps), { stack: `capture${apps}` });
        // The process's first package run also loads modules and serializes the dynamic provider's closure (cached after).
        if (apps === SIZES[0][0]) console.log(`first (cold) package run, N=${apps}: ${Math.round(performance.now() - coldStart)} ms`);
        const raw = rawProgram(captured);
        assertSameRegistrations(apps, captured, await run(raw, { stack: `verify${apps}` }));

        const samples: Record<"package" | "raw", Sample[]> = { package: [], raw: [] };
        if (!QUICK) {
            await measure("warmpkg", packageProgram(apps), captured.length);
            await measure("warmraw", raw, captured.length);
        }
        const measuring = performance.now();
        for (let i = 0; i < reps && (i < 3 || performance.now() - measuring < budgetSeconds * 1000); i++) {
            // Alternate which goes first so drift (JIT, heap growth) does not favour one side.
            const order = i % 2 ? (["raw", "package"] as const) : (["package", "raw"] as const);
            for (const kind of order) samples[kind].push(await measure(kind, kind === "package" ? packageProgram(apps) : raw, captured.length));
        }
        counts.push(`${samples.raw.length} (N=${apps})`);
        const ratios = samples.package.map((x, i) => x.ms / samples.raw[i].ms);
        const [p, r] = [samples.package, samples.raw].map((s) => ({
            ms: median(s.map((x) => x.ms)), allocatedMb: median(s.map((x) => x.allocatedMb)), peakMb: median(s.map((x) => x.peakMb)),
        }));
        const ratio = p.ms / r.ms;
        if (!Number.isFinite(ratio) || ratio <= 0) throw new Error(`N=${apps}: no package/raw ratio (package ${p.ms} ms, raw ${r.ms} ms)`);
        summary.push(`${ratio.toFixed(2)} (N=${apps})`);
        worst = Math.max(worst, ratio);
        rows.push(tableLine([String(apps), String(captured.length), p.ms.toFixed(1), r.ms.toFixed(1), (p.ms / r.ms).toFixed(2),
            `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`, (p.ms / apps).toFixed(2), ((p.ms - r.ms) / apps).toFixed(2),
            p.allocatedMb.toFixed(1), r.allocatedMb.toFixed(1), p.peakMb.toFixed(1), r.peakMb.toFixed(1)]));
        finals.push(`components N=${apps}: package ${Math.round(p.ms)} ms, raw ${Math.round(r.ms)} ms, ratio ${(p.ms / r.ms).toFixed(2)}`);
    }
    console.log(`medians of ${counts.join(", ")} alternating package/raw runs under mocks; ratio = package/raw;`);
    console.log("ms/app = package ms per app, +ms/app = (package - raw) ms per app; alloc = MB allocated, peak = MB peak heap above idle");
    console.log(tableLine(HEADER));
    for (const row of rows) console.log(row);
    for (const line of finals) console.log(line);
    console.log(`package/raw time ${summary.join(", ")} in ${((performance.now() - began) / 1000).toFixed(0)} s${QUICK ? "; quick mode: rough numbers" : ""}`);
    console.log(`components: worst ratio ${worst.toFixed(2)}`);
}

// A failure anywhere (also in an apply callback) is a failed bench, not a number.
process.on("unhandledRejection", (err) => {
    console.error(err);
    process.exit(1);
});
main().catch((err) => {
    console.error(err);
    process.exit(1);
});
