// A real redis-server (Debian's) on 127.0.0.1 for tests: started with a rendered configuration in its own
// directory, on a free port, killed and started again on the same port and data.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderRedisAuthConf, renderRedisConf } from "../../provider/render/redisConf";
import { freePort } from "./ports";

export const REDIS_SERVER = "/usr/bin/redis-server";
const START_TIMEOUT_MS = 10_000;


export interface RedisServerOptions {
    password: string;
    maxmemoryBytes?: number;
    evictionPolicy?: string;
}

export class RedisServer {
    private process?: ChildProcess;

    private constructor(readonly dir: string, readonly port: number, readonly password: string) {}

    /** Renders redis.conf and the auth include as the package does, into a new directory, and starts the server. */
    static async start(options: RedisServerOptions): Promise<RedisServer> {
        if (!fs.existsSync(REDIS_SERVER)) throw new Error("redis-server must be installed (Debian package redis-server); .ci/run installs it");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-redis-"));
        const authConfPath = path.join(dir, "auth.conf");
        fs.writeFileSync(authConfPath, renderRedisAuthConf(options.password));
        const conf = renderRedisConf({ maxmemoryBytes: options.maxmemoryBytes ?? 64 * 1024 * 1024, evictionPolicy: options.evictionPolicy ?? "volatile-lru", dataDir: dir, authConfPath });
        fs.writeFileSync(path.join(dir, "redis.conf"), conf);
        const server = new RedisServer(dir, await freePort(), options.password);
        await server.resume();
        return server;
    }

    get url(): string {
        return `redis://default:${this.password}@127.0.0.1:${this.port}`;
    }

    /** Starts the server (again) on its port and data; resolves once it accepts connections. */
    async resume(): Promise<void> {
        const child = spawn(REDIS_SERVER, [path.join(this.dir, "redis.conf"), "--port", String(this.port), "--bind", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
        this.process = child;
        let log = "";
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${log}`)), START_TIMEOUT_MS);
            child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`redis-server exited ${code}:\n${log}`)); });
            child.stdout!.on("data", (d) => {
                log += d;
                if (/Ready to accept connections/.test(log)) { clearTimeout(timer); resolve(); }
            });
        });
    }

    /** Kills the server at once (SIGKILL) and waits until it is gone. */
    async kill(): Promise<void> {
        const child = this.process;
        this.process = undefined;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
    }

    async destroy(): Promise<void> {
        await this.kill();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
