# shellcheck shell=bash
# scripts/cluster.sh: the local cluster's second Kubernetes node, on the same machine, bound to the second Slurm cluster
# (scripts/slurm.sh up-second). Sourced by cluster.sh after its settings and the other concerns.
#
# What it has of its own: a containerd (root $NODE2_DIR/containerd, state and socket in $NODE2_RUN, runc root, CNI
# bridge cni-slurmk8s-2 with pods in 10.89.0.0/24) and a kubelet (node name <node 1's>-2, --root-dir, ports 10350 and
# 10348, a serving certificate and a client certificate of its own — the API server's token file is read only when it
# starts, so node 2 authenticates with a certificate of the cluster CA as system:node:<node2> in system:nodes —, and
# --cgroup-root=/slurmk8s-node2, so its pods live in /slurmk8s-node2/kubepods/… and the two kubelets never meet in one
# cgroup). Both run inside one mount namespace, held open by a bind mount of it at $NODE2_RUN/ns/mnt (unshare
# --propagation slave: the host's later mounts still reach it), in which
#   /var/run/syslurm     is $NODE2_SOCKET_DIR  (a hostPath of a node-2 pod is node 2's red-box socket)
#   /var/log/pods, /var/log/containers, /var/lib/kubelet (device plugins), /var/lib/cni, /run/netns
#                        are folders of $NODE2_DIR/$NODE2_RUN (paths the kubelet, containerd and CNI hard-code; node 1's
#                        kubelet would collect node 2's pod logs as orphans, node 1's `down` would delete its netns)
# and its daemons run under their own names (symlinks containerd-node2, kubelet-node2, redbox-node2), pid files in
# $NODE2_RUN, logs in $NODE2_DIR/log: `pgrep -x kubelet` never finds node 2's.
# Its own red-box: --node-name <node2>, --socket $NODE2_SOCKET_DIR/red-box.sock, SLURM_CONF of the second cluster, state
# in /var/lib/slurmk8s/redbox-node2, the same identity (service account slurmk8s-system/red-box) in a kubeconfig of its
# own, the same tenancy file.
# Shared with node 1: the control plane, the one kube-proxy (Services work from both bridges), the cluster CA, munge,
# slurmdbd (and so the Slurm accounts), the tenants' users and work roots, the node's IP address.
# Network: chains SLURMK8S-NODE2-IN/-FWD, jumped to before node 1's guard (SLURMK8S-CLUSTER-*): node 2's pods reach the
# API server, node 1's pods and Services; node 2's kubelet port answers this machine only; nothing leaves the machine.
#
#   node2_up            start what of node 2 does not run (the second Slurm cluster too), until it is Ready; idempotent
#   node2_stop          stop its kubelet and red-box only (containers keep running): the node is "lost", pods stay
#   node2_down          stop and remove everything node 2 has: pods, daemons, namespace, bridge, chains, Node object
#   node2_status        what of node 2 runs; exit 0 if all does
#   node2_running       whether its kubelet runs
#   node2_import_image FILE   load an image archive into its containerd (when it runs)

# NODE2_DIR: scripts/lib/cluster-env.sh
NODE2_RUN=/run/slurmk8s-node2
NODE2_LOG=$NODE2_DIR/log
NODE2_NS=$NODE2_RUN/ns/mnt
NODE2_CTR_SOCK=$NODE2_RUN/containerd.sock
NODE2_KUBELET_DIR=$NODE2_DIR/kubelet
NODE2_BRIDGE=cni-slurmk8s-2
NODE2_CNI_NET=slurmk8s-2
NODE2_POD_CIDR=10.89.0.0/24
NODE2_POD_GW=10.89.0.1
NODE2_KUBELET_PORT=10350
NODE2_HEALTHZ_PORT=10348
NODE2_CGROUP_ROOT=/slurmk8s-node2
NODE2_GUARD=SLURMK8S-NODE2 # -IN, -FWD
NODE2_SOCKET_DIR=/var/run/syslurm-node2
NODE2_REDBOX_STATE=/var/lib/slurmk8s/redbox-node2
NODE2_REDBOX_KUBECONFIG=$REDBOX_ETC/red-box-node2.kubeconfig
NODE2_SLURM_CONF=/etc/slurm-second/slurm.conf
# Inside node 2's mount namespace: PATH → the node's own folder.
NODE2_BINDS=(
  "$REDBOX_SOCKET_DIR=$NODE2_SOCKET_DIR"
  "/var/log/pods=$NODE2_DIR/log-pods"
  "/var/log/containers=$NODE2_DIR/log-containers"
  "/var/lib/kubelet=$NODE2_DIR/var-lib-kubelet"
  "/var/lib/cni=$NODE2_DIR/cni-cache"
  "/run/netns=$NODE2_RUN/netns"
)

