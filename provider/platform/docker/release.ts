import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "../../components/ownResource";
import { dockerCall, demuxStream } from "./engineCall";

// A release of one app environment on Docker: its instance containers become healthy, then the
// instances of earlier releases are retired. Pulumi alone cannot keep a previous version serving
// across a failed and retried `pulumi up`: a replaced container becomes a pending delete that the
// next update deletes first, and a container whose create failed is "updated" into success by the
// next one. So instance containers are retained on delete (the engine forgets them, Docker keeps
// them running) and this resource owns their lifecycle on the engine:
//   create/update  start the release's instances if a failed release left them stopped; wait until
//                  every one is healthy (Docker's health check) within the start-up budget; then stop
//                  (drain) and remove every other instance of the environment, and the images
//                  only they ran (no pile of old builds). If one never becomes
//                  healthy: stop the release's instances (out of DNS, no restart loop), keep every
//                  earlier instance serving, and fail with the health checks' diagnosis. A failed
//                  create leaves nothing in state, so a retried `pulumi up` waits again.
//   delete         stop and remove every instance of the environment and its images (the app or
//                  environment is gone).
// It talks to the same Docker engine as the Docker provider (unix:// or plain tcp:// hosts).
// The provider closure must stay self-contained: Pulumi serializes it into state.

export interface ReleaseInputs {
    /** Docker host, as docker:host / DOCKER_HOST (unix:// or tcp://). */
    host: string;
    /** What the user calls the environment in messages, e.g. `EngineApp "hello" (production)`. */
    what: string;
    /** The release's instance container IDs. */
    containers: string[];
    /** Labels every instance of the environment carries (any release). */
    select: Record<string, string>;
    /** Seconds an instance has to become healthy (startupTimeout + one probe timeout). */
    waitSeconds: number;
    /** Seconds a stopped instance has to drain and exit before it is killed. */
    stopGraceSeconds: number;
}

async function inspectContainer(host: string, id: string): Promise<any | undefined> {
    const answer = await dockerCall(host, "GET", `/containers/${encodeURIComponent(id)}/json`);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`Docker engine: inspect ${id.slice(0, 12)}: ${answer.status} ${answer.body.toString()}`);
    return JSON.parse(answer.body.toString());
}

/** Stops (the instance drains for up to `grace` seconds) and optionally removes a container; gone is fine. */
async function stopContainer(host: string, id: string, grace: number, remove: boolean): Promise<void> {
    const stopped = await dockerCall(host, "POST", `/containers/${encodeURIComponent(id)}/stop?t=${grace}`);
    if (![204, 304, 404].includes(stopped.status)) throw new Error(`Docker engine: stop ${id.slice(0, 12)}: ${stopped.status} ${stopped.body.toString()}`);
    if (!remove) return;
    const removed = await dockerCall(host, "DELETE", `/containers/${encodeURIComponent(id)}?force=1&v=1`);
    if (![204, 404].includes(removed.status)) throw new Error(`Docker engine: remove ${id.slice(0, 12)}: ${removed.status} ${removed.body.toString()}`);
}

/**
 * Removes the images that retired instances ran, unless a container still uses them (the engine
 * refuses then): each new build would otherwise leave the previous one behind, untagged, forever.
 */
async function removeImages(host: string, images: string[]): Promise<void> {
    for (const image of new Set(images)) {
        const answer = await dockerCall(host, "DELETE", `/images/${encodeURIComponent(image)}`);
        if (![200, 404, 409].includes(answer.status)) throw new Error(`Docker engine: remove image ${image.slice(0, 19)}: ${answer.status} ${answer.body.toString()}`);
    }
}

/** Stops (draining), removes, then removes their images where unused. */
async function retire(host: string, ids: string[], grace: number): Promise<void> {
    const images = (await Promise.all(ids.map((id) => inspectContainer(host, id)))).map((info) => info?.Image).filter((i): i is string => typeof i === "string");
    await Promise.all(ids.map((id) => stopContainer(host, id, grace, true)));
    await removeImages(host, images);
}

async function listSelected(host: string, select: Record<string, string>): Promise<string[]> {
    const filters = JSON.stringify({ label: Object.entries(select).map(([k, v]) => `${k}=${v}`) });
    const answer = await dockerCall(host, "GET", `/containers/json?all=1&filters=${encodeURIComponent(filters)}`);
    if (answer.status !== 200) throw new Error(`Docker engine: list containers: ${answer.status} ${answer.body.toString()}`);
    return (JSON.parse(answer.body.toString()) as { Id: string }[]).map((c) => c.Id);
}

