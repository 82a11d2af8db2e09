// Free TCP ports on 127.0.0.1 for tests and benches that start their own servers.
import * as net from "net";

/** n different ports free right now (held open together, so the kernel hands out n different ones). */
export async function freePorts(n: number): Promise<number[]> {
    const servers = await Promise.all(
        Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
            const s = net.createServer();
            s.unref();
            s.once("error", reject);
            s.listen(0, "127.0.0.1", () => resolve(s));
        })),
    );
    const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}
