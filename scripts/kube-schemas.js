#!/usr/bin/env node
// Convert a Kubernetes OpenAPI v2 document (api/openapi-spec/swagger.json) into the
// JSON schemas kubeconform loads from a local directory, in its "standalone-strict" form:
//
//   node scripts/kube-schemas.js <swagger.json> <output-dir>
//
// One file per kind and API version, named as kubeconform's default template
// "{{ .ResourceKind }}{{ .KindSuffix }}.json" resolves it (kubeconform pkg/registry):
//   <kind>-<first dot-separated component of the group>-<version>.json, all lower case,
//   <kind>-<version>.json for the core group:
//   deployment-apps-v1.json, ingress-networking-v1.json, service-v1.json.
// Each file is a JSON Schema draft 4 document (kubeconform compiles with draft 4 by default):
//   - self-contained: the definitions it uses, transitively, are copied into a local
//     "definitions" section and every $ref points at "#/definitions/<name>";
//   - strict: every object schema that declares properties gets additionalProperties: false
//     (unless marked x-kubernetes-preserve-unknown-fields), so unknown fields are errors;
//   - IntOrString (format int-or-string, x-kubernetes-int-or-string) accepts an integer or a
//     string, Quantity a string or a number, as the API server does;
//   - format int32 becomes minimum/maximum, format byte a base64 pattern (kubeconform does
//     not check those formats itself);
//   - "required" is kept; at the root apiVersion and kind are required and restricted to the
//     values in x-kubernetes-group-version-kind;
//   - descriptions, defaults and x-kubernetes-* annotations are dropped (they do not validate).
// Written for this project; it only uses Node's standard library.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
/** Standard, padded base64 ([]byte fields in JSON, e.g. Secret data). */
const BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

function usage(msg) {
    if (msg) console.error(`kube-schemas: ${msg}`);
    console.error("usage: node scripts/kube-schemas.js <swagger.json> <output-dir>");
    process.exit(2);
}

/** Keywords kept from an OpenAPI v2 schema object; everything else is dropped. */
const KEPT = new Set(["type", "format", "enum", "required", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems"]);

/** Converts one OpenAPI v2 schema object into draft 4, recording referenced definition names in refs. */
function convert(schema, refs) {
    if (schema === true || schema === false) return schema;
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
        throw new Error(`unexpected schema: ${JSON.stringify(schema)}`);
    }
    if (typeof schema.$ref === "string") {
        const m = /^#\/definitions\/(.+)$/.exec(schema.$ref);
        if (!m) throw new Error(`unsupported $ref ${schema.$ref}`);
        refs.add(m[1]);
        // draft 4 ignores keywords next to $ref; OpenAPI v2 only puts descriptions there
        return { $ref: `#/definitions/${m[1]}` };
    }
    if (schema["x-kubernetes-int-or-string"] === true || schema.format === "int-or-string") {
        return { type: ["integer", "string"] };
    }
    const out = {};
    for (const [k, v] of Object.entries(schema)) {
        if (KEPT.has(k)) out[k] = v;
    }
    if (schema.properties) {
        out.properties = {};
        for (const [name, sub] of Object.entries(schema.properties)) out.properties[name] = convert(sub, refs);
    }
    if (schema.items !== undefined) {
        if (Array.isArray(schema.items)) throw new Error("tuple items are not supported");
        out.items = convert(schema.items, refs);
    }
    for (const k of ["allOf", "anyOf", "oneOf"]) {
        if (Array.isArray(schema[k])) out[k] = schema[k].map((s) => convert(s, refs));
    }
    if (schema.not !== undefined) out.not = convert(schema.not, refs);
    if (schema.additionalProperties !== undefined) {
        out.additionalProperties = convert(schema.additionalProperties, refs);
    } else if (schema.properties && schema["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    if (out.type === undefined && schema.properties) out.type = "object";
    // kubeconform asserts no OpenAPI formats but date-time (and duration): spell out the two
    // that the API server enforces on decoding as keywords.
    if (schema.format === "int32" && out.type === "integer") {
        out.minimum ??= -2147483648;
        out.maximum ??= 2147483647;
    }
    if (schema.format === "byte" && out.type === "string" && out.pattern === undefined) {
        out.pattern = BASE64;
    }
    return out;
}

function main() {
    const [src, outDir] = process.argv.slice(2);
    if (!src || !outDir) usage();
    const swagger = JSON.parse(fs.readFileSync(src, "utf8"));
    if (swagger.swagger !== "2.0" || !swagger.definitions) usage(`${src} is not an OpenAPI v2 document with definitions`);
    const defs = swagger.definitions;

    // Every definition converted once; refs[name] = names it references directly.
    const converted = new Map();
    const directRefs = new Map();
    for (const [name, schema] of Object.entries(defs)) {
        const refs = new Set();
        let c;
        if (name === INT_OR_STRING) c = { type: ["integer", "string"] };
        else if (name === QUANTITY) c = { type: ["string", "number"] };
        else c = convert(schema, refs);
        converted.set(name, c);
        directRefs.set(name, refs);
    }
    for (const [name, refs] of directRefs) {
        for (const r of refs) if (!converted.has(r)) throw new Error(`${name} references the unknown definition ${r}`);
    }
    const closure = (name) => {
        const seen = new Set();
        const stack = [...directRefs.get(name)];
        while (stack.length) {
            const n = stack.pop();
            if (seen.has(n)) continue;
            seen.add(n);
            stack.push(...directRefs.get(n));
        }
        return [...seen].sort();
    };

    // file name -> { def, gvk }; a definition with a single GVK wins over a shared one
    // (meta/v1 DeleteOptions and WatchEvent are listed under every group version).
    const files = new Map();
    for (const [name, schema] of Object.entries(defs)) {
        const gvks = schema["x-kubernetes-group-version-kind"];
        if (!Array.isArray(gvks)) continue;
        for (const gvk of gvks) {
            const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
            const suffix = gvk.group ? `-${gvk.group.split(".")[0]}-${gvk.version}` : `-${gvk.version}`;
            const file = `${gvk.kind}${suffix}.json`.toLowerCase();
            const prev = files.get(file);
            if (prev) {
                const shared = gvks.length > 1;
                if (shared || !prev.shared) {
                    if (!shared) console.error(`kube-schemas: ${file}: keeping ${prev.def}, not ${name}`);
                    continue;
                }
            }
            files.set(file, { def: name, kind: gvk.kind, apiVersion, shared: gvks.length > 1 });
        }
    }

    fs.mkdirSync(outDir, { recursive: true });
    for (const f of fs.readdirSync(outDir)) if (f.endsWith(".json")) fs.unlinkSync(path.join(outDir, f));
    for (const [file, { def, kind, apiVersion }] of [...files].sort()) {
        const root = JSON.parse(JSON.stringify(converted.get(def)));
        root.type = "object";
        root.properties = root.properties || {};
        root.properties.apiVersion = { type: "string", enum: [apiVersion] };
        root.properties.kind = { type: "string", enum: [kind] };
        root.required = [...new Set(["apiVersion", "kind", ...(root.required || [])])];
        if (root.additionalProperties === undefined) root.additionalProperties = false;
        const doc = { $schema: "http://json-schema.org/draft-04/schema#", ...root };
        const used = closure(def);
        if (used.length) {
            doc.definitions = {};
            for (const n of used) doc.definitions[n] = converted.get(n);
        }
        fs.writeFileSync(path.join(outDir, file), JSON.stringify(doc) + "\n");
    }
    console.error(`kube-schemas: wrote ${files.size} schemas to ${outDir}`);
}

main();
