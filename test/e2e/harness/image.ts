// docker:index/image:Image, as pulumi-docker v4.11.2's native provider builds it (provider/provider.go
// Check, provider/image.go dockerBuild/runImageBuild):
//   * build.context defaults to ".", build.dockerfile to <context>/Dockerfile; a Dockerfile that does not
//     exist fails like the provider's Check;
//   * the context is tarred (uid/gid 0) without what .dockerignore excludes (build files kept); a Dockerfile
//     outside the context is added to the tar as `.dockerfile.<id>` and that name is appended to the tar's
//     .dockerignore (docker/cli build.AddDockerfileToBuildContext). The provider uses a random id; the harness
//     uses the Dockerfile's hash so an unchanged build stays fully cached (same image ID → "no change");
//   * BuildKit (builderVersion default "BuilderBuildKit" = version 2, with a session), platform default
//     linux/<host arch>, tag = imageName;
//   * with skipPush the outputs are the local build: repoDigest = ImageInspect(imageName).ID ("sha256:…").
//   * the provider's Delete is a no-op (images are never removed by `pulumi destroy`); Diff never replaces.
import { createHash } from "crypto";
import Docker from "dockerode";
import * as fs from "fs";
import * as path from "path";
import { IgnoreMatcher, readIgnorePatterns } from "./dockerignore";
import { tar, TarEntry } from "../../../provider/platform/docker/tar";

export interface BuiltImage {
    id: string;
    imageName: string;
    /** Outputs the provider adds to its state. */
    outputs: Record<string, unknown>;
}

const HOST_PLATFORM = `linux/${process.arch === "x64" ? "amd64" : process.arch}`;
/** Lines of build output kept for error messages. */
const TAIL_LINES = 60;

/** The build context as the provider sends it: its tar entries and the Dockerfile's name inside it. */
interface BuildContext {
    entries: TarEntry[];
    dockerfileName: string;
    relDockerfile: string;
    context: string;
}

function buildContext(inputs: Record<string, any>): BuildContext {
    const build = inputs.build ?? {};
    const context: string = build.context ?? ".";
    const dockerfile: string = build.dockerfile ?? path.join(context, "Dockerfile");
    checkDockerfile(context, dockerfile);

    const contextDir = path.resolve(context);
    const dockerfileAbs = path.resolve(dockerfile);
    const relDockerfile = path.relative(contextDir, dockerfileAbs).split(path.sep).join("/");
    const inContext = !relDockerfile.startsWith("../") && !path.isAbsolute(relDockerfile);

    const patterns = readIgnorePatterns(dockerfile, context);
    // build.TrimBuildFilesFromExcludes: the daemon needs .dockerignore and the Dockerfile.
    const probe = new IgnoreMatcher(patterns);
    if (probe.matches(".dockerignore")) patterns.push("!.dockerignore");
    if (inContext && probe.matches(relDockerfile)) patterns.push(`!${relDockerfile}`);
    const entries = walkContext(contextDir, new IgnoreMatcher(patterns));

    let dockerfileName = relDockerfile;
    if (!inContext) {
        const content = fs.readFileSync(dockerfileAbs);
        dockerfileName = `.dockerfile.${createHash("sha256").update(content).digest("hex").slice(0, 20)}`;
        const now = new Date(0);
        entries.push({ name: dockerfileName, type: "file", mode: 0o600, data: content, mtime: now });
        const ignore = entries.find((e) => e.name === ".dockerignore" && e.type === "file");
        if (ignore) ignore.data = Buffer.concat([ignore.data ?? Buffer.alloc(0), Buffer.from(`\n${dockerfileName}\n`)]);
        else entries.push({ name: ".dockerignore", type: "file", mode: 0o600, data: Buffer.from(`\n${dockerfileName}\n`), mtime: now });
    }
    return { entries, dockerfileName, relDockerfile, context };
}

/**
 * A digest of what a build would send (every file's name, mode and content, the Dockerfile, the build
 * arguments): the provider's Check records one, so an unchanged context previews no change.
 */
export function contextDigest(inputs: Record<string, any>): string {
    const { entries, dockerfileName } = buildContext(inputs);
    const hash = createHash("sha256");
    hash.update(JSON.stringify({ dockerfileName, args: inputs.build?.args ?? {}, target: inputs.build?.target ?? "", platform: inputs.build?.platform ?? "" }));
    for (const e of entries) {
        hash.update(`\0${e.type} ${e.name} ${e.mode.toString(8)} ${e.linkname ?? ""}\0`);
        if (e.data) hash.update(e.data);
    }
    return hash.digest("hex");
}

