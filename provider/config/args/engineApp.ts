import { z } from "zod";
import { CACHE_NAME, DEFAULT_APP_PORT, DEFAULT_TIMEZONE, REGIONS, STARTUP_TIMEOUT } from "../spec";
import { INSTANCE_SERVE_PORT } from "../ports";
import { envName, inputString, ref, secretString } from "./fields";

/** Instances per environment; a bound that keeps one Docker host sane. */
export const MAX_INSTANCES = 50;
/** "The group the instance is located at" (LEANCLOUD_APP_GROUP). */
export const DEFAULT_GROUP = "web";
/** LEANCLOUD_API_SERVER per region ("The address used to access the Data Storage service"). */
export const DEFAULT_API_SERVERS = { CN: "https://api.leancloud.cn", US: "https://us-api.leancloud.cn" } as const;
/** App ids end up in DNS names and labels. */
export const APP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** Docker-style memory sizes: 512M, 1G, 256m. */
export const MEMORY = /^[1-9][0-9]*[MmGg]$/;
/** [registry[:port]/]path[:tag][@sha256:digest], lowercase path (Docker's reference grammar, simplified). */
export const IMAGE_REFERENCE = /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** What is wrong with a shared cache's URL, or undefined (never shows the URL: it holds the password). */
export function redisUrlProblem(value: string): string | undefined {
    let url: URL | undefined;
    try { url = new URL(value); } catch { /* not a URL */ }
    return url && (url.protocol === "redis:" || url.protocol === "rediss:") && url.hostname
        ? undefined
        : "a redis:// URL, such as a LeanCacheInstance's url output";
}

/** What is wrong with a Docker network name, or undefined. */
export function dockerNetworkProblem(value: string): string | undefined {
    return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value) ? undefined : "a Docker network name, such as a LeanCacheInstance's network output";
}

/** A LeanCache instance of another stack (the spec's "Manage sharing"), from its outputs. */
export const sharedCache = z
    .object({
        name: z.string().regex(CACHE_NAME, { message: "letters, digits and _ (1 to 64), as it becomes REDIS_URL_<NAME>" }).describe("The instance's name output: the app receives REDIS_URL_<NAME>."),
        url: secretString("The instance's url output (a secret): redis://default:<password>@<host>:6379.", redisUrlProblem),
        network: inputString("Docker platform: the instance's network output, which the app's instances join. Leave it out on Kubernetes (the URL's Service name reaches it from any namespace).", dockerNetworkProblem).optional(),
    })
    .strict()
    .describe("A LeanCache instance of another stack, from its outputs (through a StackReference).");

/** A version's name: it is LEANCLOUD_VERSION_TAG and a label of <version>.latest.<app>.<domain>. */
export const VERSION_ID = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
const VERSION_ID_MESSAGE = "lowercase letters, digits and - (1 to 24), as it becomes a DNS label";

/** What an app (or one of its versions) runs: exactly one of them. */
const buildFields = {
    source: z.string().min(1).optional().describe("Directory of the app's source; a Go project needs go.mod at its root. Exactly one of source, image and engineImage."),
    image: z.string().min(1).optional().describe("A prebuilt image to run instead of building source (the platform adds its supervisor to it). Exactly one of source, image and engineImage."),
    engineImage: z
        .string()
        .regex(IMAGE_REFERENCE, { message: "an image reference such as registry.example.com/team/app@sha256:<digest> or registry.example.com/team/app:v3" })
        .optional()
        .describe("An image this package built before (from source or image, e.g. in CI) and pushed to a registry the cluster pulls from: run as it is, nothing is built here. Exactly one of source, image and engineImage."),
    run: z.string().min(1).optional().describe("With image: the command to run (shell syntax). Default: the image's own entrypoint."),
};
type BuildFields = { source?: string; image?: string; engineImage?: string; run?: string };
const givesOneBuild = (a: BuildFields) => [a.source, a.image, a.engineImage].filter((v) => v !== undefined).length === 1;
const ONE_BUILD = "give exactly one of source (a directory to build), image (a prebuilt image) and engineImage (an image built by this package)";
const runOnlyWithImage = (a: BuildFields) => a.run === undefined || a.image !== undefined;
const RUN_ONLY_WITH_IMAGE = "run is only for image; with source, put run in leanengine.yaml";

