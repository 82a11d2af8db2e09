import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "./errors";

// The Gateway's countryDatabase: a legacy MaxMind GeoIP country file (GeoIP.dat, GeoIPv6.dat — what
// nginx's geoip module reads; Debian's geoip-database ships both). Read and checked here, before anything
// is deployed, so a wrong file is an error naming it instead of a load balancer that does not start.
// Layout (libGeoIP): a binary tree of 6-byte nodes, two 3-byte little-endian records each — a node index,
// or COUNTRY_BEGIN + a country id — and at the end, optionally, 0xFFFFFF and the database type.

const COUNTRY_BEGIN = 16776960;
const NODE_BYTES = 6;
/** libGeoIP looks for the type marker within the last 20 + 3 bytes. */
const STRUCTURE_INFO_MAX_SIZE = 20;
const COUNTRY_EDITION = 1;
const COUNTRY_EDITION_V6 = 12;
const MMDB_MARKER = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");

export const COUNTRY_DATABASE_ALLOWED =
    "the path of a legacy MaxMind GeoIP country database (GeoIP.dat or GeoIPv6.dat, e.g. Debian's geoip-database: /usr/share/GeoIP/GeoIP.dat)";

/** Reads the file at `file` (relative to the program's directory), checked to be a country database: its bytes. */
export function readCountryDatabase(resource: string, field: string, file: string): Buffer {
    const full = path.resolve(file);
    const refuse = (problem: string) => new ConfigError(resource, field, file, `${COUNTRY_DATABASE_ALLOWED}; ${problem}`);
    let content: Buffer;
    try {
        content = fs.readFileSync(full);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw refuse(code === "ENOENT" ? `${full} does not exist` : code === "EISDIR" ? `${full} is a directory` : `${full} cannot be read (${code})`);
    }
    const problem = countryDatabaseProblem(content);
    if (problem) throw refuse(`${full} ${problem}`);
    return content;
}

/** Why `content` is not a country database nginx can read, or undefined when it is one. */
export function countryDatabaseProblem(content: Buffer): string | undefined {
    if (content.length >= 2 && content[0] === 0x1f && content[1] === 0x8b) return "is gzip-compressed (decompress it first)";
    if (content.lastIndexOf(MMDB_MARKER) >= 0) return "is a MaxMind DB (.mmdb, GeoIP2/GeoLite2) file, which nginx's geoip module cannot read";
    const type = databaseType(content);
    if (type !== COUNTRY_EDITION && type !== COUNTRY_EDITION_V6) return `is a GeoIP database of type ${type}, not a country database (type ${COUNTRY_EDITION} or ${COUNTRY_EDITION_V6})`;
    return treeProblem(content);
}

/** The type in the structure info, or the country edition when there is none (as libGeoIP reads it). */
function databaseType(content: Buffer): number {
    for (let i = 0; i < STRUCTURE_INFO_MAX_SIZE; i++) {
        const at = content.length - 3 - i;
        if (at < 0) break;
        if (content[at] === 0xff && content[at + 1] === 0xff && content[at + 2] === 0xff) {
            const type = content[at + 3];
            if (type === undefined) break;
            return type >= 106 ? type - 105 : type;
        }
    }
    return COUNTRY_EDITION;
}

/** Every record reachable from the root is a country id or a node inside the file; no node is reached twice. */
function treeProblem(content: Buffer): string | undefined {
    const nodes = Math.floor(content.length / NODE_BYTES);
    if (nodes === 0) return `is too short to be one (${content.length} bytes)`;
    const seen = new Uint8Array(nodes);
    const pending = [0];
    seen[0] = 1;
    while (pending.length > 0) {
        const node = pending.pop()!;
        for (const side of [0, 3]) {
            const record = content.readUIntLE(node * NODE_BYTES + side, 3);
            if (record >= COUNTRY_BEGIN) continue; // a country id: 3 bytes hold no other
            if (record >= nodes || seen[record]) return `is not one (node ${node} points to node ${record}, ${record >= nodes ? "past the end of the file" : "which another record points to"})`;
            seen[record] = 1;
            pending.push(record);
        }
    }
    return undefined;
}
