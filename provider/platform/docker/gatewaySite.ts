import * as pulumi from "@pulumi/pulumi";
import { ownResource } from "../../components/ownResource";
import { NGINX_PID_FILE } from "../../render/proxy/nginxBase";
import { GATEWAY_SITES_DIR } from "../../render/proxy/siteGatewayConf";
import { tlsCertificatePath } from "../../render/proxy/model";
import { PROXY_CONF_PATH } from "../proxyProcess";
import { dockerCall, dockerExec } from "./engineCall";
import { tar } from "./tar";

// One site (an app environment's hostnames, or a Domain) loaded into the Docker gateway's nginx: its
// file (and certificate) is copied into the running gateway, checked with `nginx -t` together with every
// other site, and loaded with a reload (old workers finish their requests). A site nginx refuses is taken
// out again, the previous version of it restored, and the deployment fails with nginx's message; the
// other sites never notice. Sites are applied one at a time (a lock inside the gateway), so a broken site
// never fails another's check. Delete takes the files out and reloads. The provider closure must stay
// self-contained: Pulumi serializes it into state.

export interface GatewaySiteInputs {
    /** Docker host, as docker:host / DOCKER_HOST (unix:// or tcp://). */
    host: string;
    /** What the user calls the site in messages, e.g. `Domain "shop"`. */
    what: string;
    /** The gateway container's ID: a new gateway gets every site anew. */
    container: string;
    siteId: string;
    /** The site's nginx configuration (renderGatewaySite). */
    conf: string;
    /** PEM certificate and key when the site terminates TLS; the key is a secret. */
    certificate?: string;
    privateKey?: string;
}

/** Exit codes of the apply script that the provider explains. */
const REFUSED = 3;

// Run inside the gateway as `sh -c SCRIPT sh <apply|remove> <site id> <nginx.conf> <sites dir> <tls dir> <pid file>`.
// The files of the site are staged under <base>/staging/<id>/ by the upload; the lock serializes sites.
const SCRIPT = `set -u
mode=$1 id=$2 conf=$3 sites=$4 tls=$5 pidfile=$6
stage=/etc/cloudengine/staging/$id keep=/etc/cloudengine/previous/$id
exec 9>/tmp/cloudengine-sites.lock
flock 9
master=$(cat "$pidfile") || exit 2
before=" $(echo $(cat /proc/$master/task/*/children 2>/dev/null)) "
files="$sites/$id.conf $tls/$id.crt $tls/$id.key"
rm -rf "$keep" && mkdir -p "$keep" "$sites" "$tls" || exit 2
for f in $files; do if [ -e "$f" ]; then mv "$f" "$keep/$(basename "$f")"; fi; done
if [ "$mode" = apply ]; then
  for f in $files; do if [ -e "$stage/$(basename "$f")" ]; then mv "$stage/$(basename "$f")" "$f"; fi; done
fi
rm -rf "$stage"
if ! out=$(nginx -t -q -c "$conf" 2>&1); then
  for f in $files; do rm -f "$f"; if [ -e "$keep/$(basename "$f")" ]; then mv "$keep/$(basename "$f")" "$f"; fi; done
  rm -rf "$keep"
  echo "$out"
  exit ${REFUSED}
fi
rm -rf "$keep"
nginx -s reload -c "$conf" || exit 2
# Loaded once a new worker runs and no old worker still takes requests (old ones finish theirs,
# titled "worker process is shutting down").
i=0
while [ $i -lt 100 ]; do
  fresh=0 stale=0
  for p in $(cat /proc/$master/task/*/children 2>/dev/null); do
    title=$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null) || continue
    case "$title" in *"shutting down"*) continue ;; *"worker process"*) ;; *) continue ;; esac
    case "$before" in *" $p "*) stale=1 ;; *) fresh=1 ;; esac
  done
  if [ $fresh = 1 ] && [ $stale = 0 ]; then exit 0; fi
  i=$((i + 1))
  sleep 0.1
done
echo "nginx did not switch its workers to the new configuration within 10 s"
exit 2
`;