node2_name() { echo "${NODE2_NAME:-$(detect_node_name)-2}"; }

# The supervisor (common.sh) on node 2's pid files and logs.
# shellcheck disable=SC2034 # DAEMON_RUN_DIR, DAEMON_LOG_DIR: read by common.sh's supervisor
node2_daemon() {
  local fn=$1; shift
  local DAEMON_RUN_DIR=$NODE2_RUN DAEMON_LOG_DIR=$NODE2_LOG
  "$fn" "$@"
}
node2_pid() { node2_daemon daemon_pid "$1"; }
node2_pid_seen() { [[ -n $(node2_pid "$1") ]]; }
# node2_start NAME COMMAND...: daemon_start, then until the process is the daemon's binary: it starts as nsenter or
# env (their exec follows), which daemon_pid does not take for the daemon.
node2_start() {
  node2_daemon daemon_start "$@"
  wait_until 10 "$1 to exec" node2_pid_seen "$1" || { node2_daemon daemon_tail "$1"; die "$1 did not start"; }
}

ctr_node2() { ctr --address "$NODE2_CTR_SOCK" -n k8s.io "$@"; }

# Symlinks that name node 2's daemons (their comm), to the binaries node 1 runs.
node2_links() {
  install -d -m 0755 "$NODE2_DIR/bin"
  ln -sfn "$(command -v containerd)" "$NODE2_DIR/bin/containerd-node2"
  ln -sfn "$KUBE_BIN_DIR/kubelet" "$NODE2_DIR/bin/kubelet-node2"
  ln -sfn "$REDBOX_BIN" "$NODE2_DIR/bin/redbox-node2"
}

# ---------------------------------------------------------------- the mount namespace
ns_held() { [[ -e $NODE2_NS ]] && nsenter --mount="$NODE2_NS" true 2>/dev/null; }
ns_bound() { nsenter --mount="$NODE2_NS" findmnt -rn -o TARGET "$1" >/dev/null 2>&1; }

