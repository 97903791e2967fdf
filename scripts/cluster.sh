#!/usr/bin/env bash
# A real one-machine Kubernetes (v1.20.2, built from Debian bookworm's `kubernetes` source package)
# with the real Slurm and red-box beside it: what `./build.sh cluster` and the demo run on.
#
#   scripts/cluster.sh build    build kube-apiserver, kubelet, kube-proxy, kube-scheduler and
#                               kube-controller-manager once into $KUBE_CACHE/bin (idempotent)
#   scripts/cluster.sh up       start whatever is not running, until the node is Ready; then the real
#                               Slurm (scripts/slurm.sh up) and red-box as a host daemon; then `check`.
#                               Re-running it is fine.
#   scripts/cluster.sh check    smoke check: a pod reaches https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
#                               with its service-account token and CA (kube-proxy, token controller, CNI);
#                               red-box's kubeconfig may read pods and nothing else
#   scripts/cluster.sh status   what runs (the cluster's daemons, node, pods, network, Slurm); exit 0 if all does
#   scripts/cluster.sh down     stop everything `up` started and leave nothing behind: no processes,
#                               containers, mounts, network namespaces, bridge, iptables chains;
#                               kernel settings restored. The cluster's objects (etcd) go too.
#   scripts/cluster.sh down --keep-store   the same, but the cluster's objects stay for the next `up`: the one-machine
#                               cluster powered off and on (SlurmJobs, their finalizers and statuses survive; every
#                               pod and container is gone, as after a reboot, and their controllers make them again)
#   scripts/cluster.sh purge    down, then also forget the CA, keys, tokens and containerd's images
#   scripts/cluster.sh import-image FILE.tar   load a docker-save archive into the node's containerd (node 2's too)
#
#   scripts/cluster.sh up --nodes 2   `up`, then a second node on this machine bound to a second Slurm cluster
#                               (scripts/cluster/node2.sh says how); plain `up` leaves a running node 2 as it is
#   scripts/cluster.sh node2 up|stop|down|status|check   node 2 alone, the rest running: up (idempotent; starts the
#                               second Slurm cluster too), stop (its kubelet and red-box only: the node is lost, its
#                               containers run on), down (everything of it, its Node object and the second Slurm
#                               cluster's daemons), status, check (the smoke check's pod on node 2)
#   `down` and `purge` take node 2 down first; `check` checks node 2 too when it runs.
#
# On this machine: etcd (127.0.0.1:2379), kube-apiserver (NODE_IP:6443 — the `kubernetes` Service
# 10.96.0.1:443 leads there through kube-proxy), kube-controller-manager (token controller signing
# service-account tokens, ca.crt from --root-ca-file; each controller under its own service
# account), kube-scheduler, containerd + runc, a bridge CNI (pods in 10.88.0.0/16 on bridge
# cni-slurmk8s), kube-proxy (iptables mode) and a kubelet. No hostNetwork tricks: pods reach the API
# the way they do in any cluster.
#
# All traffic stays on this machine: the API server and kubelet listen on the node's address (pods
# must reach them) but chains of ours (SLURMK8S-CLUSTER-IN/-FWD) drop connections to them from anywhere
# but this machine and the pods, and forwarding to or from the pods' bridge never leaves the bridge
# (no masquerade either). Everything else listens on 127.0.0.1.
#
# Node name: `hostname -s`, lower-cased (NODE_NAME overrides). Node IP: the source address of
# the route to the default gateway (`ip route get`, which sends nothing), else the first global
# IPv4 address (NODE_IP overrides); the serving certificates are reissued when it changes.
#
# Files: $CLUSTER_DIR (default /var/lib/slurmk8s-cluster): admin.kubeconfig (kubectl as
# cluster-admin: `export KUBECONFIG=/var/lib/slurmk8s-cluster/admin.kubeconfig`), pki/ (CA, serving
# and client certificates, service-account key pair), tokens.csv, the components' kubeconfigs and
# configs, log/*.log, etcd-data/, kubelet/ (the kubelet's root dir), containerd/ (its root: images
# survive `down`), images/. Pid files and containerd's state and socket: $RUN_DIR (/run/slurmk8s-cluster).
#
# Images: no registry. `import-image FILE.tar` (or `ctr --address /run/slurmk8s-cluster/containerd.sock
# -n k8s.io images import FILE.tar`) loads a docker-save archive, e.g. scripts/image.sh's
# out/slurmk8s-image.tar or any written by scripts/lib/image-archive.sh's write_image_archive; a pod
# names it as the archive's tag with `imagePullPolicy: Never`. The pause image (sandbox_image) is
# built here from scripts/lib/pause.c (scripts/cluster/containerd.sh).
#
# red-box runs as the service user slurmk8s with CAP_SETUID and CAP_SETGID only (socket
# /var/run/syslurm/red-box.sock, group slurmk8s-clients), as manifests/redbox.service runs it, from a copy
# of the published binary (SLURMK8S_BIN, default out/slurmk8s; `./build.sh publish` makes it when
# missing). Before it starts, `up` makes sure of what it needs:
#   - the tenants' users, Slurm accounts and work roots (scripts/lib/tenants.sh; scripts/slurm.sh up makes them too),
#   - its tenancy file /etc/slurmk8s/tenants.yaml (root:root 0644): manifests/tenants.yaml, replaced on every `up`,
#   - its read-only Kubernetes identity (manifests/redbox-rbac.yaml: service account slurmk8s-system/red-box, pods
#     get/list/watch) and /etc/slurmk8s/red-box.kubeconfig (slurmk8s 0600) with that account's token, rewritten
#     whenever the cluster is new (the token dies with the cluster's store at `down`, and so does the file),
# and it runs with --node-name set to the kubelet's --hostname-override. `check` also checks red-box's rights.
# Slurm is stopped by `down` only if `up` started it.
#
# The kubelet syncs pods every 10 s (syncFrequency; default 1 min) so that ConfigMap changes reach
# mounted files sooner, and computes its node status every 3 s (default 10 s) so the node turns
# Ready sooner.
#
# Environment: KUBE_CACHE (binaries, see scripts/lib/kube-build.sh), CLUSTER_DIR, NODE_NAME, NODE_IP,
# SLURMK8S_BIN, CLUSTER_CHECK=0 (skip the smoke check in `up`).
# Needs root; no systemd: every daemon is started by hand (scripts/lib/common.sh's supervisor: setsid, pid file, log).
#
# This file holds the settings and the commands; each concern is a file of scripts/cluster/ (pki.sh: certificates,
# tokens, kubeconfigs; control-plane.sh: etcd and the three control-plane daemons; containerd.sh: the runtime and its
# images; node.sh: the node's identity, kubelet, kube-proxy; network.sh: CNI, kernel settings, firewall; redbox.sh:
# red-box on the host), and every configuration file it writes is a template in scripts/templates/cluster/. Building
# Kubernetes: scripts/lib/kube-build.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
LOG_TAG=cluster.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$HERE/lib/kube-build.sh"
# shellcheck source=SCRIPTDIR/lib/image-archive.sh
source "$HERE/lib/image-archive.sh"
# shellcheck source=SCRIPTDIR/lib/etcd.sh
source "$HERE/lib/etcd.sh"
# CLUSTER_DIR, ADMIN_KUBECONFIG, REDBOX_BIN, SOCKET_GROUP; find_kubectl, kubectl_ (shared with demo.sh).
# shellcheck source=SCRIPTDIR/lib/cluster-env.sh
source "$HERE/lib/cluster-env.sh"
# TENANTS, tenant_user, TENANTS_ROOT, ensure_tenant_users, ensure_tenant_accounts.
# shellcheck source=SCRIPTDIR/lib/tenants.sh
source "$HERE/lib/tenants.sh"
RUN_DIR=$DAEMON_RUN_DIR
KEPT_STORE=$CLUSTER_DIR/kept-store   # "node ip" of the store `down --keep-store` left in etcd-data/
LOG_DIR=$DAEMON_LOG_DIR
PKI=$CLUSTER_DIR/pki
KUBELET_DIR=$CLUSTER_DIR/kubelet
# shellcheck disable=SC2034 # CTR_ROOT, CTR_STATE: read by templates/cluster/containerd.toml (render)
CTR_ROOT=$CLUSTER_DIR/containerd
# shellcheck disable=SC2034
CTR_STATE=$RUN_DIR/containerd
CTR_SOCK=$RUN_DIR/containerd.sock
CNI_CONF_DIR=$CLUSTER_DIR/cni/net.d
CNI_DATA_DIR=$CLUSTER_DIR/cni/networks
CNI_NET=slurmk8s
BRIDGE=cni-slurmk8s
POD_CIDR=10.88.0.0/16
POD_GW=10.88.0.1
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
API_PORT=6443
ETCD_PORT=2379
ETCD_PEER_PORT=2380
GUARD_CHAIN=SLURMK8S-CLUSTER # -IN (from INPUT) and -FWD (from FORWARD)
PAUSE_IMAGE=localhost/slurmk8s/pause:1.0
CHECK_IMAGE=localhost/slurmk8s/check:1.0
CHECK_POD=slurmk8s-cluster-check

