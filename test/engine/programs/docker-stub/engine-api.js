// The Docker Engine API as the package's own resources see it (LeanCache's memory settings: a file copied
// into the container, redis-cli run in it), without Docker: every container exists and runs, uploads are
// accepted, and an exec answers as redis-cli would (INFO memory: a small used_memory; anything else: OK).
// Serves on the unix socket given as the argument and exits once that socket is removed (the sandbox is).
// Plain JavaScript, outside the TypeScript build.
const fs = require("fs");
const http = require("http");

const socket = process.argv[2];
const execs = new Map();

function frame(text) {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = 1; // stdout
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
}

function answer(cmd) {
    return cmd.includes("INFO") ? "# Memory\r\nused_memory:1048576\r\n" : "OK\n";
}

const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        const url = req.url.split("?")[0];
        const json = (status, value) => { res.writeHead(status, { "Content-Type": "application/json" }); res.end(JSON.stringify(value)); };
        let m;
        if (req.method === "PUT" && /^\/containers\/[^/]+\/archive$/.test(url)) return json(200, {});
        if (req.method === "GET" && (m = /^\/containers\/([^/]+)\/json$/.exec(url))) return json(200, { Id: m[1], State: { Running: true } });
        if (req.method === "POST" && /^\/containers\/[^/]+\/exec$/.test(url)) {
            const id = `exec${execs.size + 1}`;
            execs.set(id, JSON.parse(Buffer.concat(chunks).toString()).Cmd ?? []);
            return json(201, { Id: id });
        }
        if (req.method === "POST" && (m = /^\/exec\/([^/]+)\/start$/.exec(url)) && execs.has(m[1])) {
            res.writeHead(200, { "Content-Type": "application/vnd.docker.raw-stream" });
            return res.end(frame(answer(execs.get(m[1]))));
        }
        if (req.method === "GET" && (m = /^\/exec\/([^/]+)\/json$/.exec(url)) && execs.has(m[1])) return json(200, { ExitCode: 0 });
        json(404, { message: `engine-api stub: no ${req.method} ${url}` });
    });
});
server.listen(socket);
// Gone with the sandbox; at the latest after an hour.
const started = Date.now();
setInterval(() => { if (!fs.existsSync(socket) || Date.now() - started > 3600_000) process.exit(0); }, 1000);
