import assert from "node:assert/strict";
import Docker from "dockerode";
import { lostWrites, readyClient, WriteLoad, WriteSample } from "../support/redisWriteLoad";
import { DockerHarness, dockerExec, eventually } from "./harness";

// A highly available LeanCacheInstance deployed by the e2e harness, seen from the test host: its endpoint's
// address, which node is the master, and the faults the failover tests and bench/failover inject (kill a
// node's container or its Redis process, cut it off its network and bring it back), and what a steady
// write load through the endpoint sees across a fault.

/** Writes acknowledged within this long before a fault may be lost (AOF fsync every second, async replication). */
export const GRACE_MS = 1000;

export interface FaultOutcome {
    /** From the fault until a write sent after it took effect was acknowledged. */
    unavailableMs: number;
    acknowledged: number;
    /** Acknowledged writes whose key is gone afterwards, and those of them acknowledged more than GRACE_MS before the fault. */
    lost: WriteSample[];
    lostBeforeGrace: WriteSample[];
}

export interface HaNode {
    index: number;
    /** Pulumi resource name: `<name>` for node 0, `<name>-1` for node 1. */
    resource: string;
    /** Its name on the stack network. */
    alias: string;
    container: Docker.Container;
}

export class HaCache {
    constructor(
        readonly harness: DockerHarness,
        readonly name: string,
        readonly password: string,
    ) {}

    get nodes(): HaNode[] {
        return [0, 1].map((index) => {
            const resource = index === 0 ? this.name : `${this.name}-${index}`;
            const info = this.harness.container(resource);
            return { index, resource, alias: info.inputs.networksAdvanced[0].aliases[0], container: this.harness.docker.getContainer(info.id) };
        });
    }

    get sentinels(): Docker.Container[] {
        return [0, 1, 2].map((i) => this.harness.docker.getContainer(this.harness.container(`${this.name}-sentinel-${i}`).id));
    }

    /** The endpoint container's address on the stack network (the test host reaches bridge networks directly). */
    async endpoint(): Promise<{ host: string; port: number; password: string }> {
        const info = await this.harness.docker.getContainer(this.harness.container(`${this.name}-endpoint`).id).inspect();
        const host = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
        assert.ok(host, "the endpoint has an address");
        return { host, port: 6379, password: this.password };
    }

    /** INFO replication of a node, as key → value ({} when it does not answer). */
    async replication(node: HaNode): Promise<Record<string, string>> {
        try {
            const { exitCode, output } = await dockerExec(node.container, ["timeout", "2", "redis-cli", "INFO", "replication"]);
            if (exitCode !== 0) return {};
            return Object.fromEntries(output.split(/\r?\n/).filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
        } catch {
            return {};
        }
    }

    /**
     * Waits until one node is the master with the other as its connected replica, and every Sentinel
     * monitors that master with the replica and both other Sentinels known. Returns the master.
     */
    async settled(timeoutMs = 90_000): Promise<{ master: HaNode; replica: HaNode }> {
        return eventually(async () => {
            const nodes = this.nodes;
            const roles = await Promise.all(nodes.map((n) => this.replication(n)));
            const masters = nodes.filter((_, i) => roles[i].role === "master");
            assert.equal(masters.length, 1, `one master (roles: ${roles.map((r) => r.role ?? "down").join(", ")})`);
            const master = masters[0];
            const replica = nodes[1 - master.index];
            const r = roles[replica.index];
            assert.deepEqual([r.role, r.master_host, r.master_link_status], ["slave", master.alias, "up"], "the other node replicates the master");
            assert.equal(roles[master.index].connected_slaves, "1");
            for (const sentinel of this.sentinels) {
                const { output } = await dockerExec(sentinel, ["timeout", "2", "redis-cli", "-p", "26379", "SENTINEL", "master", "leancache"]);
                const fields = output.trim().split(/\r?\n/);
                const field = (k: string) => fields[fields.indexOf(k) + 1];
                assert.deepEqual([field("ip"), field("num-slaves"), field("num-other-sentinels"), field("flags")], [master.alias, "1", "2", "master"], "each Sentinel sees the same instance");
            }
            return { master, replica };
        }, { timeoutMs, intervalMs: 500 });
    }

    /**
     * Runs a write load through the endpoint across `fault` until a write sent after it took effect is
     * acknowledged and `recovered` passes, then reads back every acknowledged write.
     */
    async faultUnderLoad(prefix: string, fault: () => Promise<void>, recovered: () => Promise<void> = async () => undefined): Promise<FaultOutcome> {
        const endpoint = await this.endpoint();
        const load = new WriteLoad({ ...endpoint, prefix });
        let samples: WriteSample[];
        let faultAt: number;
        let unavailableMs: number;
        try {
            await load.ackedSince(Date.now(), 10_000);
            await new Promise((r) => setTimeout(r, 1500));
            faultAt = Date.now();
            await fault();
            // From when the fault is in effect: a write sent just before may still have been answered.
            const effectiveAt = Date.now();
            unavailableMs = (await load.ackedSince(effectiveAt, 60_000)).ackedAt! - faultAt;
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

    /** Stops the node's container as `docker kill` does: it stays down (no restart policy applies). */
    async killContainer(node: HaNode): Promise<void> {
        await node.container.kill({ signal: "SIGKILL" });
        await eventually(async () => assert.equal((await node.container.inspect()).State.Running, false), { intervalMs: 20 });
    }

    /** SIGKILLs the node's Redis process from the host: Docker's restart policy starts it again. */
    async killProcess(node: HaNode): Promise<void> {
        const pid = (await node.container.inspect()).State.Pid;
        assert.ok(pid > 0, `${node.resource} runs`);
        process.kill(pid, "SIGKILL");
        await eventually(() => assert.throws(() => process.kill(pid, 0), /ESRCH/, "the process is gone"), { intervalMs: 20 });
    }

    /** Disconnects the node from the stack network (it keeps running); heal() puts it back under its name. */
    async partition(node: HaNode): Promise<void> {
        await this.network().disconnect({ Container: (await node.container.inspect()).Id, Force: true });
    }

    async heal(node: HaNode): Promise<void> {
        await this.network().connect({ Container: (await node.container.inspect()).Id, EndpointConfig: { Aliases: [node.alias] } });
    }

    private network(): Docker.Network {
        const name = this.harness.container(`${this.name}-endpoint`).inputs.networksAdvanced[0].name as string;
        return this.harness.docker.getNetwork(name);
    }
}
