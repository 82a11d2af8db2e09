// Every default and limit the platform takes from the spec documents, once, beside the sentence it
// comes from. Other files import these; none repeats a number.

// --- Cloud Engine Go runtime -------------------------------------------------------------------

/** "By default, Cloud Engine builds your project with go build -o main and runs the compiled executable (main)." */
export const DEFAULT_GO_BUILD = "go build -o main";
export const DEFAULT_GO_RUN = "./main";
/** "Cloud Engine will automatically install the dependencies listed in go.mod and go.sum." */
export const DEFAULT_GO_INSTALL = "go mod download";
/** "A Go project has to have a go.mod under its root directory". */
export const GO_DEPENDENCY_FILES = ["go.mod", "go.sum"] as const;
/**
 * "If you don't specify a Go version, the latest stable version will be used.": the official image's
 * floating tag for the latest stable Go on Debian bookworm (the runtime image's release), kept current by
 * its maintainers, so no constant here goes stale (scripts/base-images.sh builds it locally from the newest
 * stable golang.org/toolchain on the Go module proxy).
 */
export const STABLE_GO_BUILDER_IMAGE = "golang:bookworm";

/** "You can change it to any value between 15 and 120 seconds"; "(30 seconds by default)". */
export const STARTUP_TIMEOUT = { min: 15, max: 120, default: 30 } as const;
/** "Cloud Engine will check your app every second to see if it has been successfully started." */
export const STARTUP_PROBE_INTERVAL_SECONDS = 1;
/** "Cloud Engine will run health checks for your app regularly and automatically restart it if the check fails." */
export const HEALTH_INTERVAL_SECONDS = 5;
export const HEALTH_FAILURES_BEFORE_RESTART = 3;
export const HEALTH_TIMEOUT_SECONDS = 3;
/** "Cloud Engine will send an HTTP request to the homepage (/) of your app." */
export const HEALTH_PATH_HOMEPAGE = "/";
/** "Cloud Engine will also check /__engine/1/ping which is handled by the SDK." */
export const HEALTH_PATH_SDK = "/__engine/1/ping";

/** "The following libraries are available for you to add" (systemDependencies) → Debian bookworm packages. */
export const SYSTEM_DEPENDENCIES: Record<string, { packages: string[]; unavailable?: string }> = {
    "ffmpeg": { packages: ["ffmpeg"] },
    "imagemagick": { packages: ["imagemagick"] },
    "fonts-wqy": { packages: ["fonts-wqy-microhei", "fonts-wqy-zenhei"] },
    "fonts-noto": { packages: ["fonts-noto-cjk"] },
    "phantomjs": { packages: [], unavailable: "phantomjs is discontinued and Debian bookworm does not ship it; use chrome-headless" },
    "chrome-headless": { packages: ["chromium"] },
    "node-canvas": { packages: ["libcairo2", "libpango-1.0-0", "libpangocairo-1.0-0", "libjpeg62-turbo", "libgif7", "librsvg2-2"] },
    "python-talib": { packages: [], unavailable: "TA-Lib is not packaged for Debian bookworm and cannot be installed on the Go runtime" },
};
/** "please provide {executablePath: '/usr/bin/google-chrome', ...}" — chrome-headless is reachable there. */
export const CHROME_PATH = "/usr/bin/google-chrome";

/** "Your app is expected to provide HTTP services through the port specified by ... LEANCLOUD_APP_PORT." */
export const DEFAULT_APP_PORT = 3000;
/** "It will be stage for the staging environment and production for the production environment." */
export const ENVIRONMENTS = ["production", "stage"] as const;
export type AppEnvironment = (typeof ENVIRONMENTS)[number];
/** "If you bind a domain that starts with stg- ... it will be assigned to the staging environment automatically." */
export const STAGING_PREFIX = "stg-";
/** "It will be CN for Mainland China and US for the United States." */
export const REGIONS = ["CN", "US"] as const;
/** "The server side uses Beijing Time (UTC+8)." */
export const DEFAULT_TIMEZONE = "Asia/Shanghai";
/** "Your application can create temporary files under /home/leanengine and /tmp. The size limit ... is 1 GB." */
export const SANDBOX_HOME = "/home/leanengine";
export const SANDBOX_TMP = "/tmp";
export const SANDBOX_TOTAL_BYTES = 1024 * 1024 * 1024;
/**
 * The 1 GB split between every writable path, so that together they never exceed it: the two the spec
 * names, and /dev/shm (shared memory, which Chromium needs; Docker would otherwise add 64 MB of its own).
 */
