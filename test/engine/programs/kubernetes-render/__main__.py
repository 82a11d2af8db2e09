# The Python program of the render-mode engine test (see index.ts, the same program in TypeScript):
# every component through the generated SDK on the Kubernetes platform, rendered to YAML by a real
# Kubernetes provider. Inputs that the tests vary come from stack config.
import pulumi
import pulumi_kubernetes as k8s
import pulumi_cloudengine as ce

config = pulumi.Config()
render = k8s.Provider("render", render_yaml_to_directory=config.require("renderDir"))
opts = pulumi.ResourceOptions(providers=[render])

shared = ce.EnvGroup("shared", variables={"FEATURE": "on"}, secrets={"TOKEN": config.require_secret("token")}, opts=opts)
cache = ce.LeanCacheInstance("sessions", capacity=config.get("capacity") or "256M", eviction_policy=config.get("eviction") or "volatile-lru", opts=opts)
web = ce.EngineApp(
    "web",
    engine_image="registry.example.com/team/web:v1",
    instances=2,
    staging_instances=1,
    caches=[cache],
    env_groups=[shared],
    variables={"MODE": config.get("mode") or "a"},
    opts=opts,
)
shop = ce.Domain("shop", app=web, hostname="shop.example.com", tls=ce.DomainTlsArgs(), opts=opts)

pulumi.export("url", web.url)
pulumi.export("stagingUrl", web.staging_url)
pulumi.export("domainUrl", shop.url)
pulumi.export("cacheEnv", cache.env_name)
pulumi.export("groupNames", shared.names)
