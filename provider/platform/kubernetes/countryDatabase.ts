import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COUNTRY_DATABASE_DIR, COUNTRY_DATABASE_PATH } from "../../render/proxy/country";
import { checksum, contentName, metadata, objectLabels, objectName } from "./naming";

// The Gateway's country database on Kubernetes. The file is megabytes, a ConfigMap holds at most 1 MiB:
// the Gateway stores it in immutable ConfigMaps of PART_BYTES each (named after their content, so a new
// database rolls the load balancers), and every load balancer mounts them and puts the file together in
// an emptyDir with an init container before nginx starts. Stored as it is (no compression): the same
// bytes on every machine, so previews stay clean whatever zlib a machine has.

/** Below the 1 MiB a ConfigMap may hold, with room for its key. */
const PART_BYTES = 768 * 1024;
const PART_KEY = "part";
const PARTS_DIR = "/etc/cloudengine/geoip-parts";

/** The ConfigMaps of the database, created under the Gateway; their names, in order. */
export function countryDatabaseConfigMaps(parent: pulumi.ComponentResource, gatewayName: string, slug: string, database: Buffer): {
    names: string[];
    configMaps: k8s.core.v1.ConfigMap[];
} {
    const base = objectName("gateway", slug, "country");
    const labels = objectLabels("load-balancer", base, "Gateway");
    const names: string[] = [];
    const configMaps: k8s.core.v1.ConfigMap[] = [];
    for (let offset = 0; offset < database.length; offset += PART_BYTES) {
        const index = names.length;
        const part = database.subarray(offset, offset + PART_BYTES);
        const name = contentName(objectName(base, String(index)), checksum(part));
        configMaps.push(new k8s.core.v1.ConfigMap(`${gatewayName}-country-${index}`, {
            metadata: metadata(name, labels.all),
            immutable: true,
            binaryData: { [PART_KEY]: part.toString("base64") },
        }, { parent }));
        names.push(name);
    }
    return { names, configMaps };
}

/** What a load balancer's pod adds for the database: the parts, the file's volume, the init container that joins them. */
export function countryDatabasePod(parts: string[] | undefined, container: { image: string; securityContext: k8s.types.input.core.v1.SecurityContext }): {
    volumes: k8s.types.input.core.v1.Volume[];
    mounts: k8s.types.input.core.v1.VolumeMount[];
    /** Absent without a database: the Deployment of a gateway without one is as before. */
    initContainers?: k8s.types.input.core.v1.Container[];
} {
    if (parts === undefined) return { volumes: [], mounts: [] };
    const file = { name: "country-database", mountPath: COUNTRY_DATABASE_DIR };
    const pieces = { name: "country-database-parts", mountPath: PARTS_DIR, readOnly: true };
    // Zero-padded, so the shell's sorted glob joins them in order.
    const pieceName = (index: number) => String(index).padStart(3, "0");
    return {
        volumes: [
            { name: file.name, emptyDir: { sizeLimit: `${Math.ceil((parts.length * PART_BYTES) / (1024 * 1024))}Mi` } },
            { name: pieces.name, projected: { sources: parts.map((name, i) => ({ configMap: { name, items: [{ key: PART_KEY, path: pieceName(i) }] } })) } },
        ],
        mounts: [{ ...file, readOnly: true }],
        initContainers: [{
            name: "country-database",
            image: container.image,
            command: ["sh", "-c", `cat ${PARTS_DIR}/* > ${COUNTRY_DATABASE_PATH}`],
            securityContext: container.securityContext,
            resources: { requests: { cpu: "10m", memory: "16Mi" } },
            volumeMounts: [file, pieces],
        }],
    };
}
