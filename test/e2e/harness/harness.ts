// DockerHarness: runs a Pulumi program under Pulumi's mocks and realizes every @pulumi/docker resource on
// the local Docker engine through the Engine API, inside the mocks' newResource, so resources are created in
// Pulumi's dependency order and the program sees real outputs (image IDs, network and volume names).
//
// `up` behaves like `pulumi up` on one stack (project "proj", the harness's stack every time):
//   * state per resource, keyed by type + name + parent URN, kept across ups;
//   * same inputs → nothing happens; images are rebuilt every up (cached) and an identical image ID is no change;
//   * a change to a ForceNew field → replacement, fresh autoname; other container fields → in-place update
//     (see fields.ts CONTAINER_NOT_FORCE_NEW; the provider changes the engine only for restart/resources);
//   * replacement order as the engine decides it: the program's deleteBeforeReplace when it set one
//     (true OR false), else the provider's Diff hint. pulumi-docker 4.11.2 (provider/resources.go) sets
//     `DeleteBeforeReplace: true` for docker_container, so a Container without an explicit
//     `deleteBeforeReplace: false` is replaced DELETE-FIRST; a Network/Volume with an explicit name too
//     (bridge nameRequiresDeleteBeforeReplace); otherwise create-before-delete. pulumi/pulumi
//     step_generator.go: `deleteBeforeReplace := diff.DeleteBeforeReplace; if goal.DeleteBeforeReplace != nil {…}`.
//     Delete-first deletes the resources that depend on the replaced one first, as the engine does;
//   * create-before-delete: the old resource is deleted after the whole program registered (with the
//     unregistered ones, dependents first). If anything failed, no deletion happens (the old version keeps
//     serving), `up` rejects, and the deletions become pending: the next `up` does them first (Pulumi's
//     pending deletes). A container whose create failed after it existed (e.g. not healthy in time) is
//     kept in the state as the resource, with initialization errors, and the old one it replaces becomes a
//     pending delete; the next up updates it — with unchanged inputs a no-op that succeeds, no new health
//     wait — as the real engine and provider do;
//   * retainOnDelete: the engine's delete only drops the resource from the state;
//   * ignoreChanges: the ignored input paths keep their earlier values, for updates and replacements alike;
//   * dynamic resources (pulumi-nodejs:dynamic/…: GeneratedSecret, GeneratedCertificate) run their own
//     serialized provider as Pulumi's dynamic provider host does (dynamic.ts): GeneratedSecret's random
//     value of `bytes` bytes is made once by its create and kept while its inputs stay the same;
//   * component resources return their inputs.
// Everything created carries the labels cloudengine.e2e=<stack> and cloudengine.e2e.owner=<pid>.
import * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import Docker from "dockerode";
import { onRegistration, Registered } from "../../mocks";
import { ContainerContext, ContainerCreateError, createContainer, deleteContainer, logTail, message, updateContainer } from "./container";
import { dynamicCheck, dynamicCreate, DYNAMIC_PREFIX, providerOf } from "./dynamic";
import { CONTAINER, CONTAINER_NOT_FORCE_NEW, CONTAINER_UPDATE_IN_PLACE, checkFields, IMAGE, NETWORK, SET_FIELDS, VOLUME } from "./fields";
import { buildImage } from "./image";
import { createNetwork, createVolume, deleteNetwork, deleteVolume } from "./networkVolume";
import { containerInputsWithDefaults, refreshedContainer, storedContainer } from "./readBack";
import { ensureEngine, gatewayPorts } from "./util";

/* eslint-disable @typescript-eslint/no-require-imports */
const rpc = require("@pulumi/pulumi/runtime/rpc");
const settings = require("@pulumi/pulumi/runtime/settings");
const pulumiState = require("@pulumi/pulumi/runtime/state");

export const E2E_LABEL = "cloudengine.e2e";
export const OWNER_LABEL = "cloudengine.e2e.owner";
export const PROJECT = "proj";

type Kind = "container" | "network" | "volume" | "image" | "dynamic";

interface Entry {
    key: string;
    type: string;
    name: string;
    urn: string;
    parent: string;
    kind: Kind;
    /** Inputs as registered (secrets still wrapped), returned in the state. */
    inputs: Record<string, any>;
    /** Inputs with secrets revealed: what is sent to the engine. */
    plain: Record<string, any>;
    /** Containers: what the provider stores (readBack.ts); the next up diffs the inputs against it. */
    stored?: Record<string, any>;
    /** The program's retainOnDelete: the engine's delete only drops the resource from the state. */
    retainOnDelete?: boolean;
    /** A create that failed after the container existed (Pulumi's initialization errors). */
    initErrors?: boolean;
    /** Provider-computed outputs merged over the inputs in the state. */
    computed: Record<string, any>;
    /** Pulumi ID: container ID, network ID, volume name, image name, a UUID for secrets. */
    id: string;
    /** Image ID for images. */
    imageId?: string;
    /** Docker name for containers, networks, volumes. */
    dockerName?: string;
    dependencies: string[];
}