# The namespace once (held by the bind mount of its file), then every bind of NODE2_BINDS that it lacks: a folder a
# bind was made on can be removed on the host (node 1's `down` removes /var/log/pods), which undoes the bind in here.
ensure_node2_ns() {
  local b target src
  install -d -m 0755 "$NODE2_RUN" "$NODE2_RUN/ns"
  if ! ns_held; then
    umount "$NODE2_NS" 2>/dev/null || true
    # The file of a mount namespace can only be bound on a private mount.
    mountpoint -q "$NODE2_RUN/ns" || mount --bind "$NODE2_RUN/ns" "$NODE2_RUN/ns"
    mount --make-private "$NODE2_RUN/ns"
    touch "$NODE2_NS"
    unshare --mount="$NODE2_NS" --propagation slave true
    log "node 2's mount namespace held at $NODE2_NS"
  fi
  for b in "${NODE2_BINDS[@]}"; do
    target=${b%%=*} src=${b#*=}
    install -d -m 0755 "$src"
    [[ -d $target ]] || install -d -m 0755 "$target"
    ns_bound "$target" || nsenter --mount="$NODE2_NS" mount --bind "$src" "$target"
  done
  # red-box's socket folder is its user's on both nodes.
  chown "$SVC_USER:$SVC_USER" "$NODE2_SOCKET_DIR"
}

# ---------------------------------------------------------------- certificates, configuration
# A certificate of node 2 that the current CA signed (`purge` makes a new CA) and that names IP.
node2_cert_ok() { openssl verify -CAfile "$PKI/ca.crt" "$PKI/$1.crt" >/dev/null 2>&1 && grep -qx "$2" "$PKI/$1.identity" 2>/dev/null; }

# shellcheck disable=SC2034 # the locals are the templates' variables (render reads them by name)
write_node2_configs() {
  local node=$1 ip=$2
  if ! node2_cert_ok kubelet-node2 "$node $ip"; then
    log "issuing node 2's serving and client certificates ($node, $ip)"
    issue kubelet-node2 "system:node:$node" system:nodes serverAuth "IP:$ip,DNS:$node"
    issue kubelet-node2-client "system:node:$node" system:nodes clientAuth ""
    echo "$node $ip" >"$PKI/kubelet-node2.identity"
  fi
  local KUBE_CLUSTER=slurmk8s KUBE_USER="system:node:$node" SERVER="https://$ip:$API_PORT" CA=$PKI/ca.crt
  local CERT=$PKI/kubelet-node2-client.crt KEY=$PKI/kubelet-node2-client.key
  install -d -m 0755 "$NODE2_DIR" "$NODE2_LOG"
  node2_put "$NODE2_DIR/kubelet.kubeconfig" 600 kubelet-node2 < <(render cluster/kubeconfig-cert.yaml KUBE_CLUSTER SERVER CA KUBE_USER CERT KEY)
  local NODE_IP=$ip KUBELET_PORT=$NODE2_KUBELET_PORT HEALTHZ_PORT=$NODE2_HEALTHZ_PORT
  local TLS_CERT=$PKI/kubelet-node2.crt TLS_KEY=$PKI/kubelet-node2.key
  node2_put "$NODE2_DIR/kubelet-config.yaml" 644 kubelet-node2 \
    < <(render cluster/kubelet-config.yaml NODE_IP KUBELET_PORT HEALTHZ_PORT TLS_CERT TLS_KEY PKI)
  # containerd: its own root, state, socket, runc root and CNI configuration.
  local CTR_ROOT=$NODE2_DIR/containerd CTR_STATE=$NODE2_RUN/containerd CTR_SOCK=$NODE2_CTR_SOCK
  local CLUSTER_DIR=$NODE2_DIR RUN_DIR=$NODE2_RUN CNI_CONF_DIR=$NODE2_DIR/cni/net.d
  local CNI_NET=$NODE2_CNI_NET BRIDGE=$NODE2_BRIDGE POD_CIDR=$NODE2_POD_CIDR POD_GW=$NODE2_POD_GW
  local CNI_DATA_DIR=$NODE2_DIR/cni/networks
  install -d -m 0755 "$CNI_CONF_DIR" "$CNI_DATA_DIR"
  node2_put "$CNI_CONF_DIR/10-$CNI_NET.conflist" 644 containerd-node2 \
    < <(render cluster/cni.conflist CNI_NET BRIDGE POD_CIDR POD_GW CNI_DATA_DIR)
  node2_put "$NODE2_DIR/containerd.toml" 644 containerd-node2 \
    < <(render cluster/containerd.toml CTR_ROOT CTR_STATE CTR_SOCK CLUSTER_DIR PAUSE_IMAGE RUN_DIR CNI_CONF_DIR)
}

# put_config for node 2's daemons: DAEMON is restarted when FILE changed and it runs.
declare -A NODE2_RESTART=()
node2_put() {
  if put_file "$1" "$2" && [[ -n $(node2_pid "$3") ]]; then NODE2_RESTART[$3]=1; fi
  return 0
}

# The cgroup root in every hierarchy (the kubelet refuses a --cgroup-root that does not exist).
ensure_node2_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -e $h/cgroup.procs ]] && install -d "$h${NODE2_CGROUP_ROOT#/}"
  done
  [[ ! -e /sys/fs/cgroup/cgroup.procs ]] || install -d "/sys/fs/cgroup${NODE2_CGROUP_ROOT}"
}

