// Type tests of the public argument types, compiled by `npm run build` (tsconfig includes test/**):
// every line under @ts-expect-error must fail to compile (an unused @ts-expect-error fails the
// build), everything else must compile. validPrograms() is also run under Pulumi's mocks by
// test/unit/publicTypes.test.ts, so what the types accept the runtime accepts too.
import * as pulumi from "@pulumi/pulumi";
import { Domain, DomainArgs, EngineApp, EngineAppArgs, EnvGroup, EnvGroupArgs, Gateway, GatewayArgs, LeanCacheInstance, LeanCacheInstanceArgs } from "../../provider";

/** Programs that must compile, and run: plain values, Outputs and secrets where the arguments take Inputs. */
export function validPrograms(source: string, pem: { certificate: string; privateKey: string }): Record<string, pulumi.Resource> {
    const gateway = new Gateway("edge", { domain: "apps.example.test", listenAddress: "127.0.0.1", httpPort: 8080, httpsPort: 8443, inboundIps: ["203.0.113.10"], outboundIps: ["203.0.113.20"], image: "nginx:1.28-bookworm" });
    const cache = new LeanCacheInstance("cache", { name: "CACHE", capacity: "256M", evictionPolicy: "allkeys-lfu", password: pulumi.secret("pa55word-xyz"), image: "redis:6.2-bookworm" });
    const plainCache = new LeanCacheInstance("plain");
    const secretOut: pulumi.Output<string> = pulumi.secret("t0ken");
    const group = new EnvGroup("shared", { variables: { GREETING: "hello", FROM_OUTPUT: pulumi.output("x") }, secrets: { API_TOKEN: secretOut, PLAIN: "s3cr3t", PROMISED: Promise.resolve("p") } });
    const emptyGroup = new EnvGroup("empty", {});
    const args: EngineAppArgs = {
        source,
        instances: 2,
        stagingInstances: 1,
        appId: "typed-app",
        appKey: pulumi.output("key"),
        masterKey: secretOut,
        apiServer: "https://api.example.test",
        region: "US",
        group: "web",
        port: 8000,
        variables: { VISIT_KEY: "visits", TOKEN: secretOut, NEXT: cache.host },
        envGroups: [group, emptyGroup],
        caches: [cache, plainCache],
        timezone: "UTC",
        versionTag: "v1",
        startupTimeout: 60,
        cloudFunctions: true,
        printBuildLogs: false,
        memory: "512M",
        cpus: 0.5,
        cdn: true,
        gateway,
    };
    const app = new EngineApp("typed", args);
    const minimal = new EngineApp("minimal", { source });
    const domain = new Domain("www", { hostname: "www.example.test", app, forceHttps: true, tls: {}, cdn: true });
    const withCert = new Domain("api", { hostname: "api.example.test", app: minimal, tls: { certificate: pulumi.output(pem.certificate), privateKey: pulumi.secret(pem.privateKey) } });
    return { gateway, cache, plainCache, group, emptyGroup, app, minimal, domain, withCert };
}

// Argument objects declared apart from the constructor call, as programs often build them.
export const leanArgs: LeanCacheInstanceArgs = { capacity: "8G" };
export const groupArgs: EnvGroupArgs = { secrets: { A: pulumi.secret("b") } };
export const gatewayArgs: GatewayArgs = {};
export function domainArgs(app: EngineApp): DomainArgs {
    return { hostname: "stg-www.example.test", app };
}