/** What /cloudengine/init said about the app (its own "cloudengine:" lines only: the app's output may hold secrets). */
async function initLines(host: string, id: string, sinceSeconds: number): Promise<string[]> {
    const answer = await dockerCall(host, "GET", `/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&tail=200&since=${sinceSeconds}`);
    if (answer.status !== 200) return [];
    return demuxStream(answer.body).split("\n").filter((line) => line.startsWith("cloudengine:")).slice(-5);
}

/** `sinceSeconds`: this attempt's start (Unix seconds), so a retry does not repeat an earlier attempt's lines. */
async function diagnose(host: string, id: string, sinceSeconds: number): Promise<string> {
    const info = await inspectContainer(host, id);
    if (!info) return `  instance ${id.slice(0, 12)}: the container is gone`;
    const name = String(info.Name ?? "").replace(/^\//, "");
    const out: string[] = [`  instance ${name}: ${info.State?.Running ? `running, health ${info.State?.Health?.Status ?? "unknown"}` : `not running (exit code ${info.State?.ExitCode})`}`];
    const probes = (info.State?.Health?.Log ?? []) as { ExitCode: number; Output: string }[];
    const last = probes[probes.length - 1];
    if (last) out.push(`    last health check: ${String(last.Output).trim().replace(/\n/g, " ")}`);
    for (const line of await initLines(host, id, sinceSeconds)) out.push(`    ${line}`);
    out.push(`    (the app's own output: docker logs ${name})`);
    return out.join("\n");
}

/** `previous`: the instances of the last release that succeeded (they keep running if this one fails). */
async function release(inputs: ReleaseInputs, previous: string[]): Promise<void> {
    const { host, containers } = inputs;
    const startedAt = Math.floor(Date.now() / 1000) - 1;
    for (const id of containers) {
        const info = await inspectContainer(host, id);
        if (!info) throw new Error(`${inputs.what}: instance container ${id.slice(0, 12)} no longer exists; run \`pulumi refresh\`, then \`pulumi up\``);
        if (!info.State?.Health) throw new Error(`${inputs.what}: instance container ${id.slice(0, 12)} has no health check`);
        if (!info.State.Running) {
            const started = await dockerCall(host, "POST", `/containers/${encodeURIComponent(id)}/start`);
            if (![204, 304].includes(started.status)) throw new Error(`Docker engine: start ${id.slice(0, 12)}: ${started.status} ${started.body.toString()}`);
        }
    }
    const deadline = Date.now() + inputs.waitSeconds * 1000;
    let waiting = [...containers];
    for (;;) {
        const states = await Promise.all(waiting.map(async (id) => ({ id, info: await inspectContainer(host, id) })));
        waiting = states.filter((s) => s.info?.State?.Health?.Status !== "healthy").map((s) => s.id);
        if (!waiting.length || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (waiting.length) {
        const diagnosis = await Promise.all(waiting.map((id) => diagnose(host, id, startedAt)));
        const added = containers.filter((id) => !previous.includes(id));
        await Promise.all(added.map((id) => stopContainer(host, id, inputs.stopGraceSeconds, false)));
        throw new Error(
            `${inputs.what}: ${waiting.length} of ${containers.length} new instance(s) did not become healthy within ${inputs.waitSeconds} s, ` +
            `so the deployment stops here: the previous version keeps serving and the new instances are stopped.\n${diagnosis.join("\n")}`,
        );
    }
    const current = new Set(containers);
    const retired = (await listSelected(host, inputs.select)).filter((id) => !current.has(id));
    await retire(host, retired, inputs.stopGraceSeconds);
}

export const releaseProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReleaseInputs) {
        await release(inputs, []);
        return { id: `${inputs.select["cloudengine.stack"]}/${inputs.select["cloudengine.name"]}/${inputs.select["cloudengine.env"]}`, outs: inputs };
    },
    async diff(_id: string, olds: ReleaseInputs, news: ReleaseInputs) {
        const same = JSON.stringify([olds.host, olds.containers, olds.select, olds.waitSeconds, olds.stopGraceSeconds]) ===
            JSON.stringify([news.host, news.containers, news.select, news.waitSeconds, news.stopGraceSeconds]);
        return { changes: !same };
    },
    async update(_id: string, olds: ReleaseInputs, news: ReleaseInputs) {
        await release(news, olds.containers ?? []);
        return { outs: news };
    },
    async delete(_id: string, props: ReleaseInputs) {
        await retire(props.host, await listSelected(props.host, props.select), props.stopGraceSeconds);
    },
};

/** A release of one app environment (see above); its id resolves once the release succeeded. */
export function releaseResource(name: string, args: { [K in keyof ReleaseInputs]: pulumi.Input<ReleaseInputs[K]> }, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return ownResource("Release", releaseProvider, name, args, opts);
}
