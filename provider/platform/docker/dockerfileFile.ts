import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// docker build reads the Dockerfile from disk. The rendered text (and the files it copies, by name) is
// written to a directory named after its content, so the same Dockerfile always has the same path (clean
// previews) and the user's source directory is never written to.
export function writeDockerfile(content: string, files: Record<string, Buffer> = {}): string {
    const digest = createHash("sha256").update(content);
    for (const name of Object.keys(files).sort()) digest.update(`\0${name}\0`).update(files[name]);
    const dir = path.join(os.tmpdir(), "pulumi-cloudengine", "dockerfiles", digest.digest("hex").slice(0, 16));
    writeIfChanged(path.join(dir, "Dockerfile"), Buffer.from(content));
    for (const [name, data] of Object.entries(files)) writeIfChanged(path.join(dir, name), data);
    return path.join(dir, "Dockerfile");
}

function writeIfChanged(file: string, data: Buffer): void {
    if (fs.existsSync(file) && fs.readFileSync(file).equals(data)) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
}
