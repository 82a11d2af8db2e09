# Removes everything a start of the local cluster made on the host, whatever state it was left in (a
# clean stop, a killed test run, a half-done start): processes, pod processes and their cgroups, mounts,
# network namespaces, iptables chains, the bridge, host settings. Source it after kube-cluster-config.sh
# and call kc_teardown; every step tolerates what is already gone.

kc_pids_of() { # name -> the pids of its process group (from its pid file)
  local f="$KC_RUN/$1.pid"
  [[ -f "$f" ]] || return 0
  local pid
  pid="$(cat "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kc_alive "$pid" && echo "$pid"
  return 0
}

# Whether a pid is a live process (an ended one may stay a zombie for a while: this machine's init reaps
# every few seconds).
kc_alive() { [[ -r "/proc/$1/stat" ]] && [[ "$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)" != Z ]]; }

kc_kill_group() { # pid, name -> TERM to its process group, KILL after 10 s
  local pid=$1 name=$2 i
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kc_alive "$pid" || return 0; sleep 0.1; done
  printf '[kube-cluster] %s did not end within 10 s of SIGTERM: killed\n' "$name" >&2
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# The cgroup directories of pods, in every hierarchy (v1 controllers and a v2 tree), deepest first.
kc_pod_cgroups() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name 'kubepods*' 2>/dev/null | while read -r top; do
    find "$top" -depth -type d
  done
}

kc_kill_pods() {
  local dir pid left=1 i
  for ((i = 0; i < 50 && left; i++)); do
    left=0
    while read -r dir; do
      [[ -f "$dir/cgroup.procs" ]] || continue
      while read -r pid; do
        [[ -n "$pid" ]] && { kill -KILL "$pid" 2>/dev/null || true; left=1; }
      done < "$dir/cgroup.procs"
    done < <(kc_pod_cgroups)
    ((left)) && sleep 0.1
  done
  # The runc shims of this cluster's containerd (they outlive it).
  pkill -KILL -f -- "containerd-shim.*-address $KC_RUN/" 2>/dev/null || true
  while read -r dir; do rmdir "$dir" 2>/dev/null || true; done < <(kc_pod_cgroups)
}

kc_unmount_all() {
  local mp
  # Deepest first; mount points hold octal escapes (\040) for spaces: none of ours has one.
  awk '{print $5}' /proc/self/mountinfo \
    | { grep -E "^($KC_DIR/|$KC_RUN(/|$)|/run/netns/cni-|/var/run/netns/cni-)" || true; } \
    | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- \
    | while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
  rm -f /run/netns/cni-* 2>/dev/null || true
}

# Deletes every rule of the built-in chains that jumps to a chain named by the pattern, then those chains.
kc_drop_chains() { # command (iptables|ip6tables), table, chain pattern (ERE)
  local ipt=$1 table=$2 pattern=$3 rule chain
  command -v "$ipt" >/dev/null || return 0
  { "$ipt" -w -t "$table" -S 2>/dev/null || true; } | { grep -E "^-A [A-Z]+ .*-j ($pattern)( |$)" || true; } | { grep -Ev "^-A ($pattern) " || true; } | while read -r rule; do
    # shellcheck disable=SC2086  # the rule's words, as iptables -S printed them
    eval "$ipt -w -t $table ${rule/#-A/-D}" 2>/dev/null || true
  done
  for chain in $("$ipt" -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E "^($pattern)$"); do
    "$ipt" -w -t "$table" -F "$chain" 2>/dev/null || true
  done
  for chain in $("$ipt" -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E "^($pattern)$"); do
    "$ipt" -w -t "$table" -X "$chain" 2>/dev/null || true
  done
}

kc_clean_iptables() {
  # kubelet's and kube-proxy's KUBE-*, the CNI plugins' CNI-*, and this script's CLOUDENGINE-KUBE-*.
  local pattern='KUBE-[A-Z0-9-]+|CNI-[A-Za-z0-9-]+|CLOUDENGINE-KUBE-[A-Z-]+' table
  for table in filter nat mangle; do
    kc_drop_chains iptables "$table" "$pattern"
    kc_drop_chains ip6tables "$table" "$pattern"
  done
}

kc_restore_sysctls() {
  [[ -f "$KC_SYSCTL_SAVE" ]] || return 0
  local key value
  while read -r key value; do
    [[ -n "$key" && -n "$value" ]] && sysctl -q -w "$key=$value" >/dev/null 2>&1 || true
  done < "$KC_SYSCTL_SAVE"
  rm -f "$KC_SYSCTL_SAVE"
}

kc_teardown() {
  local name pid
  for name in "${KC_PROCESSES[@]}"; do
    [[ "$name" == containerd ]] && kc_kill_pods
    for pid in $(kc_pids_of "$name"); do kc_kill_group "$pid" "$name"; done
  done
  # Processes of an earlier start whose pid files are gone (a removed run directory): by their paths.
  pkill -KILL -f -- "--kubeconfig[= ]$KC_STATE/" 2>/dev/null || true
  pkill -KILL -f -- "(--config|-conf)[= ]$KC_STATE/" 2>/dev/null || true
  kc_kill_pods
  kc_unmount_all
  kc_clean_iptables
  ip link delete "$KC_BRIDGE" 2>/dev/null || true
  # kubelet links each container's log here, whatever its pod log directory.
  find /var/log/containers -maxdepth 1 -type l -lname "$KC_STATE/*" -delete 2>/dev/null || true
  # CNI's cached results of this cluster's sandboxes (libcni keeps them in /var/lib/cni whatever the config).
  local sandbox
  for sandbox in "$KC_STATE"/containerd/io.containerd.grpc.v1.cri/sandboxes/*; do
    [[ -e "$sandbox" ]] && rm -f /var/lib/cni/results/*-"$(basename "$sandbox")"-* 2>/dev/null
  done
  rm -f /var/lib/cni/results/"$KC_CNI_NETWORK"-* 2>/dev/null || true
  # The kubelet's device-plugin socket has a fixed place, whatever its root directory.
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
  kc_restore_sysctls
  rm -rf "$KC_RUN" "$KC_STATE" "$KC_KUBECONFIG"
}
