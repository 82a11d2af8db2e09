import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// docker build reads the Dockerfile from disk. The rendered text is written to a path named after
// its content, so the same Dockerfile always has the same path (clean previews) and the user's
// source directory is never written to.
export function writeDockerfile(content: string): string {
    const hash = createHash("sha256").update(content).digest("hex").slice(0, 16);
    const dir = path.join(os.tmpdir(), "pulumi-cloudengine", "dockerfiles", hash);
    const file = path.join(dir, "Dockerfile");
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== content) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(file, content);
    }
    return file;
}