/** Builds the image (tagged imageName) on the engine; pushing is pushImage's. */
export async function buildImage(docker: Docker, inputs: Record<string, any>, labels: Record<string, string>, timeoutMs: number): Promise<BuiltImage> {
    const imageName: string = inputs.imageName;
    const build = inputs.build ?? {};
    const { entries, dockerfileName, relDockerfile, context } = buildContext(inputs);

    const platform: string = build.platform ?? HOST_PLATFORM;
    const options: Record<string, unknown> = {
        t: imageName,
        dockerfile: dockerfileName,
        version: build.builderVersion === "BuilderV1" ? "1" : "2",
        platform,
        labels,
    };
    if (build.args) options.buildargs = build.args;
    if (build.target) options.target = build.target;
    if (build.addHosts?.length) options.extrahosts = build.addHosts;
    if (build.network) options.networkmode = build.network;

    const lines: string[] = [];
    let imageId: string | undefined;
    let failure: string | undefined;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
        const stream = await docker.buildImage(tar(entries) as any, { ...options, abortSignal: abort.signal } as any);
        await new Promise<void>((resolve, reject) => {
            (docker as any).followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (event: any) => {
                if (typeof event.stream === "string") {
                    for (const raw of event.stream.split("\n")) {
                        if (!raw.trim()) continue;
                        const built = /^Built image: (sha256:[0-9a-f]{64})/.exec(raw);
                        if (built) imageId = built[1];
                        lines.push(...decodeLogLine(raw).split("\n").filter((l) => l.trim()));
                        if (lines.length > 2000) lines.splice(0, lines.length - 2000);
                    }
                }
                if (event.aux?.ID) imageId = event.aux.ID;
                if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
            });
        });
    } catch (err) {
        failure = abort.signal.aborted ? `timed out after ${timeoutMs / 1000}s` : String((err as Error).message ?? err);
    } finally {
        clearTimeout(timer);
    }
    if (failure || !imageId) {
        const tail = lines.slice(-TAIL_LINES).join("\n");
        throw new Error(`docker:index/image:Image ${imageName}: docker build failed: ${failure ?? "no image id found in build output"}\n--- build output (last ${TAIL_LINES} lines) ---\n${tail}`);
    }
    // provider: with skipPush, repoDigest = ImageInspect(imageName).ID (pushImage replaces it)
    const inspected = await docker.getImage(imageName).inspect();
    return {
        id: inspected.Id,
        imageName,
        outputs: {
            dockerfile: relDockerfile,
            context,
            baseImageName: imageName,
            registryServer: inputs.registry?.server,
            imageName,
            platform,
            repoDigest: inspected.Id,
        },
    };
}

/**
 * Pushes imageName (as the provider does after a build without skipPush); returns the repoDigest it
 * then reports: <repository>@<digest of the pushed manifest>.
 */
export async function pushImage(docker: Docker, imageName: string): Promise<string> {
    const slash = imageName.lastIndexOf("/");
    const colon = imageName.lastIndexOf(":");
    const repository = colon > slash ? imageName.slice(0, colon) : imageName;
    const tag = colon > slash ? imageName.slice(colon + 1) : "latest";
    let digest: string | undefined;
    let failure: string | undefined;
    const stream = await docker.getImage(imageName).push({ tag, authconfig: {} } as any);
    await new Promise<void>((resolve, reject) => {
        (docker as any).followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), (event: any) => {
            if (event.aux?.Digest) digest = event.aux.Digest;
            if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
        });
    }).catch((err) => {
        failure = String((err as Error).message ?? err);
    });
    if (failure || !digest) throw new Error(`docker:index/image:Image ${imageName}: docker push failed: ${failure ?? "the registry reported no digest"}`);
    return `${repository}@${digest}`;
}

/**
 * dockerode's BuildKit decoder (followProgress) passes the output of RUN steps (StatusResponse.logs[].msg)
 * through as base64; vertex and status lines always contain spaces, so a line without any that is valid
 * base64 is such a log chunk.
 */
function decodeLogLine(line: string): string {
    if (line.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(line)) return line;
    const text = Buffer.from(line, "base64").toString("utf8");
    return /^[\P{C}\n\r\t]*$/u.test(text) ? text.trimEnd() : line;
}

/** The provider's Check: the Dockerfile must exist; relative paths are resolved against the working directory. */
function checkDockerfile(context: string, dockerfile: string): void {
    if (fs.existsSync(dockerfile)) return;
    if (path.isAbsolute(dockerfile)) throw new Error(`expected a relative Dockerfile path; got "${dockerfile}" instead: stat ${dockerfile}: no such file or directory`);
    const rel = path.join(context, dockerfile);
    if (!fs.existsSync(rel)) throw new Error(`could not open dockerfile at relative path "${dockerfile}": stat ${dockerfile}: no such file or directory`);
    throw new Error(`could not open dockerfile at relative path "${dockerfile}". Try setting \`dockerfile\` to "${rel}"`);
}

/** archive.TarWithOptions(contextDir, {ExcludePatterns, ChownOpts: 0:0}). */
function walkContext(root: string, ignore: IgnoreMatcher): TarEntry[] {
    const entries: TarEntry[] = [];
    const visit = (rel: string) => {
        const abs = rel ? path.join(root, rel) : root;
        for (const name of fs.readdirSync(abs).sort()) {
            const childRel = rel ? `${rel}/${name}` : name;
            const childAbs = path.join(abs, name);
            const st = fs.lstatSync(childAbs);
            const ignored = ignore.matches(childRel);
            if (st.isDirectory()) {
                if (ignored && !ignore.hasExclusions) continue;
                if (!ignored) entries.push({ name: `${childRel}/`, type: "dir", mode: st.mode & 0o7777, mtime: st.mtime });
                visit(childRel);
            } else if (!ignored) {
                if (st.isSymbolicLink()) entries.push({ name: childRel, type: "symlink", mode: st.mode & 0o7777, linkname: fs.readlinkSync(childAbs), mtime: st.mtime });
                else if (st.isFile()) entries.push({ name: childRel, type: "file", mode: st.mode & 0o7777, data: fs.readFileSync(childAbs), mtime: st.mtime });
            }
        }
    };
    visit("");
    return entries;
}