SVC_USER=slurmk8s
REDBOX_SOCKET_DIR=/var/run/syslurm
REDBOX_SOCKET=$REDBOX_SOCKET_DIR/red-box.sock
REDBOX_STATE=/var/lib/slurmk8s/redbox
REDBOX_ETC=/etc/slurmk8s
TENANCY_FILE=$REDBOX_ETC/tenants.yaml
REDBOX_KUBECONFIG=$REDBOX_ETC/red-box.kubeconfig
REDBOX_NAMESPACE=slurmk8s-system
REDBOX_TOKEN_SECRET=red-box-token # manifests/redbox-rbac.yaml
SLURMK8S_BIN=${SLURMK8S_BIN:-$ROOT/out/slurmk8s}

KUBE_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
RUN_PKGS=(etcd-server etcd-client openssl curl containerd runc iptables conntrack
  containernetworking-plugins ethtool ebtables socat iproute2 util-linux gcc libc6-dev busybox-static)
# Kernel settings the kubelet and kube-proxy change (or we do): saved by `up`, restored by `down`.
SYSCTLS=(net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/ipv4/conf/all/route_localnet
  vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes)
# Listening ports of the daemons: `up` refuses to start a daemon whose port someone else holds.
DAEMON_PORTS=([etcd]="$ETCD_PORT $ETCD_PEER_PORT" [kube-apiserver]=$API_PORT
  [kube-controller-manager]=10257 [kube-scheduler]=10259 [kubelet]="10250 10248" [kube-proxy]="10249 10256"
  [kubelet-node2]="10350 10348")
