import { ConfigError, GivenText } from "../config/errors";
import { perRun } from "../platform/perRun";

// Components of one kind name their containers, aliases and Kubernetes objects after a DNS label of
// their resource name. Labels are built so that different names do not share one (config/names.ts);
// this makes any remaining clash in a program a clear error instead of two resources fighting over
// one object.

export function claimSlug(kind: string, slug: string, name: string, resource: string): void {
    const owners = perRun(`slugs:${kind}`, () => new Map<string, string>());
    const owner = owners.get(slug);
    if (owner !== undefined && owner !== name) {
        throw new ConfigError(resource, "(resource name)", new GivenText(`${JSON.stringify(name)}, whose object names (${slug}) are those of the ${kind} ${JSON.stringify(owner)}`), `another name (the ${kind} ${JSON.stringify(owner)} already has the object names ${slug}; names that differ only in case or punctuation share them)`);
    }
    owners.set(slug, name);
}