export type StepOp = "create" | "same" | "update" | "replace" | "delete";

export interface Step {
    op: StepOp;
    type: string;
    name: string;
    urn: string;
    id?: string;
    oldId?: string;
    /** For replace: whether the old one was deleted first. */
    deleteBeforeReplace?: boolean;
    /** For delete: why. */
    reason?: "replaced" | "unregistered" | "pending" | "dependent";
    /** For update: the input fields that changed. */
    fields?: string[];
}

export interface UpResult {
    /** What happened to each custom resource, in order. */
    steps: Step[];
    /** Steps other than "same". */
    changes: Step[];
    /** Every registration of the run (see test/mocks.ts Registered). */
    registered: Registered[];
    /** The program's return value with Outputs and promises resolved (like stack outputs). */
    outputs: any;
    seconds: number;
}

export interface ContainerInfo {
    /** Pulumi resource name. */
    name: string;
    type: string;
    urn: string;
    parent: string;
    /** Docker container ID. */
    id: string;
    /** Docker container name. */
    dockerName: string;
    /** The container's labels, including the harness's. */
    labels: Record<string, string>;
    /** Inputs sent to the engine. */
    inputs: Record<string, any>;
}

export type ContainerFilter = ((c: ContainerInfo) => boolean) | { name?: string | RegExp; label?: Record<string, string> };

export interface HarnessOptions {
    stack: string;
    /** Progress lines (default: stderr when CLOUDENGINE_E2E_VERBOSE is set). */
    log?: (line: string) => void;
    /** Image build timeout (default 10 minutes). */
    buildTimeoutMs?: number;
}

interface Run {
    seen: Set<string>;
    errors: unknown[];
    endDeletes: Entry[];
    steps: Step[];
    inflight: Set<Promise<unknown>>;
    registered: Registered[];
    queue: Map<string, Registered[]>;
    /** Set when up() returns: background waits of the run end. */
    finished?: boolean;
}

let active: DockerHarness | undefined;

export class DockerHarness {
    readonly stack: string;
    readonly docker = new Docker();
    private readonly state = new Map<string, Entry>();
    /** Resources to delete at the start of the next up (after a failed up) or by destroy(). */
    private pending: Entry[] = [];
    private run: Run | undefined;
    private claimed = false;
    private apiVersion: string | undefined;
    private readonly log: (line: string) => void;
    private readonly buildTimeoutMs: number;

