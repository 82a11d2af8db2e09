import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { scriptEnv } from "./scriptEnv";

// Validates Kubernetes objects offline with kubeconform against the JSON schemas of one pinned
// Kubernetes version (see scripts/kube-validator.sh: the first call in a fresh cache builds
// kubeconform from the Go module proxy and generates the schemas, ~20 s; later calls reuse
// ${CLOUDENGINE_TOOLCHAIN_CACHE:-/var/cache/cloudengine-toolchain}).
//
// Strict: unknown fields, wrong types, missing required fields and kinds without a schema (e.g.
// custom resources) are all errors.  Each object is written to its own JSON document, so every
// error is reported against the object it belongs to.

const execFileAsync = promisify(execFile);

export interface KubeValidator {
    /** The kubeconform binary. */
    kubeconform: string;
    /** Directory of the generated schemas ({kind}[-{group}]-{version}.json). */
    schemas: string;
    /** The Kubernetes version the schemas come from, e.g. "1.31.14". */
    kubernetesVersion: string;
    /** e.g. "v0.8.0". */
    kubeconformVersion: string;
}

export interface ManifestValidation {
    ok: boolean;
    /** One line per problem: "objects[<i>] <Kind>/<name>: <path>: <message>". */
    errors: string[];
}

/** Runs scripts/kube-validator.sh once per process (building the cache if needed) and returns its paths. */
export async function ensureKubeValidator(): Promise<KubeValidator> {
    const { script, env, stdout } = await scriptEnv("kube-validator.sh", 15 * 60_000);
    const v: KubeValidator = {
        kubeconform: env.KUBECONFORM,
        schemas: env.KUBE_SCHEMAS,
        kubernetesVersion: env.KUBE_VERSION,
        kubeconformVersion: env.KUBECONFORM_VERSION,
    };
    if (!v.kubeconform || !v.schemas || !v.kubernetesVersion) throw new Error(`unexpected output of ${script} --print-env:\n${stdout}`);
    if (!fs.existsSync(v.kubeconform)) throw new Error(`${v.kubeconform} does not exist`);
    return v;
}

/**
 * The object as the API server decodes it: undefined members dropped (as JSON serialisation does),
 * null object members dropped (the server treats an explicit null as "not set"; a null required
 * field is then reported as missing).  Nulls inside arrays are kept (they are errors).
 */
function normalise(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
    if (value !== null && typeof value === "object") {
        const json = (value as { toJSON?: () => unknown }).toJSON;
        if (typeof json === "function") return normalise(json.call(value));
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            if (v === undefined || v === null || typeof v === "function" || typeof v === "symbol") continue;
            out[k] = normalise(v);
        }
        return out;
    }
    return value;
}

interface KubeconformResult {
    filename: string;
    kind: string;
    name: string;
    version: string;
    status: string;
    msg: string;
}

/** Splits kubeconform's jsonschema message into its leaf errors ("<path>: <message>"). */
function leafErrors(msg: string): string[] {
    const out: string[] = [];
    for (const m of msg.matchAll(/- at '([^']*)': (.*?)(?=\s+- at '|$)/g)) {
        const text = m[2].trim();
        if (text === "validation failed" || /^(allOf|anyOf|oneOf) failed$/.test(text)) continue;
        out.push(`${m[1] || "/"}: ${text}`);
    }
    return out.length ? out : [msg];
}

/**
 * Validates Kubernetes objects (apiVersion, kind, metadata, ...) with kubeconform in strict mode
 * against the pinned Kubernetes version's schemas.  ok is true when every object is valid.
 */
export async function validateManifests(objects: object[]): Promise<ManifestValidation> {
    const v = await ensureKubeValidator();
    if (objects.length === 0) return { ok: true, errors: [] };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudengine-kubeconform-"));
    try {
        const labels: string[] = [];
        const files = objects.map((obj, i) => {
            const o = obj as { kind?: unknown; metadata?: { name?: unknown; generateName?: unknown } };
            labels.push(`objects[${i}] ${String(o?.kind ?? "(no kind)")}/${String(o?.metadata?.name ?? o?.metadata?.generateName ?? "(no name)")}`);
            // JSON rather than YAML: kubeconform reads YAML 1.1, where some plain scalars that
            // YAML 1.2 writers leave unquoted (1_000, 0o17) would change type.
            const file = path.join(dir, `${String(i).padStart(4, "0")}.json`);
            fs.writeFileSync(file, JSON.stringify(normalise(obj), null, 1) + "\n");
            return file;
        });
        const args = [
            "-strict",
            "-summary",
            "-verbose",
            "-output", "json",
            "-kubernetes-version", v.kubernetesVersion,
            "-schema-location", `${v.schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
            ...files,
        ];
        let stdout: string;
        let stderr = "";
        try {
            ({ stdout, stderr } = await execFileAsync(v.kubeconform, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }));
        } catch (e) {
            // exit status 1: some resource is invalid; the report is still on stdout
            const err = e as { code?: unknown; stdout?: string; stderr?: string; message: string };
            if (err.code !== 1 || !err.stdout) throw new Error(`kubeconform failed: ${err.message}\n${err.stderr ?? ""}`);
            stdout = err.stdout;
            stderr = err.stderr ?? "";
        }
        let report: { resources: KubeconformResult[] };
        try {
            report = JSON.parse(stdout);
        } catch {
            throw new Error(`kubeconform printed no JSON report:\n${stdout}\n${stderr}`);
        }
        const byFile = new Map<string, KubeconformResult[]>();
        for (const r of report.resources ?? []) {
            const list = byFile.get(r.filename) ?? [];
            list.push(r);
            byFile.set(r.filename, list);
        }
        const errors: string[] = [];
        files.forEach((file, i) => {
            const results = byFile.get(file) ?? [];
            if (results.length === 0) {
                errors.push(`${labels[i]}: not validated (kubeconform reported nothing for it)`);
                return;
            }
            for (const r of results) {
                if (r.status === "statusValid") continue;
                if (r.status === "statusInvalid") {
                    for (const e of leafErrors(r.msg)) errors.push(`${labels[i]}: ${e}`);
                } else {
                    errors.push(`${labels[i]}: ${r.status === "statusSkipped" ? "skipped" : r.msg || r.status}`);
                }
            }
        });
        return { ok: errors.length === 0, errors };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
