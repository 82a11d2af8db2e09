// pulumi-cloudengine: a self-hosted Cloud Engine as Pulumi components.
export { EngineApp, EngineAppArgs } from "./components/engineApp";
export { EnvGroup, EnvGroupArgs } from "./components/envGroup";
export { LeanCacheInstance, LeanCacheInstanceArgs } from "./components/leanCacheInstance";
export { Domain, DomainArgs } from "./components/domain";
export { Gateway, GatewayArgs } from "./components/gateway";
export type { AppScalingArgs, AppVersionArgs, DomainTlsArgs, SharedCacheArgs } from "./args";
export { ConfigError } from "./config/errors";
// Lets the SDK turn resource references to these components back into live components.
import "./components/resourceModule";
