// The local cluster's reclaimer of its pre-made hostPath volumes: a volume whose claim was deleted
// (phase Released) has its directory emptied on the host (the node is the host) and its claim
// reference removed, so that it is Available again. It replaces the volume controller's Recycle
// policy, whose hostPath recycler shares one pod template between concurrent recycles: two volumes
// released together (a cache's two nodes) made one recycle wait forever for a pod of the wrong name.
//
//   node volume-reclaimer.mjs <API URL> <CA file> <token file> <storage class>
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";

const [apiUrl, caFile, tokenFile, storageClass] = process.argv.slice(2);
const ca = readFileSync(caFile);
const token = readFileSync(tokenFile, "utf8").trim();
const POLL_MS = 1000;

function api(method, path, body) {
    return new Promise((resolve, reject) => {
        const req = request(new URL(path, apiUrl), {
            method, ca,
            headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/merge-patch+json" } : {}) },
        }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString();
                if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`));
                else resolve(JSON.parse(text));
            });
        });
        req.on("error", reject);
        req.end(body ? JSON.stringify(body) : undefined);
    });
}

function scrub(dir) {
    for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    if (readdirSync(dir).length !== 0) throw new Error(`${dir} is not empty after the scrub`);
}

async function reclaimReleased() {
    const volumes = (await api("GET", "/api/v1/persistentvolumes")).items;
    for (const volume of volumes) {
        if (volume.spec.storageClassName !== storageClass || volume.status?.phase !== "Released") continue;
        const dir = volume.spec.hostPath?.path;
        if (!dir) continue;
        scrub(dir);
        // The resourceVersion makes the patch fail, rather than free a volume bound again meanwhile.
        await api("PATCH", `/api/v1/persistentvolumes/${volume.metadata.name}`, {
            metadata: { resourceVersion: volume.metadata.resourceVersion },
            spec: { claimRef: null },
        });
        console.log(`${new Date().toISOString()} ${volume.metadata.name}: released by ${volume.spec.claimRef?.namespace}/${volume.spec.claimRef?.name}, scrubbed, available again`);
    }
}

for (;;) {
    try {
        await reclaimReleased();
    } catch (err) {
        console.error(`${new Date().toISOString()} ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
}