    constructor(options: HarnessOptions) {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(options.stack)) throw new Error(`harness: stack ${JSON.stringify(options.stack)}: use lowercase letters, digits and -`);
        this.stack = options.stack;
        const t0 = Date.now();
        this.log = options.log ?? (process.env.CLOUDENGINE_E2E_VERBOSE ? (line) => process.stderr.write(`[e2e ${this.stack} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`) : () => undefined);
        this.buildTimeoutMs = options.buildTimeoutMs ?? 10 * 60_000;
    }

    /** Labels on everything this harness creates. */
    get labels(): Record<string, string> {
        return { [E2E_LABEL]: this.stack, [OWNER_LABEL]: String(process.pid) };
    }

    /** Runs `program` like `pulumi up` on this harness's stack; rejects with the first failure. */
    async up(program: () => unknown, opts: { config?: Record<string, string> } = {}): Promise<UpResult> {
        if (active) throw new Error(`harness: an up of stack ${active.stack} is still running (Pulumi's mocks are process-wide: one up at a time)`);
        active = this;
        const t0 = Date.now();
        const run: Run = { seen: new Set(), errors: [], endDeletes: [], steps: [], inflight: new Set(), registered: [], queue: new Map() };
        this.run = run;
        const off = onRegistration((r) => {
            run.registered.push(r);
            const k = `${r.type}::${r.name}`;
            const list = run.queue.get(k) ?? [];
            list.push(r);
            run.queue.set(k, list);
        });
        // A failed registration (or a throwing apply) rejects Output promises nobody awaits: in a real
        // `pulumi up` the language host's handler reports them. Here they are collected as failures of this
        // up, and node:test's own handler (which would fail the current test although `up` rejects as
        // expected) is detached until they have been delivered.
        const rejections: unknown[] = [];
        const onRejection = (reason: unknown) => { rejections.push(reason); };
        const others = process.listeners("unhandledRejection");
        process.removeAllListeners("unhandledRejection");
        process.on("unhandledRejection", onRejection);
        try {
            await this.ensureApiVersion();
            if (!this.claimed) {
                await this.claimStack();
                this.claimed = true;
            }
            if (this.pending.length) {
                const pending = this.pending;
                this.pending = [];
                this.log(`deleting ${pending.length} pending resource(s) of a failed up`);
                await this.deleteInOrder(pending, run, "pending");
            }
            pulumi.runtime.setAllConfig(opts.config ?? {});
            await pulumi.runtime.setMocks({
                newResource: (args) => this.newResource(args),
                call: (args) => {
                    if (args.token.startsWith("docker:")) throw new Error(`harness: unmapped invoke ${args.token}`);
                    return args.inputs;
                },
            }, PROJECT, this.stack, false);
            let value: unknown;
            let programError: unknown;
            try {
                value = await program();
            } catch (err) {
                programError = err;
            }
            // The real language host ends the program at the first failed registration; registrations
            // still waiting on it (a Domain's, which waits for every child of the app it refers to) would
            // otherwise keep waitForRPCs pending forever.
            await Promise.race([settings.waitForRPCs(), failedAndSettled(run)]);
            while (run.inflight.size) await Promise.allSettled([...run.inflight]);
            await flushRejections();
            let outputs: unknown;
            if (!run.errors.length && programError === undefined) {
                try {
                    outputs = await resolveDeep(value);
                } catch (err) {
                    programError = err;
                }
            }
            await flushRejections();
            const failure = run.errors[0] ?? programError ?? rejections[0];
            if (failure !== undefined) {
                this.pending.push(...run.endDeletes);
                throw combine(failure, run.errors);
            }
            const unregistered = [...this.state.values()].filter((e) => !run.seen.has(e.key));
            for (const e of unregistered) this.state.delete(e.key);
            await this.deleteInOrder([...run.endDeletes.map((e) => ({ entry: e, reason: "replaced" as const })), ...unregistered.map((e) => ({ entry: e, reason: "unregistered" as const }))], run);
            const seconds = (Date.now() - t0) / 1000;
            const changes = run.steps.filter((s) => s.op !== "same");
            this.log(`up done in ${seconds.toFixed(1)}s: ${changes.map((s) => `${s.op} ${s.name}`).join(", ") || "no changes"}`);
            return { steps: run.steps, changes, registered: run.registered, outputs, seconds };
        } finally {
            run.finished = true;
            off();
            await flushRejections();
            process.off("unhandledRejection", onRejection);
            for (const listener of others) process.on("unhandledRejection", listener as (...args: any[]) => void);
            // Registrations that failed leave Pulumi promises pending; its exit-time leak check must not count them.
            pulumiState.getStore().leakCandidates?.clear?.();
            this.run = undefined;
            active = undefined;
        }
    }

    /** Removes everything this harness created (containers force-removed, then networks, volumes, images). */
    async destroy(): Promise<void> {
        this.state.clear();
        this.pending = [];
        await removeLabelled(this.docker, (labels) => labels[E2E_LABEL] === this.stack && labels[OWNER_LABEL] === String(process.pid), this.log);
    }

    /**
     * `pulumi refresh`: every container's stored form is read again from the engine (readBack.ts); one
     * that no longer exists leaves the state, as the provider's Read reports it gone. Returns the
     * resources whose stored form changed.
     */
    async refresh(): Promise<string[]> {
        const changed: string[] = [];
        for (const [key, e] of this.state) {
            if (e.kind !== "container") continue;
            let info: Docker.ContainerInspectInfo;
            try {
                info = await this.docker.getContainer(e.id).inspect();
            } catch (err) {
                if ((err as any)?.statusCode !== 404) throw err;
                this.state.delete(key);
                changed.push(e.name);
                continue;
            }
            const stored = refreshedContainer(e.plain, info);
            if (!same(e.type, e.stored ?? e.plain, stored)) changed.push(e.name);
            this.state.set(key, { ...e, stored });
        }
        return changed;
    }

    /**
     * Removes leftovers of earlier runs: everything labelled cloudengine.e2e whose owner process is gone
     * (`all: true`: everything labelled, also of live processes). Call it at the start of each test file.
     */
    static async sweep(options: { all?: boolean; docker?: Docker } = {}): Promise<void> {
        const docker = options.docker ?? new Docker();
        await removeLabelled(docker, (labels) => {
            if (!(E2E_LABEL in labels)) return false;
            if (options.all) return true;
            const owner = Number(labels[OWNER_LABEL]);
            return !Number.isInteger(owner) || owner <= 0 || !alive(owner);
        }, () => undefined);
    }

    /** Realized containers (current state), optionally filtered. */
    containers(filter?: ContainerFilter): ContainerInfo[] {
        const all = [...this.state.values()].filter((e) => e.kind === "container").map((e): ContainerInfo => ({
            name: e.name,
            type: e.type,
            urn: e.urn,
            parent: e.parent,
            id: e.id,
            dockerName: e.dockerName ?? "",
            labels: { ...Object.fromEntries(((e.plain.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value])), ...this.labels },
            inputs: e.plain,
        }));
        if (!filter) return all;
        if (typeof filter === "function") return all.filter(filter);
        return all.filter((c) =>
            (filter.name === undefined || (typeof filter.name === "string" ? c.name === filter.name : filter.name.test(c.name))) &&
            Object.entries(filter.label ?? {}).every(([k, v]) => c.labels[k] === v),
        );
    }

    /** The one realized container named `resourceName` (Pulumi name). */
    container(resourceName: string): ContainerInfo {
        const found = this.containers({ name: resourceName });
        if (found.length !== 1) throw new Error(`harness: expected one container named ${resourceName}, found ${found.length} (have: ${this.containers().map((c) => c.name).join(", ")})`);
        return found[0];
    }

    /** Host port (on 127.0.0.1) published for the container's internal port. */
    async publishedPort(containerResourceName: string, internalPort: number, protocol = "tcp"): Promise<number> {
        const c = this.container(containerResourceName);
        const info = await this.docker.getContainer(c.id).inspect();
        const bound = info.NetworkSettings.Ports?.[`${internalPort}/${protocol}`];
        if (!bound?.length) throw new Error(`harness: container ${containerResourceName} publishes no ${internalPort}/${protocol}`);
        return Number(bound[0].HostPort);
    }

    /** The last lines of a container's log. */
    logs(containerResourceName: string, tail = 100): Promise<string> {
        return logTail(this.docker, this.container(containerResourceName).id, tail);
    }

    /** State outputs of a custom resource (as the program saw them), by type token and name. */
    outputs(type: string, name: string): Record<string, any> {
        const found = [...this.state.values()].filter((e) => e.type === type && e.name === name);
        if (found.length !== 1) throw new Error(`harness: expected one ${type} named ${name}, found ${found.length}`);
        return { ...found[0].inputs, ...found[0].computed };
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Network names derive from the stack (proj-<stack>-…) and Docker 20.10 accepts duplicate network names,
     * so two runs of one stack on one engine would mix up their networks: refuse a stack another live
     * process uses, and remove what dead ones left of it.
     */
    private async claimStack(): Promise<void> {
        const filters = { label: [`${E2E_LABEL}=${this.stack}`] };
        const owners = new Set<number>();
        for (const c of await this.docker.listContainers({ all: true, filters })) owners.add(Number(c.Labels?.[OWNER_LABEL]));
        for (const n of await this.docker.listNetworks({ filters })) owners.add(Number(n.Labels?.[OWNER_LABEL]));
        const live = [...owners].filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid));
        if (live.length) throw new Error(`harness: stack ${this.stack} is in use on this engine by process ${live.join(", ")} (another test run); use another stack name or wait for it`);
        await removeLabelled(this.docker, (labels) => labels[E2E_LABEL] === this.stack && labels[OWNER_LABEL] !== String(process.pid), this.log);
    }

    private async ensureApiVersion(): Promise<string> {
        if (!this.apiVersion) this.apiVersion = (await this.docker.version()).ApiVersion;
        return this.apiVersion;
    }

    private newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        const run = this.run;
        if (!run) return Promise.reject(new Error("harness: a resource was registered outside of up()"));
        // The registration listener ran synchronously just before this call.
        const queued = run.queue.get(`${args.type}::${args.name}`);
        const reg = queued?.shift();
        const work = this.realize(run, args, reg).catch((err) => {
            run.errors.push(err);
            throw err;
        });
        run.inflight.add(work);
        work.then(() => run.inflight.delete(work), () => run.inflight.delete(work));
        return work;
    }

    private async realize(run: Run, args: pulumi.runtime.MockResourceArgs, reg: Registered | undefined): Promise<{ id: string | undefined; state: Record<string, any> }> {
        if (!args.custom) return { id: undefined, state: args.inputs };
        const parent = reg?.parent ?? "";
        const key = `${args.type}|${args.name}|${parent}`;
        if (run.seen.has(key)) throw new Error(`harness: ${args.type} ${args.name} (parent ${parent}) registered twice in one up`);
        run.seen.add(key);
        const urn = reg?.urn ?? `urn:pulumi:${this.stack}::${PROJECT}::${args.type}::${args.name}`;
        const old = this.state.get(key);
        // The engine's ignoreChanges: the ignored properties keep their earlier values (also for a replacement).
        const inputs = old && reg?.ignoreChanges.length ? keepIgnored(args.inputs, old.inputs, reg.ignoreChanges) : args.inputs;
        const plain = reveal(inputs);
        const base = { key, type: args.type, name: args.name, urn, parent, inputs, plain, dependencies: reg?.dependencies ?? [], retainOnDelete: reg?.retainOnDelete === true };
        const state = (e: Entry) => ({ id: e.id, state: { ...e.inputs, ...e.computed } });

        if (args.type.startsWith(DYNAMIC_PREFIX)) return this.realizeDynamic(run, base, old, reg);

        if (![CONTAINER, IMAGE, NETWORK, VOLUME].includes(args.type)) throw new Error(`harness: unsupported resource type ${args.type} (${args.name})`);
        checkFields(args.type, plain);

        if (args.type === IMAGE) {
            this.log(`image ${args.name}: building ${plain.imageName}`);
            if (plain.skipPush !== true) {
                throw new Error(`harness: docker:index/image:Image ${plain.imageName}: skipPush must be true (the provider would push to a registry; none is reachable here)`);
            }
            const built = await buildImage(this.docker, plain, this.labels, this.buildTimeoutMs);
            this.log(`image ${args.name}: ${built.id.slice(7, 19)}`);
            const entry: Entry = { ...base, kind: "image", id: built.imageName, imageId: built.id, computed: built.outputs };
            if (old && old.imageId === built.id && same(IMAGE, old.plain, plain)) {
                this.state.set(key, { ...old, ...base, computed: old.computed });
                run.steps.push({ op: "same", type: args.type, name: args.name, urn, id: old.id });
                return state(old);
            }
            this.state.set(key, entry);
            // The native provider never replaces an image: a changed build is an update (rebuild) in place.
            run.steps.push({ op: old ? "update" : "create", type: args.type, name: args.name, urn, id: entry.id, fields: old ? changedFields(IMAGE, old.plain, plain) : undefined });
            return state(entry);
        }

        if (!old) {
            const entry = await this.createPhysical(run, base);
            run.steps.push({ op: "create", type: args.type, name: args.name, urn, id: entry.id });
            return state(entry);
        }
        const changed = changedFields(args.type, old.stored ?? old.plain, args.type === CONTAINER ? containerInputsWithDefaults(plain) : plain);
        if (!changed.length && old.initErrors) {
            // The engine updates a resource with initialization errors; with unchanged inputs the
            // provider's update changes nothing on the engine (no new health wait) and succeeds.
            const entry: Entry = { ...old, ...base, computed: old.computed, stored: old.stored, initErrors: false };
            this.state.set(key, entry);
            run.steps.push({ op: "update", type: args.type, name: args.name, urn, id: old.id, fields: [] });
            this.log(`${kindOf(args.type)} ${args.name}: updated (it had initialization errors)`);
            return state(entry);
        }
        if (!changed.length) {
            this.state.set(key, { ...old, ...base, computed: old.computed, stored: old.stored });
            run.steps.push({ op: "same", type: args.type, name: args.name, urn, id: old.id });
            return state(old);
        }
        const replaces = args.type === CONTAINER ? changed.filter((f) => !CONTAINER_NOT_FORCE_NEW.includes(f)) : changed;
        if (!replaces.length) {
            if (changed.some((f) => CONTAINER_UPDATE_IN_PLACE.includes(f))) await updateContainer(this.docker, old.id, plain);
            const entry: Entry = { ...old, ...base, computed: old.computed, stored: args.type === CONTAINER ? storedContainer(plain) : undefined };
            this.state.set(key, entry);
            run.steps.push({ op: "update", type: args.type, name: args.name, urn, id: old.id, fields: changed });
            this.log(`${kindOf(args.type)} ${args.name}: updated in place (${changed.join(", ")})`);
            return state(entry);
        }
        const deleteFirst = reg?.deleteBeforeReplaceDefined ? reg.deleteBeforeReplace : providerDeleteBeforeReplace(args.type, plain);
        this.log(`${kindOf(args.type)} ${args.name}: replacing (${replaces.join(", ")}), ${deleteFirst ? "delete first" : "create first"}`);
        if (deleteFirst) {
            await this.deleteWithDependents(run, old);
            this.state.delete(key);
        }
        let entry: Entry;
        try {
            entry = await this.createPhysical(run, base);
        } catch (err) {
            // A replacement that exists but failed (initialization errors) marks the old resource for
            // deletion, which the next up performs first (Pulumi's pending deletes).
            if (!deleteFirst && this.state.get(key)?.initErrors) this.pending.push(old);
            throw err;
        }
        if (!deleteFirst) run.endDeletes.push(old);
        run.steps.push({ op: "replace", type: args.type, name: args.name, urn, id: entry.id, oldId: old.id, deleteBeforeReplace: deleteFirst, fields: replaces });
        return state(entry);
    }

    /** A dynamic resource: its own provider runs here (see dynamic.ts). The state is what the provider returned. */
    private async realizeDynamic(run: Run, base: Omit<Entry, "kind" | "id" | "computed">, old: Entry | undefined, reg: Registered | undefined): Promise<{ id: string | undefined; state: Record<string, any> }> {
        const { type, name, urn, key } = base;
        const provider = providerOf(base.plain, type);
        const inputs = await dynamicCheck(provider, type, name, old?.plain, base.plain);
        const make = async (): Promise<Entry> => {
            const created = await dynamicCreate(provider, inputs);
            return { ...base, plain: inputs, kind: "dynamic", id: created.id, computed: created.state };
        };
        if (!old) {
            const entry = await make();
            this.state.set(key, entry);
            run.steps.push({ op: "create", type, name, urn, id: entry.id });
            return { id: entry.id, state: entry.computed };
        }
        let changes: boolean;
        let replaces: string[] = [];
        let hintDeleteFirst = false;
        if (provider.diff) {
            const d = await provider.diff(old.id, old.computed, inputs);
            changes = d.changes ?? !same(type, old.plain, inputs);
            replaces = d.replaces ?? [];
            hintDeleteFirst = d.deleteBeforeReplace === true;
        } else {
            changes = !same(type, old.plain, inputs);
        }
        if (!changes && !replaces.length) {
            this.state.set(key, { ...old, ...base, plain: old.plain, computed: old.computed });
            run.steps.push({ op: "same", type, name, urn, id: old.id });
            return { id: old.id, state: old.computed };
        }
        if (!replaces.length) {
            const result = provider.update ? (await provider.update(old.id, old.computed, inputs)) ?? {} : {};
            const entry: Entry = { ...old, ...base, plain: inputs, computed: { ...(result.outs ?? {}), __provider: inputs.__provider } };
            this.state.set(key, entry);
            run.steps.push({ op: "update", type, name, urn, id: old.id, fields: changedFields(type, old.plain, inputs) });
            return { id: entry.id, state: entry.computed };
        }
        const deleteFirst = reg?.deleteBeforeReplaceDefined ? reg.deleteBeforeReplace : hintDeleteFirst;
        if (deleteFirst) {
            await this.deleteWithDependents(run, old);
            this.state.delete(key);
        }
        const entry = await make();
        this.state.set(key, entry);
        if (!deleteFirst) run.endDeletes.push(old);
        run.steps.push({ op: "replace", type, name, urn, id: entry.id, oldId: old.id, deleteBeforeReplace: deleteFirst, fields: replaces });
        return { id: entry.id, state: entry.computed };
    }

    /** Creates the engine object; on success the entry is the resource's state. */
    private async createPhysical(run: Run, base: Omit<Entry, "kind" | "id" | "computed">): Promise<Entry> {
        const dockerName: string = base.plain.name ?? autoname(base.name);
        let entry: Entry;
        if (base.type === CONTAINER) {
            const ctx: ContainerContext = { docker: this.docker, apiVersion: await this.ensureApiVersion(), labels: this.labels, log: this.log };
            try {
                const c = await createContainer(ctx, base.name, dockerName, base.plain);
                entry = { ...base, kind: "container", id: c.id, dockerName, computed: c.outputs, stored: storedContainer(base.plain) };
            } catch (err) {
                if (err instanceof ContainerCreateError && err.containerId) {
                    // The provider returns the container's ID with the error: the engine keeps it in the
                    // state as the resource, with initialization errors (updated by the next up).
                    this.state.set(base.key, { ...base, kind: "container", id: err.containerId, dockerName, computed: {}, stored: storedContainer(base.plain), initErrors: true });
                }
                throw err;
            }
        } else if (base.type === NETWORK) {
            const n = await createNetwork(this.docker, dockerName, base.plain, this.labels);
            entry = { ...base, kind: "network", id: n.id, dockerName, computed: n.outputs };
        } else {
            const v = await createVolume(this.docker, dockerName, base.plain, this.labels);
            entry = { ...base, kind: "volume", id: v.id, dockerName, computed: v.outputs };
        }
        if (entry.kind !== "container") this.log(`${entry.kind} ${base.name}: created ${dockerName}`);
        this.state.set(base.key, entry);
        void run;
        return entry;
    }

    /** Delete-before-replace: the resources depending on `old` go first, as the engine does. */
    private async deleteWithDependents(run: Run, old: Entry): Promise<void> {
        const doomed = new Set<string>([old.urn]);
        let grew = true;
        while (grew) {
            grew = false;
            for (const e of this.state.values()) {
                if (!doomed.has(e.urn) && e.dependencies.some((d) => doomed.has(d))) {
                    doomed.add(e.urn);
                    grew = true;
                }
            }
        }
        const dependents = [...this.state.values()].filter((e) => e !== old && doomed.has(e.urn));
        for (const e of dependents) this.state.delete(e.key);
        await this.deleteInOrder([...dependents.map((e) => ({ entry: e, reason: "dependent" as const })), { entry: old, reason: "replaced" as const }], run);
    }

    /** Deletes entries, dependents before their dependencies, each level in parallel. */
    private async deleteInOrder(items: (Entry | { entry: Entry; reason: Step["reason"] })[], run: Run, reason?: Step["reason"]): Promise<void> {
        const todo = items.map((i) => ("entry" in i ? i : { entry: i, reason }));
        const byUrn = new Map<string, Entry[]>();
        for (const e of [...this.state.values(), ...todo.map((t) => t.entry)]) byUrn.set(e.urn, [...(byUrn.get(e.urn) ?? []), e]);
        const dependsOn = (a: Entry, b: Entry): boolean => {
            const seen = new Set<string>();
            const stack = [...a.dependencies];
            while (stack.length) {
                const urn = stack.pop()!;
                if (urn === b.urn) return true;
                if (seen.has(urn)) continue;
                seen.add(urn);
                for (const e of byUrn.get(urn) ?? []) stack.push(...e.dependencies);
            }
            return false;
        };
        let remaining = todo;
        while (remaining.length) {
            const level = remaining.filter((t) => !remaining.some((o) => o !== t && o.entry.urn !== t.entry.urn && dependsOn(o.entry, t.entry)));
            const batch = level.length ? level : [remaining[0]];
            await Promise.all(batch.map(async (t) => {
                await this.deletePhysical(t.entry);
                run.steps.push({ op: "delete", type: t.entry.type, name: t.entry.name, urn: t.entry.urn, id: t.entry.id, reason: t.reason });
            }));
            remaining = remaining.filter((t) => !batch.includes(t));
        }
    }

    private async deletePhysical(e: Entry): Promise<void> {
        if (e.retainOnDelete) {
            this.log(`${e.kind} ${e.name}: deleted from the state, retained on the engine (${e.dockerName ?? e.id})`);
            return;
        }
        this.log(`${e.kind} ${e.name}: deleting ${e.dockerName ?? e.id}`);
        switch (e.kind) {
            case "container":
                return deleteContainer(this.docker, e.id, e.plain);
            case "network":
                return deleteNetwork(this.docker, e.id);
            case "volume":
                return deleteVolume(this.docker, e.id);
            case "dynamic": {
                const provider = providerOf(e.computed.__provider ? e.computed : e.plain, e.type);
                if (provider.delete) await provider.delete(e.id, e.computed);
                return;
            }
            default:
                // images: the provider's Delete is a no-op
                return;
        }
    }
}