# ---------------------------------------------------------------- network
# Node 2's pods may reach the API server and kubelets (INPUT) and node 1's pods (FORWARD, both ways); its kubelet's
# port answers this machine only; nothing from its bridge leaves the machine. Jumped to first, before node 1's guard.
ensure_node2_guard() {
  local in=$NODE2_GUARD-IN fwd=$NODE2_GUARD-FWD ports="$API_PORT,10250,$NODE2_KUBELET_PORT"
  iptables -w -N "$in" 2>/dev/null || iptables -w -F "$in"
  iptables -w -A "$in" -p tcp -m multiport --dports "$ports" -s "$NODE2_POD_CIDR" -j ACCEPT
  iptables -w -A "$in" -p tcp --dport "$NODE2_KUBELET_PORT" -s "$POD_CIDR" -j RETURN
  iptables -w -A "$in" -p tcp --dport "$NODE2_KUBELET_PORT" -m addrtype --src-type LOCAL -j RETURN
  iptables -w -A "$in" -p tcp --dport "$NODE2_KUBELET_PORT" -j DROP
  iptables -w -N "$fwd" 2>/dev/null || iptables -w -F "$fwd"
  iptables -w -A "$fwd" -i "$NODE2_BRIDGE" -o "$NODE2_BRIDGE" -j ACCEPT
  iptables -w -A "$fwd" -i "$NODE2_BRIDGE" -o "$BRIDGE" -j ACCEPT
  iptables -w -A "$fwd" -i "$BRIDGE" -o "$NODE2_BRIDGE" -j ACCEPT
  iptables -w -A "$fwd" -i "$NODE2_BRIDGE" -j DROP
  iptables -w -A "$fwd" -o "$NODE2_BRIDGE" -j DROP
  node2_guard_first
}

node2_guard_first() { jumps_first "$NODE2_GUARD"; }

node2_guard_teardown() {
  local c chain
  for c in INPUT FORWARD; do
    chain=$NODE2_GUARD-$([[ $c == INPUT ]] && echo IN || echo FWD)
    while iptables -w -D "$c" -j "$chain" 2>/dev/null; do :; done
    iptables -w -F "$chain" 2>/dev/null || true
    iptables -w -X "$chain" 2>/dev/null || true
  done
}

# ---------------------------------------------------------------- red-box
node2_redbox_token_ok() {
  [[ -s $NODE2_REDBOX_KUBECONFIG ]] && "$KUBECTL" --kubeconfig "$NODE2_REDBOX_KUBECONFIG" auth can-i list pods >/dev/null 2>&1
}

start_node2_redbox() {
  local node=$1 ip=$2
  # node 1's start_redbox made the users, groups, tenancy file and the red-box identity; its kubeconfig is copied
  # (same identity: read pods), red-box-node2 restarted when it changed.
  [[ -s $REDBOX_KUBECONFIG ]] || die "$REDBOX_KUBECONFIG missing: node 1's red-box is not set up (run '$0 up' first)"
  node2_put "$NODE2_REDBOX_KUBECONFIG" 600 redbox-node2 <"$REDBOX_KUBECONFIG"
  chown "$SVC_USER:$SVC_USER" "$NODE2_REDBOX_KUBECONFIG"
  install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$NODE2_REDBOX_STATE"
  # A red-box whose binary was replaced (node 1's `up` installs a new build) is no longer the daemon to daemon_pid.
  local old
  old=$(tr -dc '0-9' 2>/dev/null <"$NODE2_RUN/redbox-node2.pid" || true)
  if [[ -n $old ]] && pid_alive "$old" redbox-node2 && [[ $(readlink "/proc/$old/exe") == *" (deleted)" ]]; then
    log "node 2's red-box runs a replaced binary: restarting it"
    stop_pid "$old" 30 redbox-node2
  fi
  [[ -z ${NODE2_RESTART[redbox-node2]:-} ]] || { log "red-box-node2's kubeconfig changed: restarting it"; node2_daemon daemon_stop redbox-node2 30; }
  node2_start redbox-node2 env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/var/lib/slurmk8s \
    USER="$SVC_USER" LOGNAME="$SVC_USER" LANG=C.UTF-8 SLURM_CONF="$NODE2_SLURM_CONF" \
    setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups --no-new-privs \
    --inh-caps=-all,+setuid,+setgid --ambient-caps=-all,+setuid,+setgid --bounding-set=-all,+setuid,+setgid -- \
    "$NODE2_DIR/bin/redbox-node2" redbox --socket "$NODE2_SOCKET_DIR/red-box.sock" --socket-group "$SOCKET_GROUP" \
    --tenants "$TENANCY_FILE" --kubeconfig "$NODE2_REDBOX_KUBECONFIG" --node-name "$node" --state-dir "$NODE2_REDBOX_STATE"
  node2_daemon wait_until --daemon redbox-node2 30 "node 2's red-box socket" test -S "$NODE2_SOCKET_DIR/red-box.sock" \
    || { node2_daemon daemon_tail redbox-node2; die "node 2's red-box did not start"; }
}

