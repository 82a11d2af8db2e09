import { execFileSync } from "node:child_process";

// A client with a public address for the cluster's pods: a network namespace of the test's own, joined to
// the host by a veth pair, whose requests go straight to a pod (the node forwards into the pod bridge;
// replies come back by a host route to the address). Everything it adds goes with close().

const HOST_SIDE = "10.254.254.1";
const NAMESPACE_SIDE = "10.254.254.2";

export class PublicAddressClient {
    private readonly ns = `ce-public-${process.pid}`;
    private readonly hostLink = `cepub${process.pid % 100000}h`;
    private readonly nsLink = `cepub${process.pid % 100000}n`;

    constructor(readonly address: string) {
        this.close();
        const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8", timeout: 10_000 });
        try {
            ip("netns", "add", this.ns);
            ip("link", "add", this.hostLink, "type", "veth", "peer", "name", this.nsLink);
            ip("link", "set", this.nsLink, "netns", this.ns);
            ip("addr", "add", `${HOST_SIDE}/30`, "dev", this.hostLink);
            ip("link", "set", this.hostLink, "up");
            ip("-n", this.ns, "link", "set", "lo", "up");
            ip("-n", this.ns, "addr", "add", `${NAMESPACE_SIDE}/30`, "dev", this.nsLink);
            ip("-n", this.ns, "addr", "add", `${address}/32`, "dev", this.nsLink);
            ip("-n", this.ns, "link", "set", this.nsLink, "up");
            ip("-n", this.ns, "route", "add", "default", "via", HOST_SIDE);
            ip("route", "add", `${address}/32`, "via", NAMESPACE_SIDE, "dev", this.hostLink);
        } catch (e) {
            this.close();
            throw e;
        }
    }

    /** GET `path` from `target` (ip:port) with the given headers, sent from the public address; the body. */
    get(target: string, path: string, headers: Record<string, string>): string {
        const args = ["netns", "exec", this.ns, "curl", "-sS", "--fail", "--max-time", "10", "--interface", this.address];
        for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
        return execFileSync("ip", [...args, `http://${target}${path}`], { encoding: "utf8", timeout: 20_000 });
    }

    /** Removes the namespace (and with it the veth pair and the host route through it). */
    close(): void {
        try { execFileSync("ip", ["netns", "del", this.ns], { stdio: "ignore" }); } catch { /* not there */ }
        try { execFileSync("ip", ["link", "del", this.hostLink], { stdio: "ignore" }); } catch { /* gone with the namespace */ }
    }
}