function siteFiles(inputs: GatewaySiteInputs): { name: string; type: "file"; mode: number; data: Buffer }[] {
    const stage = `etc/cloudengine/staging/${inputs.siteId}`;
    const files = [{ name: `${stage}/${inputs.siteId}.conf`, type: "file" as const, mode: 0o644, data: Buffer.from(inputs.conf) }];
    if (inputs.certificate !== undefined && inputs.privateKey !== undefined) {
        files.push(
            { name: `${stage}/${inputs.siteId}.crt`, type: "file", mode: 0o644, data: Buffer.from(inputs.certificate) },
            { name: `${stage}/${inputs.siteId}.key`, type: "file", mode: 0o600, data: Buffer.from(inputs.privateKey) },
        );
    }
    return files;
}

function dirOf(path: string): string {
    return path.slice(0, path.lastIndexOf("/"));
}

async function runScript(inputs: GatewaySiteInputs, mode: "apply" | "remove"): Promise<{ exitCode: number; output: string }> {
    return dockerExec(inputs.host, inputs.container, ["sh", "-c", SCRIPT, "sh", mode, inputs.siteId, PROXY_CONF_PATH, GATEWAY_SITES_DIR, dirOf(tlsCertificatePath(inputs.siteId)), NGINX_PID_FILE]);
}

async function applySite(inputs: GatewaySiteInputs): Promise<void> {
    const uploaded = await dockerCall(inputs.host, "PUT", `/containers/${encodeURIComponent(inputs.container)}/archive?path=/`, tar(siteFiles(inputs)));
    if (uploaded.status !== 200) throw new Error(`${inputs.what}: cannot copy the site into the gateway container ${inputs.container.slice(0, 12)}: ${uploaded.status} ${uploaded.body.toString().trim()}`);
    const result = await runScript(inputs, "apply");
    if (result.exitCode === REFUSED) {
        throw new Error(`${inputs.what}: the gateway's nginx refused the site's configuration, so it was not loaded (the other sites keep serving):\n${result.output.trim()}`);
    }
    if (result.exitCode !== 0) throw new Error(`${inputs.what}: loading the site into the gateway failed (exit ${result.exitCode}): ${result.output.trim()}`);
}

function sameSite(a: GatewaySiteInputs, b: GatewaySiteInputs): boolean {
    return a.host === b.host && a.conf === b.conf && a.certificate === b.certificate && a.privateKey === b.privateKey;
}

export const gatewaySiteProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: GatewaySiteInputs) {
        await applySite(inputs);
        return { id: `${inputs.container.slice(0, 12)}/${inputs.siteId}`, outs: inputs };
    },
    // Another gateway container or site id is another site (created before the old one is removed);
    // new content is loaded in place.
    async diff(_id: string, olds: GatewaySiteInputs, news: GatewaySiteInputs) {
        if (olds.container !== news.container || olds.siteId !== news.siteId) {
            return { changes: true, replaces: olds.container !== news.container ? ["container"] : ["siteId"], deleteBeforeReplace: false };
        }
        return { changes: !sameSite(olds, news) || olds.what !== news.what };
    },
    async update(_id: string, olds: GatewaySiteInputs, news: GatewaySiteInputs) {
        if (!sameSite(olds, news)) await applySite(news);
        return { outs: news };
    },
    async delete(_id: string, props: GatewaySiteInputs) {
        const gateway = await dockerCall(props.host, "GET", `/containers/${encodeURIComponent(props.container)}/json`);
        if (gateway.status === 404 || (gateway.status === 200 && !JSON.parse(gateway.body.toString()).State?.Running)) return; // its sites went with it
        const result = await runScript(props, "remove");
        if (result.exitCode !== 0) throw new Error(`${props.what}: removing the site from the gateway failed (exit ${result.exitCode}): ${result.output.trim()}`);
    },
};

/** The site loaded into the gateway; its id resolves once nginx serves it. */
export function gatewaySite(name: string, args: { [K in keyof GatewaySiteInputs]: pulumi.Input<GatewaySiteInputs[K]> }, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    return ownResource("GatewaySite", gatewaySiteProvider, name, args, { ...opts, additionalSecretOutputs: ["privateKey"] });
}