# Open watches hold kube-apiserver's graceful shutdown for up to a minute.
DAEMON_GRACE=([kube-apiserver]=5)
DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kube-proxy kubelet redbox)


# put_config FILE MODE [DAEMON]: put_file; if FILE changed and DAEMON runs, `up` restarts DAEMON with the new
# content (a daemon watching its file, as kube-proxy does, exits on any write: unchanged files are not rewritten).
declare -A RESTART=()
put_config() {
  if put_file "$1" "$2" && [[ -n ${3:-} && -n $(daemon_pid "$3") ]]; then RESTART[$3]=1; fi
  return 0
}

# shellcheck source=SCRIPTDIR/cluster/pki.sh
source "$HERE/cluster/pki.sh"
# shellcheck source=SCRIPTDIR/cluster/network.sh
source "$HERE/cluster/network.sh"
# shellcheck source=SCRIPTDIR/cluster/containerd.sh
source "$HERE/cluster/containerd.sh"
# shellcheck source=SCRIPTDIR/cluster/control-plane.sh
source "$HERE/cluster/control-plane.sh"
# shellcheck source=SCRIPTDIR/cluster/node.sh
source "$HERE/cluster/node.sh"
# shellcheck source=SCRIPTDIR/cluster/redbox.sh
source "$HERE/cluster/redbox.sh"
# shellcheck source=SCRIPTDIR/cluster/node2.sh
source "$HERE/cluster/node2.sh"

