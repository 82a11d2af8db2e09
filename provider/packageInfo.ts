import * as fs from "fs";
import * as path from "path";

// The package root holds package.json and schema.json, both in the source tree and in the published
// package (this file compiles to bin/provider/packageInfo.js).
export const PACKAGE_ROOT = path.join(__dirname, "..", "..");

export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")).version;

/** The checked-in schema.json, exactly as the provider serves it. */
export function readSchema(): string {
    return fs.readFileSync(path.join(PACKAGE_ROOT, "schema.json"), "utf8");
}
