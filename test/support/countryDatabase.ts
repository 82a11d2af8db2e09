import { execFileSync } from "child_process";
import * as fs from "fs";

// Country databases for the X-AppEngine-Country tests: a real one (Debian's geoip-database, MaxMind's
// legacy GeoIP.dat; .ci/run installs it), what MaxMind's own geoiplookup says it holds (the tests' oracle,
// not the package's code), and small ones built here in the same layout for the checks of the format.

export const TEST_COUNTRY_DATABASE = process.env.CLOUDENGINE_TEST_COUNTRY_DATABASE ?? "/usr/share/GeoIP/GeoIP.dat";

/** Fails with the remedy when the real database or geoiplookup is missing. */
export function requireCountryDatabase(): string {
    if (!fs.existsSync(TEST_COUNTRY_DATABASE)) throw new Error(`${TEST_COUNTRY_DATABASE} is missing: apt-get install geoip-database (as .ci/run does), or set CLOUDENGINE_TEST_COUNTRY_DATABASE`);
    return TEST_COUNTRY_DATABASE;
}

/** The country code geoiplookup finds for an IPv4 address in the database, or undefined when it has none. */
export function geoipLookup(address: string, database = requireCountryDatabase()): string | undefined {
    let out: string;
    try {
        out = execFileSync("geoiplookup", ["-f", database, address], { encoding: "utf8" });
    } catch (e) {
        throw new Error(`geoiplookup failed (apt-get install geoip-bin, as .ci/run does): ${(e as Error).message}`);
    }
    const found = /^GeoIP Country Edition: ([A-Z0-9]{2}),/m.exec(out);
    return found?.[1];
}

const COUNTRY_BEGIN = 16776960;

/**
 * A legacy GeoIP country database of the given nodes: [left, right] records, each a node index or
 * { country: id }; with a structure-info type when `type` is given (none: a country database).
 */
export function buildCountryDatabase(nodes: [number | { country: number }, number | { country: number }][], type?: number): Buffer {
    const body = Buffer.alloc(nodes.length * 6);
    nodes.forEach(([left, right], i) => {
        for (const [side, record] of [[0, left], [3, right]] as const) {
            body.writeUIntLE(typeof record === "number" ? record : COUNTRY_BEGIN + record.country, i * 6 + side, 3);
        }
    });
    return type === undefined ? body : Buffer.concat([body, Buffer.from("TEST DB"), Buffer.from([0xff, 0xff, 0xff, type])]);
}

/** A valid database of `count` nodes in a chain (each node's left record the next node): `count` * 6 bytes. */
export function chainCountryDatabase(count: number): Buffer {
    return buildCountryDatabase(Array.from({ length: count }, (_, i) => [i + 1 < count ? i + 1 : { country: 225 }, { country: 0 }]));
}