slurm_running() { "$HERE/slurm.sh" status >/dev/null 2>&1; }

# ---------------------------------------------------------------- commands
cmd_build() {
  require_root
  ensure_packages "${RUN_PKGS[@]}"
  local bins=("${KUBE_BINS[@]}")
  # kubectl from the same tree only where the machine has none.
  command -v kubectl >/dev/null || bins+=(kubectl)
  kube_build "${bins[@]}"
}

cmd_up() {
  require_root
  local t0 node ip tready
  t0=$(now)
  cmd_build
  find_kubectl
  node=$(detect_node_name)
  ip=$(detect_node_ip)
  install -d -m 0755 "$CLUSTER_DIR" "$LOG_DIR"

  # A fresh cluster unless its store still runs for this node name and address: leftovers of a
  # crashed run go first. A store `down --keep-store` kept for this node name and address is started again.
  if [[ -z $(daemon_pid etcd) || $(cat "$RUN_DIR/identity" 2>/dev/null) != "$node $ip" ]]; then
    if [[ $(cat "$KEPT_STORE" 2>/dev/null) == "$node $ip" ]]; then KEEP_STORE=1 teardown quiet; else teardown quiet; fi
  fi
  rm -f "$KEPT_STORE"
  install -d -m 0755 "$RUN_DIR"
  echo "$node $ip" >"$RUN_DIR/identity"
  ensure_pki "$node" "$ip"
  ensure_tokens "$node"
  local server="https://$ip:$API_PORT"
  write_kubeconfig "$ADMIN_KUBECONFIG" admin "$server"
  write_kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" system:kube-controller-manager "$server" kube-controller-manager
  write_kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" system:kube-scheduler "$server" kube-scheduler
  write_kubeconfig "$CLUSTER_DIR/kube-proxy.kubeconfig" system:kube-proxy "$server" kube-proxy
  write_kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" "system:node:$node" "$server" kubelet
  write_cni_config
  write_containerd_config
  write_node_configs "$node" "$ip"
  local d
  for d in "${!RESTART[@]}"; do
    log "$d's configuration changed: restarting it"
    daemon_stop "$d"
  done
  save_sysctls
  ensure_guard

  start_control_plane "$ip"
  log "control plane up after $(since "$t0") s"
  start_node "$node" "$ip"
  wait_until --daemon kubelet 60 "node $node registered" kubectl_ get node "$node" || die "node $node did not register"
  log "node $node registered after $(since "$t0") s"
  wait_until --daemon kubelet 120 "node $node Ready" node_ready "$node" || {
    kubectl_ describe node "$node" >&2 || true
    die "node $node is not Ready"
  }
  wait_until 60 "the default service account's token" default_sa_ready || die "no service-account token in namespace default"
  guard_first
  tready=$(since "$t0")
  log "node $node ($ip) Ready, $tready s after \`up\` started"

  if slurm_running; then
    log "Slurm already runs: leaving it as it is"
  else
    "$HERE/slurm.sh" up >&2
    touch "$RUN_DIR/slurm.started"
  fi
  start_redbox "$node" "$ip"
  log "up took $(since "$t0") s (node Ready after $tready s); kubectl: export KUBECONFIG=$ADMIN_KUBECONFIG"
  if [[ ${CLUSTER_CHECK:-1} != 0 ]]; then cmd_check; fi
}