/** `inputs` with the values at `paths` (e.g. "uploads[1].content") taken from `earlier`. */
export function keepIgnored(inputs: Record<string, any>, earlier: Record<string, any>, paths: string[]): Record<string, any> {
    // Containers along each path are copied (arrays, objects and secret markers, which are looked through),
    // the rest is shared with `inputs`.
    const copyOf = (v: any) => (Array.isArray(v) ? [...v] : { ...v });
    const isSecret = (v: any) => v !== null && typeof v === "object" && v[rpc.specialSigKey] === rpc.specialSecretSig;
    const inside = (v: any) => (isSecret(v) ? v.value : v);
    const result = copyOf(inputs);
    for (const path of paths) {
        const steps = path.replace(/\[(\d+)\]/g, ".$1").split(".");
        let from: any = earlier;
        let to: any = result;
        for (const step of steps.slice(0, -1)) {
            from = inside(from?.[step]);
            let next = to[step];
            if (next === null || typeof next !== "object") { to = undefined; break; } // the path no longer exists
            next = to[step] = copyOf(next);
            if (isSecret(next)) next = next.value = copyOf(next.value);
            to = next;
        }
        if (!to) continue;
        const last = steps[steps.length - 1];
        if (from !== null && typeof from === "object" && last in from) to[last] = from[last];
        else delete to[last];
    }
    return result;
}

