// `npm run gen-schema`: rewrites schema.json from the zod schemas.
import * as fs from "fs";
import * as path from "path";
import { buildSchema } from "./generate";

const root = path.join(__dirname, "..", "..", "..");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
fs.writeFileSync(path.join(root, "schema.json"), JSON.stringify(buildSchema(version), null, 2) + "\n");
console.log("wrote schema.json");