# A pod with nothing but its service-account token and CA reaches the API server through the `kubernetes` Service
# (templates/cluster/check-pod.yaml); then red-box's rights.
check_pod_phase() { kubectl_ -n default get pod "$CHECK_POD" -o jsonpath='{.status.phase}' 2>/dev/null || true; }
check_pod_finished() { [[ $(check_pod_phase) == Succeeded || $(check_pod_phase) == Failed ]]; }

cmd_check() {
  require_root
  find_kubectl
  [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]] || die "the cluster is not running (run '$0 up' first)"
  check_on_node "$(detect_node_name)"
  check_redbox_identity
  if node2_running; then check_on_node "$(node2_name)"; fi
}

# shellcheck disable=SC2034 # CHECK_NODE: read by templates/cluster/check-pod.yaml (render)
check_on_node() {
  local t0 phase out CHECK_NODE=$1
  t0=$(now)
  kubectl_ -n default delete pod "$CHECK_POD" --ignore-not-found --wait=true >/dev/null
  kubectl_ apply -f - >/dev/null < <(render cluster/check-pod.yaml CHECK_POD CHECK_IMAGE CHECK_NODE)
  wait_until 90 "the check pod to finish" check_pod_finished || {
    kubectl_ -n default describe pod "$CHECK_POD" >&2 || true
    die "check pod not finished after 90 s (phase: $(check_pod_phase))"
  }
  phase=$(check_pod_phase)
  out=$(kubectl_ -n default logs "$CHECK_POD" 2>&1 || true)
  printf '%s\n' "$out" | sed 's/^/  | /' >&2
  kubectl_ -n default delete pod "$CHECK_POD" --wait=false >/dev/null 2>&1 || true
  [[ $phase == Succeeded ]] || die "check pod $phase"
  grep -q '"kind": *"APIVersions"' <<<"$out" || die "check pod did not get the API's versions"
  grep -q 'system:serviceaccount:default:default' <<<"$out" || die "check pod's token is not the default service account's"
  log "check passed in $(since "$t0") s: a pod on $CHECK_NODE reached the API server at the kubernetes Service with its service-account token, verifying ca.crt"
}

# Pods first (while the kubelet still runs, it tears down their sandboxes and networks the
# regular way), then the daemons, then whatever a crashed run may have left.
teardown() {
  local quiet=${1:-}
  if node2_running || ns_held || [[ -n $(node2_pid containerd-node2) ]]; then node2_down; fi
  if [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]]; then
    daemon_stop kube-controller-manager # nothing recreates pods from here on
    daemon_stop kube-scheduler
    find_kubectl
    kubectl_ delete pods --all-namespaces --all --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
    wait_until 30 "the pods' containers to stop" no_tasks_running || true
  fi
  redbox_teardown
  daemon_stop kube-controller-manager
  daemon_stop kube-scheduler
  daemon_stop kubelet
  daemon_stop kube-proxy
  containerd_teardown
  daemon_stop kube-apiserver 5
  daemon_stop etcd
  if [[ -f $RUN_DIR/slurm.started ]]; then
    "$HERE/slurm.sh" down >&2 || true
    rm -f "$RUN_DIR/slurm.started"
  fi

  # Pod network namespaces and the bridge, mounts under our directories, chains and kernel settings.
  local m
  network_teardown
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(findmnt -rn -o TARGET | awk -v a="$CLUSTER_DIR/" -v b="$RUN_DIR/" 'index($0, a) == 1 || index($0, b) == 1' | sort -r)

  # Empty cgroups the kubelet made (kubepods/…), deepest first.
  find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name kubepods 2>/dev/null | while read -r m; do
    find "$m" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  if [[ ${KEEP_STORE:-0} == 1 ]]; then
    [[ -f $KEPT_STORE || ! -f $RUN_DIR/identity ]] || cp "$RUN_DIR/identity" "$KEPT_STORE"
  else
    rm -rf "$CLUSTER_DIR/etcd-data" "$KEPT_STORE"
  fi
  rm -rf "$KUBELET_DIR" "$CNI_DATA_DIR" "$RUN_DIR"
  rm -f /var/lib/cni/results/"$CNI_NET"-* 2>/dev/null || true
  # Pod logs: only this kubelet writes them on this machine.
  rm -rf /var/log/pods /var/log/containers
  # Paths the kubelet (device plugins) and containerd (shim sockets, fifos) hard-code, and the CNI
  # result cache: removed when empty; /run/containerd is left to a system containerd if one runs.
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/DEPRECATION
  for m in /var/lib/kubelet/device-plugins /var/lib/kubelet /var/lib/cni/results /var/lib/cni; do
    rmdir "$m" 2>/dev/null || true
  done
  [[ -S /run/containerd/containerd.sock ]] || find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
  [[ -n $quiet ]] || log "everything stopped and removed"
}