/** App Engine's automatic scaling, on Kubernetes: a HorizontalPodAutoscaler on CPU use. */
export const appScaling = z
    .object({
        min: z.int().min(1).max(MAX_INSTANCES).describe("Fewest production instances."),
        max: z.int().min(1).max(MAX_INSTANCES).describe("Most production instances."),
        targetCpu: z.int().min(1).max(100).describe("The average CPU use, in percent of cpus, that instances are added or removed to keep."),
        scaleDownDelaySeconds: z.int().min(0).max(3600).default(300).describe("How long the load must have been lower before instances are removed (Kubernetes' stabilization window). Default 300."),
    })
    .strict()
    .refine((s) => s.min <= s.max, { message: "at least min", path: ["max"] })
    .describe("Automatic scaling of the production instances (Kubernetes).");

/** One version of an app (App Engine's versions): its own build and instances, and its own URL. */
export const appVersion = z
    .object({
        ...buildFields,
        instances: z.int().min(1).max(MAX_INSTANCES).optional().describe("Instances of this version. Default: the app's instances."),
    })
    .strict()
    .refine(givesOneBuild, { message: ONE_BUILD, path: ["source"] })
    .refine(runOnlyWithImage, { message: RUN_ONLY_WITH_IMAGE, path: ["run"] })
    .describe("One version of the app: what it runs, served at <version>.latest.<app>.<domain> (LEANCLOUD_VERSION_TAG is its name).");