# ---------------------------------------------------------------- commands
node2_running() { [[ -n $(node2_pid kubelet-node2) ]]; }
node2_registered() { kubectl_ get node "$1" >/dev/null 2>&1; }

node2_up() {
  local t0 node ip d
  t0=$(now)
  find_kubectl
  # Node 1's control plane is never started from here; a moment without it (restarted by someone) is waited out.
  wait_until 180 "node 1's API server" kubectl_ get --raw /readyz || die "node 1's control plane is not running (run '$0 up' first)"
  node=$(node2_name)
  ip=$(detect_node_ip)
  "$HERE/slurm.sh" status-second >/dev/null 2>&1 || "$HERE/slurm.sh" up-second >&2
  node2_links
  write_node2_configs "$node" "$ip"
  for d in "${!NODE2_RESTART[@]}"; do
    [[ $d == redbox-node2 ]] && continue
    log "$d's configuration changed: restarting it"
    node2_daemon daemon_stop "$d"
  done
  ensure_node2_guard
  ensure_node2_cgroups
  ensure_node2_ns
  node2_start containerd-node2 nsenter --mount="$NODE2_NS" -- \
    "$NODE2_DIR/bin/containerd-node2" --config "$NODE2_DIR/containerd.toml"
  node2_daemon wait_until --daemon containerd-node2 30 "node 2's containerd" ctr_node2 version \
    || { node2_daemon daemon_tail containerd-node2; die "node 2's containerd did not answer"; }
  # shellcheck disable=SC2030,SC2031,SC2034 # CTR_SOCK: ctr_k8s's, in this subshell only
  (CTR_SOCK=$NODE2_CTR_SOCK; ensure_images)
  sync_node2_images
  # red-box before the kubelet: a kubelet that comes back checks its pods' hostPath of type Socket at once.
  start_node2_redbox "$node" "$ip"
  # A kubelet whose Node was deleted (node 1's `down` and `up` make a new store) never registers again: restarted.
  if node2_running && ! node2_registered "$node"; then
    log "node $node is not registered (a new cluster store?): restarting its kubelet"
    node2_daemon daemon_stop kubelet-node2
  fi
  node2_start kubelet-node2 nsenter --mount="$NODE2_NS" -- \
    "$NODE2_DIR/bin/kubelet-node2" --config="$NODE2_DIR/kubelet-config.yaml" \
    --kubeconfig="$NODE2_DIR/kubelet.kubeconfig" --hostname-override="$node" --node-ip="$ip" \
    --root-dir="$NODE2_KUBELET_DIR" --cert-dir="$NODE2_KUBELET_DIR/pki" --cgroup-root="$NODE2_CGROUP_ROOT" \
    --container-runtime=remote --container-runtime-endpoint="unix://$NODE2_CTR_SOCK"
  node2_daemon wait_until --daemon kubelet-node2 60 "node $node registered" kubectl_ get node "$node" \
    || { node2_daemon daemon_tail kubelet-node2; die "node $node did not register"; }
  node2_daemon wait_until --daemon kubelet-node2 120 "node $node Ready" node_ready "$node" || {
    node2_daemon daemon_tail kubelet-node2
    kubectl_ describe node "$node" >&2 || true
    die "node $node is not Ready"
  }
  log "node $node Ready after $(since "$t0") s"
  node2_guard_first
  log "node 2 ($node, Slurm cluster second) up in $(since "$t0") s"
}

# The images node 1's containerd holds under NODE2_IMAGES, copied to node 2's where it lacks them or holds another
# content under the tag (`import-image` loads both nodes; this catches up a node 2 that came later).
NODE2_IMAGES=(docker.io/library/slurmk8s:local)
image_digest() { "$@" images ls 2>/dev/null | awk -v r="$IMAGE_REF" '$1 == r {print $3}'; }
sync_node2_images() {
  local IMAGE_REF want
  for IMAGE_REF in "${NODE2_IMAGES[@]}"; do
    want=$(image_digest ctr_k8s)
    [[ -n $want && $want != "$(image_digest ctr_node2)" ]] || continue
    log "copying $IMAGE_REF from node 1's containerd to node 2's"
    ctr_k8s images export - "$IMAGE_REF" | ctr_node2 images import - >/dev/null
  done
}

