import assert from "node:assert/strict";
import { eventually } from "./eventually";
import { lostWrites, readyClient, WriteLoad, WriteSample } from "./redisWriteLoad";

// A highly available LeanCache instance seen from a test, whatever runs it (Docker containers, Kubernetes
// pods): whether it is settled (one master, its replica following it, every Sentinel agreeing) and what a
// steady write load through its endpoint sees across a fault.

/** Writes acknowledged within this long before a fault may be lost (AOF fsync every second, async replication). */
export const GRACE_MS = 1000;

export interface HaMember {
    index: number;
    /** Its name on the instance's network (what Sentinels and the other node call it). */
    alias: string;
    /** INFO replication as key → value ({} when it does not answer). */
    replication(): Promise<Record<string, string>>;
}

/** SENTINEL MASTER leancache as key → value, from one Sentinel. */
export type SentinelView = () => Promise<Record<string, string>>;

export interface Endpoint {
    host: string;
    port: number;
    password: string;
}

/** `key:value` lines (INFO) or alternating lines (a RESP array printed by redis-cli) as a map. */
export function infoFields(text: string): Record<string, string> {
    return Object.fromEntries(text.split(/\r?\n/).filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
}

export function pairFields(items: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < items.length; i += 2) out[items[i]] = items[i + 1];
    return out;
}

/**
 * Waits until one node is the master with the other as its connected replica, every Sentinel monitors
 * that master with the replica and both other Sentinels known, and a new connection through the
 * endpoint reaches that master (the endpoint notices a demoted node a moment after it is demoted).
 * Returns master and replica.
 */
export async function settled<N extends HaMember>(members: () => Promise<N[]> | N[], sentinels: () => Promise<SentinelView[]> | SentinelView[], endpoint: () => Promise<Endpoint>, timeoutMs = 90_000): Promise<{ master: N; replica: N }> {
    return eventually(async () => {
        const nodes = await members();
        const roles = await Promise.all(nodes.map((n) => n.replication()));
        const masters = nodes.filter((_, i) => roles[i].role === "master");
        assert.equal(masters.length, 1, `one master (roles: ${roles.map((r) => r.role ?? "down").join(", ")})`);
        const master = masters[0];
        const replica = nodes.find((n) => n !== master)!;
        const r = roles[nodes.indexOf(replica)];
        assert.deepEqual([r.role, r.master_host, r.master_link_status], ["slave", master.alias, "up"], "the other node replicates the master");
        assert.equal(roles[nodes.indexOf(master)].connected_slaves, "1");
        for (const view of await sentinels()) {
            const f = await view();
            assert.deepEqual([f.ip, f["num-slaves"], f["num-other-sentinels"], f.flags], [master.alias, "1", "2", "master"], "each Sentinel sees the same instance");
        }
        const client = await readyClient(await endpoint(), 2_000);
        try {
            const through = infoFields(await client.info("replication"));
            assert.deepEqual([through.role, through.master_replid], ["master", roles[nodes.indexOf(master)].master_replid], "the endpoint leads to the master");
        } finally {
            client.disconnect();
        }
        return { master, replica };
    }, { timeoutMs, intervalMs: 500 });
}

/** The longest interval between `from` and the (ascending) times after it. */
function longestGap(from: number, times: number[]): number {
    let longest = 0;
    let last = from;
    for (const t of times) {
        longest = Math.max(longest, t - last);
        last = t;
    }
    return longest;
}

export interface FaultOutcome {
    /**
     * The time without a working master: the longest time between two acknowledged writes (or the fault
     * and the first) from the fault until a write sent after the fault took effect was acknowledged. A
     * fault that takes a while to inject (a graceful pod stop) counts from when the master stopped answering.
     */
    unavailableMs: number;
    acknowledged: number;
    /** Acknowledged writes whose key is gone afterwards, and those of them acknowledged more than GRACE_MS before the fault. */
    lost: WriteSample[];
    lostBeforeGrace: WriteSample[];
}

/**
 * Runs a write load through the endpoint across `fault` (which returns once the fault is in effect) until
 * a write sent after it is acknowledged and `recovered` passes, then reads back every acknowledged write.
 */
export async function faultUnderLoad(endpoint: Endpoint, prefix: string, fault: () => Promise<void>, recovered: () => Promise<void> = async () => undefined): Promise<FaultOutcome> {
    const load = new WriteLoad({ ...endpoint, prefix });
    let samples: WriteSample[];
    let faultAt: number;
    let unavailableMs: number;
    try {
        await load.ackedSince(Date.now(), 30_000);
        await new Promise((r) => setTimeout(r, 1500));
        faultAt = Date.now();
        await fault();
        // From when the fault is in effect: a write sent just before may still have been answered.
        const effectiveAt = Date.now();
        const back = await load.ackedSince(effectiveAt, 60_000);
        unavailableMs = longestGap(faultAt, load.samples.filter((s) => s.ackedAt !== undefined && s.ackedAt >= faultAt && s.ackedAt <= back.ackedAt!).map((s) => s.ackedAt!));
        await recovered();
        await new Promise((r) => setTimeout(r, 500));
    } finally {
        samples = await load.stop();
    }
    const client = await readyClient(endpoint);
    try {
        const lost = await lostWrites(client, samples);
        const acknowledged = samples.filter((s) => s.ackedAt !== undefined).length;
        return { unavailableMs, acknowledged, lost, lostBeforeGrace: lost.filter((s) => s.ackedAt! < faultAt - GRACE_MS) };
    } finally {
        client.disconnect();
    }
}