export const engineAppArgs = z
    .object({
        ...buildFields,
        versions: z
            .record(z.string().regex(VERSION_ID, { message: VERSION_ID_MESSAGE }), appVersion)
            .optional()
            .describe("Versions deployed side by side, by name, instead of one source, image or engineImage: each runs its own instances and answers at <version>.latest.<app>.<domain>; defaultVersion serves the app's own hostnames and Domains."),
        defaultVersion: z.string().optional().describe("The version that serves <app>.<domain> and the app's Domains; changing it moves traffic without restarting any instance. Default: the only version."),
        instances: z.int().min(1).max(MAX_INSTANCES).optional().describe("Production instances behind the load balancer. Default 1 (with scaling: the scaler's count)."),
        scaling: appScaling.optional().describe("Kubernetes: automatic scaling of the production instances between min and max, keeping their average CPU use at targetCpu (a HorizontalPodAutoscaler; the cluster needs a metrics source such as metrics-server). Instead of instances."),
        stagingInstances: z.int().min(0).max(MAX_INSTANCES).default(0).describe("Staging instances (LEANCLOUD_APP_ENV=stage, served on stg- hostnames). Default 0: no staging environment."),
        appId: z.string().regex(APP_ID, { message: "letters, digits, _ and - (1 to 63), starting with a letter or digit" }).optional().describe("LEANCLOUD_APP_ID. Default: the resource name."),
        appKey: inputString("LEANCLOUD_APP_KEY. Default: generated once and kept in state.").optional(),
        masterKey: secretString("LEANCLOUD_APP_MASTER_KEY; always a Pulumi secret. Default: generated once and kept as a secret.").optional(),
        apiServer: z.url({ protocol: /^https?$/ }).optional().describe("LEANCLOUD_API_SERVER. Default: the region's LeanCloud API address."),
        region: z.enum(REGIONS).default("CN").describe("LEANCLOUD_REGION: CN or US. Default CN."),
        group: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: "lowercase letters, digits and - (1 to 31)" }).default(DEFAULT_GROUP).describe("LEANCLOUD_APP_GROUP. Default web."),
        port: z.int().min(1024).max(65535).refine((p) => p !== INSTANCE_SERVE_PORT, { message: `a port other than ${INSTANCE_SERVE_PORT} (the platform's own)` }).default(DEFAULT_APP_PORT).describe("LEANCLOUD_APP_PORT: the port the app must listen on, on all interfaces. Default 3000."),
        variables: z.record(envName, inputString("A variable's value; pass a secret Output to keep it secret.")).default({}).describe("The app's own variables; they override EnvGroup values."),
        envGroups: z.array(ref<unknown>("EnvGroup", "An EnvGroup.")).default([]).describe("EnvGroups whose variables every instance receives; later groups override earlier ones."),
        caches: z.array(ref<unknown>("LeanCacheInstance", "A LeanCacheInstance.")).default([]).describe("LeanCache instances to attach; each adds REDIS_URL_<NAME>."),
        sharedCaches: z.array(sharedCache).default([]).describe("LeanCache instances of other stacks to attach (their name, url and network outputs through a StackReference); each adds REDIS_URL_<NAME>."),
        timezone: z.string().regex(/^[A-Za-z0-9_+\-/]+$/, { message: "an IANA time zone such as Asia/Shanghai or UTC" }).default(DEFAULT_TIMEZONE).describe("TZ of every instance. Default Asia/Shanghai (the spec's Beijing Time)."),
        versionTag: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: "letters, digits, . _ - (1 to 64)" }).optional().describe("LEANCLOUD_VERSION_TAG. Default: derived from the image ID."),
        startupTimeout: z.int().min(STARTUP_TIMEOUT.min).max(STARTUP_TIMEOUT.max).optional().describe("Seconds an instance has to become healthy; overrides leanengine.yaml. Default 30."),
        cloudFunctions: z.boolean().default(false).describe("Cloud functions mode: health checks use /__engine/1/ping (the SDK must answer it) instead of /."),
        printBuildLogs: z.boolean().default(false).describe("Print the whole build log (default: quiet unless a step fails)."),
        memory: z.string().regex(MEMORY, { message: "a size such as 512M or 1G" }).optional().describe("Memory limit per instance, e.g. 512M. Default: none."),
        cpus: z.number().positive().max(64).optional().describe("CPU limit per instance, e.g. 0.5. Default: none."),
        cdn: z.boolean().default(false).describe("CDN-style caching on the app's default hostnames (see Domain.cdn)."),
        limits: z
            .enum(["cloudengine", "appengine"])
            .default("cloudengine")
            .describe("Request limits of the app's hostnames and Domains: cloudengine (requests up to 100M, 504 after 60 s) or appengine (requests and responses up to 32 MB, 500 after the 60 s deadline)."),
        gateway: ref<unknown>("Gateway", "The entry point serving this app. Default: the stack's default gateway.").optional(),
    })
    .strict()
    .refine((a) => a.versions !== undefined || givesOneBuild(a), { message: ONE_BUILD, path: ["source"] })
    .refine(runOnlyWithImage, { message: RUN_ONLY_WITH_IMAGE, path: ["run"] })
    .superRefine((a, ctx) => {
        if (a.scaling === undefined) return;
        const scaled = "nothing with scaling: the scaler keeps between scaling.min and scaling.max";
        if (a.instances !== undefined) ctx.addIssue({ code: "custom", path: ["instances"], message: scaled });
        for (const [name, v] of Object.entries(a.versions ?? {})) {
            if (v.instances !== undefined) ctx.addIssue({ code: "custom", path: ["versions", name, "instances"], message: scaled });
        }
        if (a.cpus === undefined) ctx.addIssue({ code: "custom", path: ["cpus"], message: "a CPU limit per instance with scaling (scaling.targetCpu is a percentage of it)" });
    })
    .superRefine((a, ctx) => {
        if (a.versions === undefined) {
            if (a.defaultVersion !== undefined) ctx.addIssue({ code: "custom", path: ["defaultVersion"], message: "versions to choose from (without versions the app runs its one source, image or engineImage)" });
            return;
        }
        const names = Object.keys(a.versions);
        const given = (["source", "image", "engineImage", "run", "versionTag"] as const).find((f) => a[f] !== undefined);
        if (given) ctx.addIssue({ code: "custom", path: [given], message: `nothing here with versions: each version names what it runs, and its name is its LEANCLOUD_VERSION_TAG` });
        if (a.stagingInstances > 0) ctx.addIssue({ code: "custom", path: ["stagingInstances"], message: "0 with versions: a new version is tested at its own URL, <version>.latest.<app>.<domain>" });
        if (names.length === 0) ctx.addIssue({ code: "custom", path: ["versions"], message: "at least one version" });
        else if (a.defaultVersion === undefined && names.length > 1) ctx.addIssue({ code: "custom", path: ["defaultVersion"], message: `the version serving the app's hostnames: one of ${names.join(", ")}` });
        else if (a.defaultVersion !== undefined && !names.includes(a.defaultVersion)) ctx.addIssue({ code: "custom", path: ["defaultVersion"], message: `one of the versions: ${names.join(", ")}` });
    })
    .describe("An app built from source (or a prebuilt image) and run as N instances behind the load balancer.");

export type EngineAppArgs = z.input<typeof engineAppArgs>;
export type EngineAppConfig = z.output<typeof engineAppArgs>;
