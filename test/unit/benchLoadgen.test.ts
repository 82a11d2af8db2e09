// bench/proxy's load generator checks (bench/proxy/loadgen.ts): wrk's output is parsed in the right units,
// an impossible p50 (autocannon's error when nginx closes keep-alive connections) is refused, and the
// reference client times sequential requests across a server closing its keep-alive connection.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { judge, parseWrk, referenceMedian } from "../../bench/proxy/loadgen";

// wrk 4.1.0 (Debian) against nginx on 127.0.0.1, 2 threads, 16 connections.
const WRK_OUTPUT = `Running 3s test @ http://127.0.0.1:18099/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   432.02us  808.29us   9.55ms   87.48%
    Req/Sec    50.42k    13.99k   71.12k    62.50%
  Latency Distribution
     50%   74.00us
     75%  212.00us
     90%    1.14ms
     99%    3.78ms
  300613 requests in 3.00s, 43.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 0
Requests/sec: 100204.25
Transfer/sec:     14.33MB
`;

describe("bench/proxy load generator", () => {
    it("parses wrk's summary in milliseconds", () => {
        const r = parseWrk(WRK_OUTPUT);
        assert.equal(r.requests, 300613);
        assert.equal(r.rps, 100204.25);
        assert.ok(Math.abs(r.p50 - 0.074) < 1e-9);
        assert.ok(Math.abs(r.p99 - 3.78) < 1e-9);
        assert.ok(Math.abs(r.mean - 0.43202) < 1e-9);
        assert.equal(r.socketErrors, 2);
        assert.equal(r.non2xx, 0);
        assert.ok(Math.abs(r.bytesPerResponse - (14.33 * 2 ** 20) / 100204.25) < 1e-6);
        assert.equal(judge(r, 16), undefined);
    });

    it("refuses a p50 that the throughput makes impossible (Little's law and Markov's inequality)", () => {
        // autocannon 9, one connection to a bare nginx: 27,702 responses/s, p50 0.978 ms.
        const problem = judge({ requests: 83107, rps: 27702, p50: 0.978, p99: 2, non2xx: 0, socketErrors: 0, errorText: "0" }, 1);
        assert.match(problem ?? "", /impossible at 27702 responses\/s over 1 connections \(at most 2·C\/X = 0\.072 ms\)/);
        assert.match(judge({ requests: 0, rps: 0, p50: NaN, p99: NaN, non2xx: 0, socketErrors: 0, errorText: "0" }, 16) ?? "", /no responses/);
        assert.match(judge({ requests: 1000, rps: 500, p50: 1, p99: 2, non2xx: 3, socketErrors: 0, errorText: "0" }, 16) ?? "", /3 non-2xx/);
        assert.match(judge({ requests: 1000, rps: 500, p50: 1, p99: 2, non2xx: 0, socketErrors: 2, errorText: "connect 2, read 0, write 0, timeout 0" }, 16) ?? "", /socket errors/);
    });

    it("the reference client times every request and reconnects when the server closes the connection", async () => {
        const server = http.createServer((_req, res) => res.end("ok\n"));
        server.maxRequestsPerSocket = 100; // like nginx's keepalive_requests: Connection: close on the 100th
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const port = (server.address() as AddressInfo).port;
            const r = await referenceMedian("127.0.0.1", port, { count: 350, warmup: 50 });
            assert.equal(r.requests, 300);
            assert.equal(r.serverCloses, 3);
            assert.ok(r.median > 0 && r.median <= r.p90 && r.p90 < 1000, `median ${r.median} ms, p90 ${r.p90} ms`);
        } finally {
            server.close();
        }
    });
});
