#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine (root), for the Kubernetes platform's tests and
# for trying the package out:
#
#   bash scripts/kube-cluster.sh [start]    # (npm run kube-cluster) builds what is missing, starts,
#                                           # waits for a Ready node and cluster DNS; prints how to use it
#   bash scripts/kube-cluster.sh stop       # stops it and removes what it made on the host
#   bash scripts/kube-cluster.sh stop --purge   # ... and its data (registry, logs)
#   bash scripts/kube-cluster.sh status     # exit 0 when it runs and the node is Ready
#   eval "$(bash scripts/kube-cluster.sh --print-env)"   # KUBECONFIG, CLOUDENGINE_KUBE_REGISTRY,
#                                                          # CLOUDENGINE_KUBE_CONTAINERD (the node's containerd socket)
#
# What runs (the Kubernetes commands and add-ons of scripts/kube-cluster-binaries.sh, etcd of
# scripts/kube-apiserver.sh, Debian's containerd, runc, CNI plugins and conntrack):
#   etcd, kube-apiserver (Node + RBAC authorization, a token per component), kube-controller-manager,
#   kube-scheduler; the node: a containerd of its own (CRI; its own socket, root and state, beside
#   Docker's), kubelet and kube-proxy (iptables); pods on a bridge of their own (CNI bridge + host-local
#   + portmap); CoreDNS answering cluster.local on the node's address, behind the kube-dns Service; a
#   distribution registry on $KC_REGISTRY that mirrors docker.io and registry.k8s.io for the node (the
#   default images of the package, from the local Docker engine, and a pause image built here), where
#   apps built from source are pushed (cloudengine:kubernetes.imageRegistry); $KC_VOLUMES pre-made
#   hostPath PersistentVolumes of the default StorageClass (scrubbed and freed when released, by
#   scripts/lib/volume-reclaimer.mjs); metrics-server behind the aggregated metrics.k8s.io API (for
#   HorizontalPodAutoscalers).
#   No load balancer implementation: LoadBalancer Services stay pending, NodePorts answer on 127.0.0.1.
#
# Every start begins with a teardown of whatever an earlier start left (scripts/lib/kube-cluster-teardown.sh),
# so a killed test run never blocks the next one.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib/kube-cluster-config.sh"
source "$HERE/lib/kube-cluster-teardown.sh"
source "$HERE/lib/kube-cluster-pki.sh"