/** The provider's Diff hint for replacements (see the header). */
function providerDeleteBeforeReplace(type: string, plain: Record<string, any>): boolean {
    if (type === CONTAINER) return true;
    if (type === NETWORK || type === VOLUME) return plain.name !== undefined && plain.name !== null;
    return false;
}

/** Pulumi's autonaming in the bridge (SetAutonaming(255, "-")): <name>-<7 random hex>. */
function autoname(name: string): string {
    return `${name}-${randomBytes(4).toString("hex").slice(0, 7)}`;
}

function kindOf(type: string): string {
    return type.split(":").pop()!.toLowerCase();
}

/** Secrets (rpc's special signature objects) → their values. */
function reveal(value: any): any {
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") {
        if (value[rpc.specialSigKey] === rpc.specialSecretSig) return reveal(value.value);
        return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

/** Inputs with set-typed fields sorted, nulls dropped: equal canonical forms are "no change" for the provider. */
function canonical(type: string, plain: Record<string, any>): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(plain, (_k, v) => (v === null ? undefined : v)));
    const paths = [...(SET_FIELDS[type] ?? [])].sort((a, b) => b.length - a.length);
    for (const p of paths) sortAt(copy, p.replace(/\[\]/g, ".[]").split("."));
    return copy;
}

function sortAt(value: any, segs: string[]): any {
    if (value === null || value === undefined) return value;
    if (!segs.length) return Array.isArray(value) ? [...value].sort((a, b) => (stable(a) < stable(b) ? -1 : stable(a) > stable(b) ? 1 : 0)) : value;
    const [head, ...rest] = segs;
    if (head === "[]") return Array.isArray(value) ? value.map((v) => sortAt(v, rest)) : value;
    if (typeof value === "object" && head in value) value[head] = sortAt(value[head], rest);
    return value;
}

