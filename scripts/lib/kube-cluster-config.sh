# The local cluster's fixed facts, shared by scripts/kube-cluster.sh and its teardown. Source it.
#
# Addresses: the node is the host itself, on a bridge of its own (KC_BRIDGE) whose address KC_NODE_IP is
# the pods' gateway and where the API server, the kubelet and DNS listen; nothing listens on the host's
# other interfaces (NodePorts answer on KC_NODE_IP and 127.0.0.1 only).

KC_DIR="${CLOUDENGINE_KUBE_CLUSTER_DIR:-/var/lib/cloudengine-kube}"   # data; logs stay here after a stop
KC_RUN=/run/cloudengine-kube                                          # sockets, pids, containerd state
KC_STATE="$KC_DIR/state"      # one start's state (certificates, etcd, containerd, kubelet, volumes): removed by stop
KC_LOGS="$KC_DIR/logs"        # one start's logs: kept after a stop, removed by the next start
KC_REGISTRY_DATA="$KC_DIR/registry"   # the registry's storage: kept across starts (stop --purge removes it)
KC_KUBECONFIG="$KC_DIR/kubeconfig"    # the administrator's kubeconfig of the running cluster

KC_NODE_NAME=cloudengine-node
KC_BRIDGE=cek8s0
KC_NODE_IP=10.244.0.1
KC_POD_CIDR=10.244.0.0/24
KC_SERVICE_CIDR=10.96.0.0/24
KC_DNS_IP=10.96.0.10
KC_CLUSTER_DOMAIN=cluster.local
KC_API_PORT=6443
KC_API_URL="https://$KC_NODE_IP:$KC_API_PORT"
KC_ETCD_PORT=12379
KC_ETCD_PEER_PORT=12380
KC_METRICS_PORT=4443   # metrics-server, on the node's address
KC_REGISTRY="127.0.0.1:${CLOUDENGINE_KUBE_REGISTRY_PORT:-5000}"
KC_CNI_NETWORK=cloudengine-kube
# The pre-made volumes LeanCache's claims bind to (hostPath, Retain: scripts/lib/volume-reclaimer.mjs frees them): count and size.
KC_VOLUMES=12
KC_VOLUME_SIZE=64Gi

# Images the package and the cluster run by default, from the local Docker engine (scripts/base-images.sh
# builds them), mirrored into the registry: containerd pulls docker.io and registry.k8s.io from it.
KC_MIRRORED_IMAGES=(nginx:1.28-bookworm redis:6.2-bookworm haproxy:2.6-bookworm debian:bookworm-slim)
KC_PAUSE_IMAGE=registry.k8s.io/pause:3.10

# What the stop restores: host settings kubelet and kube-proxy change, saved by the first start.
KC_SYSCTLS=(net.ipv4.conf.all.route_localnet vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
KC_SYSCTL_SAVE="$KC_DIR/sysctl.saved"

# The order processes are stopped in (the kubelet first, so that it restarts nothing).
KC_PROCESSES=(kubelet volume-reclaimer metrics-server kube-proxy coredns kube-scheduler kube-controller-manager containerd registry kube-apiserver etcd)
