// Deterministic, valid names derived only from the user's names (DNS-1123 labels for Docker aliases
// and Kubernetes objects). A name that had to be rewritten or cut keeps a hash of the original, so
// two different user names never map to the same label: names kept as they are never end like a
// hash, and rewritten ones always do (with the hash of their own original).
import { createHash } from "crypto";

export const MAX_LABEL = 63;

/** How a rewritten label ends; a name that already ends so is rewritten too, so it cannot pose as one. */
const HASH_SUFFIX = /(^|-)[0-9a-f]{8}$/;

export function dnsLabel(name: string, max = MAX_LABEL): string {
    if (name.length <= max && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && !HASH_SUFFIX.test(name)) return name;
    const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
    const head = cleaned.slice(0, max - hash.length - 1).replace(/-+$/, "");
    return head ? `${head}-${hash}` : hash;
}