const MiB = 1024 * 1024;
export const SANDBOX_MOUNTS: Record<string, number> = { [SANDBOX_HOME]: 704 * MiB, [SANDBOX_TMP]: 256 * MiB, "/dev/shm": 64 * MiB };
/** "Each line of the logs can contain a maximum of 4096 characters. A maximum of 600 lines ... every minute." */
export const LOG_LINE_MAX_CHARS = 4096;
export const LOG_LINES_PER_MINUTE = 600;

/** Variables the platform injects ("The following environment variables are available"). */
export const PLATFORM_VARIABLES = [
    "LEANCLOUD_APP_ID", "LEANCLOUD_APP_KEY", "LEANCLOUD_APP_MASTER_KEY", "LEANCLOUD_APP_ENV",
    "LEANCLOUD_APP_PORT", "LEANCLOUD_API_SERVER", "LEANCLOUD_APP_GROUP", "LEANCLOUD_REGION",
    "LEANCLOUD_VERSION_TAG",
] as const;
/** "The environment variables starting with LC_ (like LC_APP_ID) ... will still be present for a while". */
export const DEPRECATED_ALIASES: Record<string, (typeof PLATFORM_VARIABLES)[number]> = {
    LC_APP_ID: "LEANCLOUD_APP_ID",
    LC_APP_KEY: "LEANCLOUD_APP_KEY",
    LC_APP_MASTER_KEY: "LEANCLOUD_APP_MASTER_KEY",
    LC_APP_ENV: "LEANCLOUD_APP_ENV",
    LC_APP_PORT: "LEANCLOUD_APP_PORT",
    LC_API_SERVER: "LEANCLOUD_API_SERVER",
};
/** Prefix of "REDIS_URL_<NAME>" ("Here <NAME> is the name you provided when creating your ... instance"). */
export const REDIS_URL_PREFIX = "REDIS_URL_";
/** A LeanCache instance's name: it becomes the suffix of REDIS_URL_<NAME>. */
export const CACHE_NAME = /^[A-Za-z0-9_]{1,64}$/;

// --- App Engine Go runtime (app.yaml) ----------------------------------------------------------

/** "runtime: go" / "api_version: 3" — "the most recent version of the Go environment is 3". */
export const APP_ENGINE_RUNTIME = "go";
export const APP_ENGINE_API_VERSIONS = [1, 2, 3] as const;
/** The Limits table: files, files per directory, size of a file, total size. */
export const APP_FILE_LIMITS = {
    totalFiles: 10_000,
    filesPerDirectory: 1_000,
    fileBytes: 32 * 1024 * 1024,
    totalBytes: 150 * 1024 * 1024,
} as const;

// --- LeanCache ---------------------------------------------------------------------------------

/** "Instance capacity You can choose from 128M, 256M, 512M, 1G, 2G, 4G, and 8G." */
export const CACHE_CAPACITIES = { "128M": 128, "256M": 256, "512M": 512, "1G": 1024, "2G": 2048, "4G": 4096, "8G": 8192 } as const;
export type CacheCapacity = keyof typeof CACHE_CAPACITIES;
export const DEFAULT_CACHE_CAPACITY: CacheCapacity = "128M";
/** "Cache eviction strategy ... Defaults to volatile-lru", the spec's list plus Redis's LFU policies. */
export const EVICTION_POLICIES = [
    "noeviction", "allkeys-lru", "volatile-lru", "allkeys-random", "volatile-random", "volatile-ttl",
    "allkeys-lfu", "volatile-lfu",
] as const;
export const DEFAULT_EVICTION_POLICY = "volatile-lru";
/** "persistent ... AOF 方式 ... 每秒刷新一次" (AOF, fsync every second). */
export const AOF_FSYNC = "everysec";
/** "LeanCache only provides Redis 6 at this time." */
export const REDIS_PORT = 6379;
/** HA: "多个观察节点每隔 1 秒钟观察一次主节点" / "最后一次有效响应在 5 秒之前" / "超过总数一半". */
export const SENTINEL_DOWN_AFTER_SECONDS = 5;
/** "Master-Slave 主从热备": two Redis nodes, a master and its replica. */
export const CACHE_NODES = 2;
/** "多个观察节点": an odd number, so a majority (the quorum) always exists. */
export const SENTINELS = 3;
export const SENTINEL_QUORUM = 2;
export const SENTINEL_PORT = 26379;
