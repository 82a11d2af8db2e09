import assert from "node:assert/strict";
import Docker from "dockerode";
import { Endpoint, faultUnderLoad, FaultOutcome, HaMember, infoFields, pairFields, settled } from "../support/leanCacheHa";
import { DockerHarness, dockerExec, eventually } from "./harness";

// A highly available LeanCacheInstance deployed by the e2e harness, seen from the test host: its endpoint's
// address, its nodes and Sentinels (through docker exec), and the faults the failover tests and
// bench/failover inject: kill a node's container or its Redis process, cut it off its network and bring
// it back.

export interface HaNode extends HaMember {
    /** Pulumi resource name: `<name>` for node 0, `<name>-1` for node 1. */
    resource: string;
    container: Docker.Container;
    /** redis-cli in the node's container: its output, "" when it does not answer. */
    cli(...args: string[]): Promise<string>;
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
            const container = this.harness.docker.getContainer(info.id);
            const cli = (...args: string[]) => this.redisCli(container, ...args);
            return { index, resource, alias: info.inputs.networksAdvanced[0].aliases[0], container, cli, replication: () => cli("INFO", "replication").then(infoFields) };
        });
    }

    get sentinels(): Docker.Container[] {
        return [0, 1, 2].map((i) => this.harness.docker.getContainer(this.harness.container(`${this.name}-sentinel-${i}`).id));
    }

    /** The endpoint container's address on the stack network (the test host reaches bridge networks directly). */
    async endpoint(): Promise<Endpoint> {
        const info = await this.harness.docker.getContainer(this.harness.container(`${this.name}-endpoint`).id).inspect();
        const host = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).find(Boolean);
        assert.ok(host, "the endpoint has an address");
        return { host, port: 6379, password: this.password };
    }

    /** redis-cli in a container (it reads the password from REDISCLI_AUTH); "" when it does not answer. */
    private async redisCli(container: Docker.Container, ...args: string[]): Promise<string> {
        try {
            const { exitCode, output } = await dockerExec(container, ["timeout", "2", "redis-cli", ...args]);
            return exitCode === 0 ? output : "";
        } catch {
            return "";
        }
    }

    /** One master with its replica following it, every Sentinel agreeing (see test/support/leanCacheHa.ts). */
    settled(timeoutMs?: number): Promise<{ master: HaNode; replica: HaNode }> {
        const views = () => this.sentinels.map((s) => async () => {
            const lines = (await this.redisCli(s, "-p", "26379", "SENTINEL", "master", "leancache")).trim().split(/\r?\n/);
            return pairFields(lines);
        });
        return settled(() => this.nodes, views, () => this.endpoint(), timeoutMs);
    }

    async faultUnderLoad(prefix: string, fault: () => Promise<void>, recovered?: () => Promise<void>): Promise<FaultOutcome> {
        return faultUnderLoad(await this.endpoint(), prefix, fault, recovered);
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