log() { printf '[kube-cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '[kube-cluster %s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

START_TIMEOUT="${KUBE_CLUSTER_START_TIMEOUT:-120}"

usage() { die "usage: $0 start | stop [--purge] | status | --print-env"; }

# ---- helpers ---------------------------------------------------------------------------------------

run_bg() { # name, command... -> started in its own session, pid in $KC_RUN/<name>.pid, log in $KC_LOGS
  local name=$1
  shift
  setsid "$@" >"$KC_LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$KC_RUN/$name.pid"
}

wait_for() { # what, seconds, process name (checked alive) or "", command...
  local what=$1 seconds=$2 proc=$3 deadline
  shift 3
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$proc" && -z "$(kc_pids_of "$proc")" ]]; then
      tail -n 20 "$KC_LOGS/$proc.log" >&2 || true
      die "$proc exited while waiting for $what (log above; full log: $KC_LOGS/$proc.log)"
    fi
    if ((SECONDS > deadline)); then
      [[ -n "$proc" ]] && { tail -n 20 "$KC_LOGS/$proc.log" >&2 || true; }
      die "timed out after ${seconds}s waiting for $what${proc:+ (log: $KC_LOGS/$proc.log)}"
    fi
    sleep 0.2
  done
}

kube_proxy_synced() {
  curl -sf http://127.0.0.1:10256/healthz &&
    iptables -w -t nat -S OUTPUT | grep -q -- '-j KUBE-SERVICES' &&
    iptables -w -t nat -S KUBE-SERVICES | grep -q 'default/kubernetes:https'
}

api() { # method, path, [json body] -> the response body; fails on an HTTP error
  local method=$1 path=$2 body=${3:-}
  curl -sS --fail-with-body --cacert "$KC_STATE/pki/ca.crt" -H "Authorization: Bearer $(cat "$KC_STATE/pki/admin.token")" \
    -X "$method" ${body:+-H 'Content-Type: application/json' --data-binary "$body"} "$KC_API_URL$path"
}

create() { # collection path, json -> creates the object (an existing one is fine)
  local out
  if ! out="$(api POST "$1" "$2" 2>&1)"; then
    grep -q '"reason":"AlreadyExists"' <<<"$out" || die "creating an object in $1 failed: $out"
  fi
}

node_ready() {
  api GET "/api/v1/nodes/$KC_NODE_NAME" | node -e '
    const n = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.exit((n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? 0 : 1);'
}

# ---- steps of a start ------------------------------------------------------------------------------

check_host() {
  [[ $EUID -eq 0 ]] || die "the local cluster needs root (kubelet, containerd, iptables, mounts)"
  local missing=() c
  for c in containerd runc ctr conntrack iptables ip openssl curl node docker setsid; do command -v "$c" >/dev/null || missing+=("$c"); done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap && -x /usr/lib/cni/loopback ]] || missing+=("CNI plugins")
  if ((${#missing[@]})); then
    log "installing Debian's containerd, runc, containernetworking-plugins, conntrack, iptables (missing: ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      containerd runc containernetworking-plugins conntrack iptables iproute2 >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        containerd runc containernetworking-plugins conntrack iptables iproute2 >/dev/null; } \
      || die "apt-get install containerd runc containernetworking-plugins conntrack iptables failed"
    # Debian's package starts a containerd of its own; this cluster runs its own instance.
    (systemctl disable --now containerd || service containerd stop) >/dev/null 2>&1 || true
  fi
  [[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" == 1 ]] \
    || { modprobe br_netfilter 2>/dev/null; sysctl -q -w net.bridge.bridge-nf-call-iptables=1 >/dev/null 2>&1; } \
    || die "bridged pod traffic must pass iptables (kube-proxy's Service rules): load br_netfilter"
  sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
}

binaries() {
  eval "$(bash "$HERE/kube-cluster-binaries.sh" --print-env)"
  eval "$(bash "$HERE/kube-apiserver.sh" --print-env | grep -E '^ETCD=')"
  bash "$HERE/kube-cluster-binaries.sh" >/dev/null   # builds on first use (minutes, with progress)
  bash "$HERE/kube-apiserver.sh" >/dev/null
  BIN="$KUBE_BIN_DIR"
}

save_sysctls() {
  [[ -f "$KC_SYSCTL_SAVE" ]] && return 0
  local key
  for key in "${KC_SYSCTLS[@]}"; do echo "$key $(sysctl -n "$key" 2>/dev/null)"; done > "$KC_SYSCTL_SAVE"
}

network() {
  ip link add "$KC_BRIDGE" type bridge
  ip addr add "$KC_NODE_IP/${KC_POD_CIDR#*/}" dev "$KC_BRIDGE"
  ip link set "$KC_BRIDGE" up
  # Docker sets the FORWARD policy to DROP: let pod traffic through (bridged and routed).
  iptables -w -N CLOUDENGINE-KUBE-FORWARD
  iptables -w -A CLOUDENGINE-KUBE-FORWARD -i "$KC_BRIDGE" -j ACCEPT
  iptables -w -A CLOUDENGINE-KUBE-FORWARD -o "$KC_BRIDGE" -j ACCEPT
  iptables -w -I FORWARD 1 -j CLOUDENGINE-KUBE-FORWARD
  mkdir -p "$KC_STATE/cni"
  cat > "$KC_STATE/cni/10-$KC_CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$KC_CNI_NETWORK",
  "plugins": [
    { "type": "bridge", "bridge": "$KC_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$KC_RUN/cni-ipam",
                "ranges": [[{ "subnet": "$KC_POD_CIDR", "gateway": "$KC_NODE_IP" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

start_etcd() {
  run_bg etcd "$ETCD" --name cloudengine-kube --data-dir "$KC_STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$KC_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$KC_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$KC_ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$KC_ETCD_PEER_PORT" \
    --initial-cluster "cloudengine-kube=http://127.0.0.1:$KC_ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  wait_for "etcd" 30 etcd curl -sf "http://127.0.0.1:$KC_ETCD_PORT/health"
}

start_apiserver() {
  local pki="$KC_STATE/pki"
  run_bg kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$KC_ETCD_PORT" \
    --bind-address "$KC_NODE_IP" --advertise-address "$KC_NODE_IP" --secure-port "$KC_API_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --token-auth-file "$pki/tokens.csv" --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-cluster-ip-range "$KC_SERVICE_CIDR" \
    --service-account-issuer "https://kubernetes.default.svc.$KC_CLUSTER_DOMAIN" \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --allow-privileged=true --profiling=false --v=1
  wait_for "the API server to be ready" 60 kube-apiserver api GET /readyz
}

start_controllers() {
  local pki="$KC_STATE/pki"
  kc_kubeconfig kube-controller-manager "$KC_STATE/kube-controller-manager.kubeconfig"
  kc_kubeconfig kube-scheduler "$KC_STATE/kube-scheduler.kubeconfig"
  run_bg kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$KC_STATE/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$KC_STATE/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$KC_STATE/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$KC_SERVICE_CIDR" \
    --profiling=false --v=1
  run_bg kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$KC_STATE/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$KC_STATE/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$KC_STATE/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false --v=1
}

start_registry() {
  mkdir -p "$KC_REGISTRY_DATA"
  cat > "$KC_STATE/registry.yml" <<EOF
version: 0.1
log: { level: warn, accesslog: { disabled: true } }
storage:
  filesystem: { rootdirectory: $KC_REGISTRY_DATA }
  delete: { enabled: true }
http:
  addr: $KC_REGISTRY
EOF
  OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none run_bg registry "$BIN/registry" serve "$KC_STATE/registry.yml"
  wait_for "the registry on $KC_REGISTRY" 20 registry curl -sf "http://$KC_REGISTRY/v2/"
}

# The node pulls these through the registry: the package's default images (from the local Docker engine)
# under docker.io's names, and the pause image under registry.k8s.io's.
mirror_images() {
  bash "$HERE/docker-up.sh" >/dev/null
  bash "$HERE/base-images.sh" >/dev/null
  if ! docker image inspect "$KC_PAUSE_IMAGE" >/dev/null 2>&1; then
    local ctx
    ctx="$(mktemp -d)"
    cp "$BIN/pause" "$ctx/pause"
    printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$ctx/Dockerfile"
    docker build -q -t "$KC_PAUSE_IMAGE" --label cloudengine.test-image=true "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
  local image target
  for image in "${KC_MIRRORED_IMAGES[@]}" "$KC_PAUSE_IMAGE"; do
    case "$image" in
      registry.k8s.io/*) target="$KC_REGISTRY/${image#registry.k8s.io/}" ;;
      */*) target="$KC_REGISTRY/$image" ;;
      *) target="$KC_REGISTRY/library/$image" ;;
    esac
    docker tag "$image" "$target"
    docker push -q "$target" >/dev/null || die "docker push $target failed"
    docker rmi "$target" >/dev/null
  done
}

start_containerd() {
  local mirrors="" host
  for host in docker.io registry.k8s.io "$KC_REGISTRY"; do
    mirrors+="    [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"$host\"]
      endpoint = [\"http://$KC_REGISTRY\"]
"
  done
  cat > "$KC_STATE/containerd.toml" <<EOF
version = 2
root = "$KC_STATE/containerd"
state = "$KC_RUN/containerd"
[grpc]
  address = "$KC_RUN/containerd.sock"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$KC_STATE/containerd-opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$KC_PAUSE_IMAGE"
    # This machine's kernel refuses negative OOM score adjustments to root without CAP_SYS_RESOURCE
    # (runc then fails with "can't get final child's PID from pipe"): keep the kubelet's within bounds.
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$KC_STATE/cni"
    [plugins."io.containerd.grpc.v1.cri".registry.mirrors]
$mirrors
EOF
  run_bg containerd containerd --config "$KC_STATE/containerd.toml"
  wait_for "containerd" 30 containerd ctr --address "$KC_RUN/containerd.sock" version
}

start_kubelet() {
  local pki="$KC_STATE/pki"
  kc_kubeconfig kubelet "$KC_STATE/kubelet.kubeconfig"
  cat > "$KC_STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $KC_NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki/kubelet.crt
tlsPrivateKeyFile: $pki/kubelet.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $pki/ca.crt }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://$KC_RUN/containerd.sock
cgroupDriver: cgroupfs
failSwapOn: false
clusterDNS: [$KC_DNS_IP]
clusterDomain: $KC_CLUSTER_DOMAIN
podLogsDir: $KC_STATE/pod-logs
# A test machine's disk is shared with Docker's images: evict only when really short.
evictionHard: { memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2% }
imageGCHighThresholdPercent: 100
serializeImagePulls: false
maxPods: 110
EOF
  run_bg kubelet "$BIN/kubelet" --config "$KC_STATE/kubelet.yaml" --kubeconfig "$KC_STATE/kubelet.kubeconfig" \
    --root-dir "$KC_STATE/kubelet" --cert-dir "$KC_STATE/kubelet-pki" \
    --hostname-override "$KC_NODE_NAME" --node-ip "$KC_NODE_IP" --v=1
}

start_kube_proxy() {
  kc_kubeconfig kube-proxy "$KC_STATE/kube-proxy.kubeconfig"
  cat > "$KC_STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $KC_STATE/kube-proxy.kubeconfig }
mode: iptables
clusterCIDR: $KC_POD_CIDR
hostnameOverride: $KC_NODE_NAME
bindAddress: $KC_NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts on the node's bridge address and 127.0.0.1 only, never on the host's other interfaces.
nodePortAddresses: [$KC_NODE_IP/32, 127.0.0.0/8]
# 0: leave the host's conntrack table size alone.
conntrack: { maxPerCore: 0, min: 0 }
EOF
  run_bg kube-proxy "$BIN/kube-proxy" --config "$KC_STATE/kube-proxy.yaml" --v=1
}

start_coredns() {
  kc_kubeconfig coredns "$KC_STATE/coredns.kubeconfig"
  create /apis/rbac.authorization.k8s.io/v1/clusterroles '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:coredns"},"rules":[{"apiGroups":[""],"resources":["services","pods","namespaces"],"verbs":["list","watch"]},{"apiGroups":["discovery.k8s.io"],"resources":["endpointslices"],"verbs":["list","watch"]}]}'
  create /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"system:coredns"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:coredns"},"subjects":[{"kind":"User","name":"system:coredns"}]}'
  cat > "$KC_STATE/Corefile" <<EOF
.:53 {
    bind $KC_NODE_IP
    ready 127.0.0.1:18181
    health 127.0.0.1:18080
    errors
    cache 5
    kubernetes $KC_CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $KC_STATE/coredns.kubeconfig cloudengine-kube
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
}
EOF
  run_bg coredns "$BIN/coredns" -conf "$KC_STATE/Corefile"
  # The kube-dns Service pods resolve through: the node's address, as an EndpointSlice of its own.
  create /api/v1/namespaces/kube-system/services "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"kube-dns\",\"namespace\":\"kube-system\",\"labels\":{\"k8s-app\":\"kube-dns\"}},\"spec\":{\"clusterIP\":\"$KC_DNS_IP\",\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"},{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\"}]}}"
  create /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"kube-dns-node\",\"namespace\":\"kube-system\",\"labels\":{\"kubernetes.io/service-name\":\"kube-dns\",\"endpointslice.kubernetes.io/managed-by\":\"cloudengine-kube-cluster\"}},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"$KC_NODE_IP\"],\"conditions\":{\"ready\":true},\"nodeName\":\"$KC_NODE_NAME\"}],\"ports\":[{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"},{\"name\":\"dns-tcp\",\"port\":53,\"protocol\":\"TCP\"}]}"
  wait_for "CoreDNS" 30 coredns curl -sf http://127.0.0.1:18181/ready
}

# metrics-server on the node's address, behind an aggregated API (metrics.k8s.io) that the API server
# reaches through a Service whose EndpointSlice names that address: HorizontalPodAutoscalers read it.
start_metrics_server() {
  local pki="$KC_STATE/pki"
  kc_kubeconfig metrics-server "$KC_STATE/metrics-server.kubeconfig"
  create /apis/rbac.authorization.k8s.io/v1/clusterroles '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:metrics-server"},"rules":[{"apiGroups":[""],"resources":["nodes/metrics"],"verbs":["get"]},{"apiGroups":[""],"resources":["pods","nodes"],"verbs":["get","list","watch"]}]}'
  create /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"system:metrics-server"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:metrics-server"},"subjects":[{"kind":"User","name":"system:metrics-server"}]}'
  create /apis/rbac.authorization.k8s.io/v1/clusterrolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"metrics-server:system:auth-delegator"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:auth-delegator"},"subjects":[{"kind":"User","name":"system:metrics-server"}]}'
  create /apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"metrics-server-auth-reader","namespace":"kube-system"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"extension-apiserver-authentication-reader"},"subjects":[{"kind":"User","name":"system:metrics-server"}]}'
  run_bg metrics-server "$BIN/metrics-server" \
    --kubeconfig "$KC_STATE/metrics-server.kubeconfig" \
    --authentication-kubeconfig "$KC_STATE/metrics-server.kubeconfig" \
    --authorization-kubeconfig "$KC_STATE/metrics-server.kubeconfig" \
    --bind-address "$KC_NODE_IP" --secure-port "$KC_METRICS_PORT" --cert-dir "$KC_STATE/metrics-server" \
    --kubelet-preferred-address-types InternalIP --kubelet-certificate-authority "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/metrics-server-kubelet-client.crt" --kubelet-client-key "$pki/metrics-server-kubelet-client.key" \
    --metric-resolution 10s --kubelet-request-timeout 5s --v=1
  create /api/v1/namespaces/kube-system/services "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"metrics-server\",\"namespace\":\"kube-system\"},\"spec\":{\"ports\":[{\"name\":\"https\",\"port\":443,\"targetPort\":$KC_METRICS_PORT,\"protocol\":\"TCP\"}]}}"
  create /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"metrics-server-node\",\"namespace\":\"kube-system\",\"labels\":{\"kubernetes.io/service-name\":\"metrics-server\",\"endpointslice.kubernetes.io/managed-by\":\"cloudengine-kube-cluster\"}},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"$KC_NODE_IP\"],\"conditions\":{\"ready\":true},\"nodeName\":\"$KC_NODE_NAME\"}],\"ports\":[{\"name\":\"https\",\"port\":$KC_METRICS_PORT,\"protocol\":\"TCP\"}]}"
  # Its serving certificate is self-signed (made in --cert-dir): the API server does not verify it.
  create /apis/apiregistration.k8s.io/v1/apiservices '{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1beta1.metrics.k8s.io"},"spec":{"group":"metrics.k8s.io","version":"v1beta1","service":{"namespace":"kube-system","name":"metrics-server","port":443},"insecureSkipTLSVerify":true,"groupPriorityMinimum":100,"versionPriority":100}}'
  wait_for "the resource metrics API (metrics-server)" 60 metrics-server api GET /apis/metrics.k8s.io/v1beta1/nodes
}

make_volumes() {
  create /apis/storage.k8s.io/v1/storageclasses '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"local","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"kubernetes.io/no-provisioner","volumeBindingMode":"WaitForFirstConsumer","reclaimPolicy":"Delete"}'
  local i dir
  for ((i = 1; i <= KC_VOLUMES; i++)); do
    dir="$KC_STATE/volumes/pv$i"
    mkdir -p "$dir"
    chmod 1777 "$dir"   # pods run as their own users; hostPath ignores fsGroup
    create /api/v1/persistentvolumes "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",\"metadata\":{\"name\":\"local-pv$i\"},\"spec\":{\"storageClassName\":\"local\",\"capacity\":{\"storage\":\"$KC_VOLUME_SIZE\"},\"accessModes\":[\"ReadWriteOnce\"],\"persistentVolumeReclaimPolicy\":\"Retain\",\"hostPath\":{\"path\":\"$dir\",\"type\":\"Directory\"},\"nodeAffinity\":{\"required\":{\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"kubernetes.io/hostname\",\"operator\":\"In\",\"values\":[\"$KC_NODE_NAME\"]}]}]}}}}"
  done
  run_bg volume-reclaimer node "$HERE/lib/volume-reclaimer.mjs" "$KC_API_URL" "$KC_STATE/pki/ca.crt" "$KC_STATE/pki/admin.token" local
}

start() {
  local began=$SECONDS
  check_host
  binaries
  log "removing what an earlier start left, if anything"
  kc_teardown
  rm -rf "$KC_LOGS"
  mkdir -p "$KC_RUN" "$KC_STATE" "$KC_LOGS"
  save_sysctls
  kc_make_pki
  network
  start_etcd
  start_apiserver
  start_registry
  start_controllers
  mirror_images
  start_containerd
  start_kubelet
  start_kube_proxy
  start_coredns
  start_metrics_server
  make_volumes
  wait_for "node $KC_NODE_NAME to be Ready" "$START_TIMEOUT" kubelet node_ready
  # Pods need their namespace's default ServiceAccount (the controller manager makes it).
  wait_for "the default ServiceAccount" 60 kube-controller-manager api GET /api/v1/namespaces/default/serviceaccounts/default
  # Services work once kube-proxy has written its rules. Its health check can answer before the first
  # sync (seen on a cold start), so wait for the rules themselves: the kubernetes Service's, reached from
  # the host's own traffic.
  wait_for "kube-proxy's first sync of the Service rules" 60 kube-proxy kube_proxy_synced
  kc_kubeconfig admin "$KC_KUBECONFIG"
  log "cluster ready in $((SECONDS - began))s: node $KC_NODE_NAME, Kubernetes v$KUBE_VERSION, API $KC_API_URL"
  log "use it: export KUBECONFIG=$KC_KUBECONFIG; registry: $KC_REGISTRY (pulumi config set --path cloudengine:kubernetes.imageRegistry $KC_REGISTRY/cloudengine)"
  log "stop it: npm run kube-cluster -- stop"
}

status() {
  [[ -f "$KC_STATE/pki/admin.token" ]] || { echo "not running"; return 1; }
  local name down=()
  for name in "${KC_PROCESSES[@]}"; do [[ -n "$(kc_pids_of "$name")" ]] || down+=("$name"); done
  ((${#down[@]} == 0)) || { echo "not running: ${down[*]}"; return 1; }
  node_ready || { echo "running; node $KC_NODE_NAME not Ready"; return 1; }
  echo "running; node $KC_NODE_NAME Ready; KUBECONFIG=$KC_KUBECONFIG; registry $KC_REGISTRY"
}

case "${1:-start}" in
  start) [[ $# -le 1 ]] || usage; start ;;
  stop)
    [[ $# -eq 1 || "${2:-}" == --purge ]] || usage
    [[ $EUID -eq 0 ]] || die "stopping the local cluster needs root"
    kc_teardown
    [[ "${2:-}" == --purge ]] && rm -rf "$KC_DIR"
    log "stopped; nothing of the cluster is left running on the host${2:+ (data removed)}"
    ;;
  status) status ;;
  --print-env) echo "KUBECONFIG=$KC_KUBECONFIG"; echo "CLOUDENGINE_KUBE_REGISTRY=$KC_REGISTRY"; echo "CLOUDENGINE_KUBE_CONTAINERD=$KC_RUN/containerd.sock" ;;
  *) usage ;;
esac
