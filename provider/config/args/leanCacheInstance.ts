import { z } from "zod";
import { CACHE_CAPACITIES, CACHE_NAME, DEFAULT_CACHE_CAPACITY, DEFAULT_EVICTION_POLICY, EVICTION_POLICIES, SENTINEL_DOWN_AFTER_SECONDS } from "../spec";
import { secretString } from "./fields";


/** What redis.conf's requirepass and a redis:// URL carry without quoting. */
const CACHE_PASSWORD = /^[A-Za-z0-9!#$%&()*+,\-./:;<=>?@[\]^_{|}~]{8,128}$/;
/** What is wrong with a password (what is allowed), or undefined. Checked when the value is known. */
export const cachePasswordProblem = (p: string) => (CACHE_PASSWORD.test(p) ? undefined : "8 to 128 printable characters without spaces, quotes or backslashes");

export const leanCacheInstanceArgs = z
    .object({
        name: z
            .string()
            .regex(CACHE_NAME, { message: "letters, digits and _ (1 to 64), as it becomes REDIS_URL_<NAME>" })
            .optional()
            .describe("The instance's name; apps that attach it receive REDIS_URL_<NAME>. Default: the resource name."),
        capacity: z
            .enum(Object.keys(CACHE_CAPACITIES) as [keyof typeof CACHE_CAPACITIES, ...(keyof typeof CACHE_CAPACITIES)[]])
            .default(DEFAULT_CACHE_CAPACITY)
            .describe("Maximum memory: 128M, 256M, 512M, 1G, 2G, 4G or 8G (Redis maxmemory)."),
        evictionPolicy: z
            .enum(EVICTION_POLICIES)
            .default(DEFAULT_EVICTION_POLICY)
            .describe("What Redis deletes when memory is full (maxmemory-policy). Default volatile-lru."),
        password: secretString("Password clients must give. Default: generated once and kept as a secret.", cachePasswordProblem).optional(),
        image: z.string().min(1).optional().describe("Redis image (nodes and Sentinels). Default: the official redis:6.2-bookworm."),
        highAvailability: z
            .boolean()
            .default(true)
            .describe("A master and a replica, watched by 3 Sentinels that promote the replica when a majority finds the master down; "
                + "clients reach the current master through a stable endpoint (HAProxy), so REDIS_URL_<NAME> never changes and apps need no restart."),
        downAfterSeconds: z
            .number()
            .int()
            .min(1)
            .max(60)
            .optional()
            .describe(`With highAvailability: seconds without a valid reply before a Sentinel considers the master down (1 to 60). Default ${SENTINEL_DOWN_AFTER_SECONDS}.`),
        endpointImage: z.string().min(1).optional().describe("With highAvailability: the HAProxy image of the endpoint. Default: the official haproxy:2.6-bookworm."),
    })
    .strict()
    .superRefine((args, ctx) => {
        if (args.highAvailability) return;
        for (const field of ["downAfterSeconds", "endpointImage"] as const) {
            if (args[field] !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: "applies only with highAvailability: true" });
        }
    })
    .describe("A LeanCache instance: a password-protected Redis with AOF persistence (fsync every second).");

export type LeanCacheInstanceArgs = z.input<typeof leanCacheInstanceArgs>;
export type LeanCacheInstanceConfig = z.output<typeof leanCacheInstanceArgs>;