function stable(value: any): string {
    if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
    if (value && typeof value === "object") return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(",")}}`;
    return JSON.stringify(value);
}

function changedFields(type: string, oldPlain: Record<string, any>, newPlain: Record<string, any>): string[] {
    const a = canonical(type, oldPlain);
    const b = canonical(type, newPlain);
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => stable(a[k]) !== stable(b[k])).sort();
}

function same(type: string, a: Record<string, any>, b: Record<string, any>): boolean {
    return changedFields(type, a, b).length === 0;
}

/** Resolves Outputs and promises inside a program's return value. */
async function resolveDeep(value: any): Promise<any> {
    if (pulumi.Output.isInstance(value)) return resolveDeep(await (value as any).promise(true));
    if (value && typeof value.then === "function") return resolveDeep(await value);
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (value && typeof value === "object" && !pulumi.Resource.isInstance(value) && Object.getPrototypeOf(value) === Object.prototype) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

function combine(first: unknown, errors: unknown[]): Error {
    const err = first instanceof Error ? first : new Error(String(first));
    const others = errors.filter((e) => e !== first);
    if (others.length) err.message += `\n(and ${others.length} more failure(s):\n${others.map((e) => `- ${message(e).split("\n")[0]}`).join("\n")})`;
    return err;
}

/** Resolves once a registration of the run has failed and no other one is still being realized. */
async function failedAndSettled(run: Run): Promise<void> {
    while (!run.finished && !(run.errors.length && run.inflight.size === 0)) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Lets Node deliver pending unhandled-rejection events (they are emitted after the microtask queue drains). */
async function flushRejections(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

function alive(pid: number): boolean {
    if (pid === process.pid) return true;
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Force-removes containers, then networks, volumes and images whose labels satisfy `select`. */
async function removeLabelled(docker: Docker, select: (labels: Record<string, string>) => boolean, log: (line: string) => void): Promise<void> {
    const filters = { label: [E2E_LABEL] };
    const containers = (await docker.listContainers({ all: true, filters })).filter((c) => select(c.Labels ?? {}));
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing)));
    const networks = (await docker.listNetworks({ filters })).filter((n) => select(n.Labels ?? {}));
    // A force-removed container's endpoint can outlive its removal for a moment: retry those networks briefly.
    for (const n of networks) await removeNetworkWhenFree(docker, n.Id);
    const volumes = ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => select(v.Labels ?? {}));
    await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(ignoreMissing)));
    const images = (await docker.listImages({ all: true, filters })).filter((i) => select(i.Labels ?? {}));
    for (const i of images) await docker.getImage(i.Id).remove({ force: true }).catch(ignoreMissing);
    const total = containers.length + networks.length + volumes.length + images.length;
    if (total) log(`removed ${containers.length} container(s), ${networks.length} network(s), ${volumes.length} volume(s), ${images.length} image(s)`);
}

/**
 * Removes a network once its endpoints are gone. A force-removed container's endpoint usually goes within
 * a moment; the engine can also keep a stale one for good (the container is gone, the network still "has
 * active endpoints"), which only a forced disconnect clears. Endpoints of containers that still exist are
 * never touched: their network fails with their names.
 */
async function removeNetworkWhenFree(docker: Docker, id: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (let attempt = 0; ; attempt++) {
        try {
            await docker.getNetwork(id).remove();
            return;
        } catch (err) {
            if ((err as any)?.statusCode === 404) return;
            if (!/active endpoints/.test(message(err))) throw err;
            const live = attempt >= 5 ? await disconnectStaleEndpoints(docker, id) : [];
            if (Date.now() > deadline) throw new Error(`network ${id} keeps endpoints of live containers: ${live.join(", ") || "(none listed)"}: ${message(err)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/** Force-disconnects the network's endpoints whose container no longer exists; returns the live ones' names. */
async function disconnectStaleEndpoints(docker: Docker, id: string): Promise<string[]> {
    const network = docker.getNetwork(id);
    const info = await network.inspect().catch(() => undefined);
    const live: string[] = [];
    for (const [containerId, endpoint] of Object.entries<{ Name?: string }>(info?.Containers ?? {})) {
        const exists = await docker.getContainer(containerId).inspect().then(() => true, (err) => (err as any)?.statusCode !== 404);
        if (exists) live.push(endpoint.Name ?? containerId);
        else await network.disconnect({ Container: endpoint.Name || containerId, Force: true }).catch(() => undefined);
    }
    return live;
}

function ignoreMissing(err: unknown): void {
    if ((err as any)?.statusCode === 404) return;
    throw err;
}

/**
 * What every e2e test file does first: make sure the engine and base images are there, remove what
 * dead runs left behind, and pick the two ports its gateway publishes on 127.0.0.1.
 */
export async function prepareE2E(): Promise<{ httpPort: number; httpsPort: number }> {
    await ensureEngine();
    await DockerHarness.sweep();
    return gatewayPorts();
}