node2_import_image() {
  [[ -S $NODE2_CTR_SOCK && -n $(node2_pid containerd-node2) ]] || return 0
  log "importing $1 into node 2's containerd too"
  ctr_node2 images import "$1" >&2
}

# The node lost: its kubelet and red-box stop, its containers run on (as when a node's kubelet dies).
node2_stop() {
  node2_daemon daemon_stop redbox-node2 30
  node2_daemon daemon_stop kubelet-node2
  log "node 2's kubelet and red-box stopped (its containers run on; '$0 node2 up' brings them back)"
}

node2_down() {
  local node t0 c p
  t0=$(now)
  find_kubectl
  node=$(node2_name)
  if [[ -n $(daemon_pid kube-apiserver) ]] && node2_running; then
    kubectl_ delete pods --all-namespaces --field-selector "spec.nodeName=$node" --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do [[ -z $(ctr_node2 tasks ls -q 2>/dev/null) ]] && break; sleep 0.2; done
  fi
  node2_daemon daemon_stop redbox-node2 30
  node2_daemon daemon_stop kubelet-node2
  if [[ -n $(node2_pid containerd-node2) ]]; then
    for c in $(ctr_node2 tasks ls -q 2>/dev/null); do ctr_node2 tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    sleep 1
    for c in $(ctr_node2 tasks ls -q 2>/dev/null); do ctr_node2 tasks delete "$c" >/dev/null 2>&1 || true; done
    for c in $(ctr_node2 containers ls -q 2>/dev/null); do ctr_node2 containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  node2_daemon daemon_stop containerd-node2
  for p in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $NODE2_CTR_SOCK" || true); do kill -KILL "$p" 2>/dev/null || true; done
  # Whatever still lives in node 2's cgroups is node 2's (a container's `runc init` left waiting when its shim went):
  # its own --cgroup-root makes that sure.
  local procs
  procs=$(find /sys/fs/cgroup/*/"${NODE2_CGROUP_ROOT#/}" /sys/fs/cgroup/"${NODE2_CGROUP_ROOT#/}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)
  for p in $procs; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -z $procs ]] || sleep 0.5
  # The namespace goes with its last process and the bind of its file: so do its mounts (pods' volumes, netns).
  umount "$NODE2_NS" 2>/dev/null || umount -l "$NODE2_NS" 2>/dev/null || true
  umount "$NODE2_RUN/ns" 2>/dev/null || true
  ! ip link show "$NODE2_BRIDGE" >/dev/null 2>&1 || ip link delete "$NODE2_BRIDGE"
  node2_guard_teardown
  local h
  for h in /sys/fs/cgroup/*/"${NODE2_CGROUP_ROOT#/}" /sys/fs/cgroup/"${NODE2_CGROUP_ROOT#/}"; do
    if [[ -d $h ]]; then find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
  done
  rm -rf "$NODE2_KUBELET_DIR" "$NODE2_DIR/cni/networks" "$NODE2_DIR/log-pods" "$NODE2_DIR/log-containers" \
    "$NODE2_DIR/cni-cache" "$NODE2_DIR/var-lib-kubelet" "$NODE2_RUN"
  rmdir "$NODE2_SOCKET_DIR" 2>/dev/null || true
  rm -f "$NODE2_REDBOX_KUBECONFIG"
  if [[ -n $(daemon_pid kube-apiserver) ]]; then kubectl_ delete node "$node" --ignore-not-found >/dev/null 2>&1 || true; fi
  if [[ ${NODE2_SLURM_DOWN:-1} != 0 ]]; then "$HERE/slurm.sh" down-second >&2 || true; fi
  log "node 2 ($node) down in $(since "$t0") s"
}

node2_status() {
  local ok=0 d pid
  echo "node 2 ($(node2_name)) daemons:"
  for d in containerd-node2 kubelet-node2 redbox-node2; do
    pid=$(node2_pid "$d")
    if [[ -n $pid ]]; then printf '  %-24s running (pid %s)\n' "$d" "$pid"; else printf '  %-24s STOPPED\n' "$d"; ok=1; fi
  done
  if ns_held; then echo "mount namespace: $NODE2_NS"; else echo "mount namespace: none"; ok=1; fi
  "$HERE/slurm.sh" status-second 2>&1 | sed 's/^/  /' || ok=1
  return $ok
}