cmd_down() {
  require_root
  local t0; t0=$(now)
  teardown
  log "down took $(since "$t0") s"
}

cmd_purge() {
  cmd_down
  rm -rf "$CLUSTER_DIR"
  log "purged $CLUSTER_DIR (CA, keys, tokens, images)"
}

cmd_status() {
  find_kubectl
  local ok=0 d pid
  echo "daemons:"
  for d in "${DAEMONS[@]}"; do
    pid=$(daemon_pid "$d")
    if [[ -n $pid ]]; then printf '  %-24s running (pid %s)\n' "$d" "$pid"; else printf '  %-24s STOPPED\n' "$d"; ok=1; fi
  done
  if [[ -S $REDBOX_SOCKET ]]; then echo "red-box socket: $REDBOX_SOCKET"; fi
  if [[ -n $(daemon_pid kube-apiserver) ]]; then
    echo "kubectl: KUBECONFIG=$ADMIN_KUBECONFIG"
    kubectl_ get nodes -o wide 2>/dev/null || ok=1
    kubectl_ get pods --all-namespaces -o wide 2>/dev/null || true
  fi
  local chains mounts
  chains=$(iptables -w -t nat -S 2>/dev/null | grep -cE '^-N (KUBE-|CNI-)' || true)
  mounts=$(findmnt -rn -o TARGET | grep -cE "^($CLUSTER_DIR|$RUN_DIR)/" || true)
  echo "network: bridge $BRIDGE $(ip link show "$BRIDGE" >/dev/null 2>&1 && echo present || echo absent)," \
    "$chains KUBE-/CNI- nat chains, $(ip netns list 2>/dev/null | grep -c '^cni-' || true) pod network namespaces," \
    "$mounts mounts under $CLUSTER_DIR and $RUN_DIR"
  echo "slurm:"
  "$HERE/slurm.sh" status 2>&1 | sed 's/^/  /' || ok=1
  if node2_running || ns_held; then node2_status || ok=1; fi
  return $ok
}

case "${1:-}" in
  build) cmd_build ;;
  up)
    shift
    case "${1:-} ${2:-}" in
      " ") cmd_up ;;
      "--nodes 1") cmd_up ;;
      "--nodes 2") CLUSTER_CHECK=0 cmd_up; require_root; node2_up; if [[ ${CLUSTER_CHECK:-1} != 0 ]]; then cmd_check; fi ;;
      *) die "usage: $0 up [--nodes 1|2]" ;;
    esac
    ;;
  node2)
    require_root
    case "${2:-}" in
      up) node2_up ;;
      stop) node2_stop ;;
      down) node2_down ;;
      status) find_kubectl; node2_status ;;
      check) find_kubectl; node2_running || die "node 2 is not running ('$0 node2 up')"; check_on_node "$(node2_name)" ;;
      *) die "usage: $0 node2 up|stop|down|status|check" ;;
    esac
    ;;
  check) cmd_check ;;
  status) cmd_status ;;
  down)
    case "${2:-}" in
      "") cmd_down ;;
      --keep-store) KEEP_STORE=1 cmd_down ;;
      *) die "usage: $0 down [--keep-store]" ;;
    esac
    ;;
  purge) cmd_purge ;;
  import-image) shift; require_root; cmd_import_image "$@" ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
