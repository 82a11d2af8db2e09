// Compile-time proof that the public argument types (provider/args.ts) are the zod schemas' input
// types with references to other components typed as those components: `npm run build` fails here
// when a schema gains, loses or retypes a field and provider/args.ts does not follow (or the reverse).
import type { z } from "zod";
import type { AppScalingArgs, AppVersionArgs, DomainArgs, DomainTlsArgs, EngineAppArgs, SharedCacheArgs, EnvGroupArgs, GatewayArgs, LeanCacheInstanceArgs } from "../../provider/args";
import type { domainArgs } from "../../provider/config/args/domain";
import type { appScaling, appVersion, engineAppArgs, sharedCache } from "../../provider/config/args/engineApp";
import type { envGroupArgs } from "../../provider/config/args/envGroup";
import type { gatewayArgs } from "../../provider/config/args/gateway";
import type { leanCacheInstanceArgs } from "../../provider/config/args/leanCacheInstance";
import type { Domain, EngineApp, EnvGroup, Gateway, LeanCacheInstance } from "../../provider";

/** z.input<S> with the reference fields (typed unknown by ref()) replaced by the component types; optionality kept. */
type WithRefs<S extends z.ZodType, Refs> = { [K in keyof z.input<S>]: K extends keyof Refs ? Refs[K] : z.input<S>[K] };

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type IsOptional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;

/**
 * For every key: "ok" when both types have it, equally optional, with mutually assignable types;
 * otherwise a string saying what differs (shown in the compiler's error).
 */
type Agreement<Public, Schema> = {
    [K in keyof Public | keyof Schema]: K extends keyof Public
        ? K extends keyof Schema
            ? Mutual<Public[K], Schema[K]> extends true
                ? IsOptional<Public, K> extends IsOptional<Schema, K> ? "ok" : "optional in one, required in the other"
                : "types differ"
            : "not in the zod schema"
        : "missing from provider/args.ts";
};
/** The fields that disagree, each with what differs. */
type Problems<A> = { [K in keyof A as A[K] extends "ok" ? never : K]: A[K] } & {};
type Agrees<Public, Schema> = keyof Problems<Agreement<Public, Schema>> extends never ? true : Problems<Agreement<Public, Schema>>;
/** Compiles only when T is true; otherwise the error shows the Agreement map. */
type Assert<T extends true> = T;

export type EngineAppArgsMatch = Assert<Agrees<EngineAppArgs, WithRefs<typeof engineAppArgs, { envGroups: EnvGroup[]; caches: LeanCacheInstance[]; gateway: Gateway }>>>;
export type EnvGroupArgsMatch = Assert<Agrees<EnvGroupArgs, z.input<typeof envGroupArgs>>>;
export type LeanCacheInstanceArgsMatch = Assert<Agrees<LeanCacheInstanceArgs, z.input<typeof leanCacheInstanceArgs>>>;
export type DomainArgsMatch = Assert<Agrees<DomainArgs, WithRefs<typeof domainArgs, { app: EngineApp }>>>;
export type AppScalingArgsMatch = Assert<Agrees<AppScalingArgs, z.input<typeof appScaling>>>;
export type AppVersionArgsMatch = Assert<Agrees<AppVersionArgs, z.input<typeof appVersion>>>;
export type SharedCacheArgsMatch = Assert<Agrees<SharedCacheArgs, z.input<typeof sharedCache>>>;
export type DomainTlsArgsMatch = Assert<Agrees<DomainTlsArgs, NonNullable<z.input<typeof domainArgs>["tls"]>>>;
export type GatewayArgsMatch = Assert<Agrees<GatewayArgs, z.input<typeof gatewayArgs>>>;

// The constructors take exactly these types.
type FirstArgs<C extends abstract new (...args: any) => any> = NonNullable<ConstructorParameters<C>[1]>;
export type ConstructorsTakePublicArgs = Assert<
    [Mutual<FirstArgs<typeof EngineApp>, EngineAppArgs>, Mutual<FirstArgs<typeof EnvGroup>, EnvGroupArgs>, Mutual<FirstArgs<typeof LeanCacheInstance>, LeanCacheInstanceArgs>, Mutual<FirstArgs<typeof Domain>, DomainArgs>, Mutual<FirstArgs<typeof Gateway>, GatewayArgs>] extends [true, true, true, true, true] ? true : false
>;