/** Never run: each line is a program the compiler must refuse. */
export function rejectedPrograms(app: EngineApp, cache: LeanCacheInstance, group: EnvGroup, gateway: Gateway): void {
    // References are components, not names, numbers or other components.
    // @ts-expect-error a string is not a LeanCacheInstance
    new EngineApp("x", { source: ".", caches: ["nope"] });
    // @ts-expect-error a number is not a LeanCacheInstance
    new EngineApp("x", { source: ".", caches: [42] });
    // @ts-expect-error an EnvGroup is not a LeanCacheInstance
    new EngineApp("x", { source: ".", caches: [group] });
    // @ts-expect-error caches is a list
    new EngineApp("x", { source: ".", caches: cache });
    // @ts-expect-error a string is not an EnvGroup
    new EngineApp("x", { source: ".", envGroups: ["shared"] });
    // @ts-expect-error a LeanCacheInstance is not an EnvGroup
    new EngineApp("x", { source: ".", envGroups: [cache] });
    // @ts-expect-error a string is not a Gateway
    new EngineApp("x", { source: ".", gateway: "gw" });
    // @ts-expect-error an EngineApp is not a Gateway
    new EngineApp("x", { source: ".", gateway: app });
    // @ts-expect-error an Output of a Gateway is refused at run time, so it does not compile either
    new EngineApp("x", { source: ".", gateway: pulumi.output(gateway) });
    // @ts-expect-error a number is not an EngineApp
    new Domain("d", { hostname: "a.example", app: 123 });
    // @ts-expect-error an app's name is not an EngineApp
    new Domain("d", { hostname: "a.example", app: "web" });
    // @ts-expect-error a Gateway is not an EngineApp
    new Domain("d", { hostname: "a.example", app: gateway });
    // @ts-expect-error a Domain needs its app
    new Domain("d", { hostname: "a.example" });

    // Literal and primitive types.
    // @ts-expect-error instances is a number
    new EngineApp("x", { source: ".", instances: "2" });
    // @ts-expect-error region is CN or US
    new EngineApp("x", { source: ".", region: "EU" });
    // @ts-expect-error port is a plain number: an Output cannot be checked before deploying
    new EngineApp("x", { source: ".", port: pulumi.output(3000) });
    // @ts-expect-error variables' values are strings
    new EngineApp("x", { source: ".", variables: { PORT: 3000 } });
    // @ts-expect-error cloudFunctions is a boolean
    new EngineApp("x", { source: ".", cloudFunctions: "yes" });
    // @ts-expect-error capacity is one of the LeanCache sizes
    new LeanCacheInstance("c", { capacity: "3G" });
    // @ts-expect-error capacity is one of the LeanCache sizes, written as strings
    new LeanCacheInstance("c", { capacity: 256 });
    // @ts-expect-error evictionPolicy is one of Redis's policies
    new LeanCacheInstance("c", { evictionPolicy: "volatile-lur" });
    // @ts-expect-error password is a string
    new LeanCacheInstance("c", { password: 12345678 });
    // @ts-expect-error tls is an object
    new Domain("d", { hostname: "a.example", app, tls: "x" });
    // @ts-expect-error hostname is a string
    new Domain("d", { hostname: 5, app });
    // @ts-expect-error forceHttps is a boolean
    new Domain("d", { hostname: "a.example", app, forceHttps: 1 });
    // @ts-expect-error certificate is PEM text
    new Domain("d", { hostname: "a.example", app, tls: { certificate: Buffer.from("pem"), privateKey: "k" } });
    // @ts-expect-error httpPort is a number
    new Gateway("g", { httpPort: "80" });
    // @ts-expect-error outboundIps is a list
    new Gateway("g", { outboundIps: "203.0.113.20" });
    // @ts-expect-error secrets' values are strings
    new EnvGroup("e", { secrets: { A: 1 } });
    // @ts-expect-error variables is a map, not a list
    new EnvGroup("e", { variables: ["A=1"] });

    // Unknown keys (typos) in every component's arguments.
    // @ts-expect-error no field named instance
    new EngineApp("x", { source: ".", instance: 2 });
    // @ts-expect-error no field named cache
    new EngineApp("x", { source: ".", cache: [cache] });
    // @ts-expect-error no field named size
    new LeanCacheInstance("c", { size: "1G" });
    // @ts-expect-error no field named secret
    new EnvGroup("e", { secret: { A: "b" } });
    // @ts-expect-error no field named host
    new Domain("d", { host: "a.example", hostname: "a.example", app });
    // @ts-expect-error no field named cert
    new Domain("d", { hostname: "a.example", app, tls: { cert: "pem" } });
    // @ts-expect-error no field named port
    new Gateway("g", { port: 80 });
    // @ts-expect-error the args are required for an EngineApp
    new EngineApp("x");
}
