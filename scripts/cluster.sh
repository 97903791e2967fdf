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
#   scripts/cluster.sh purge    down, then also forget the CA, keys, tokens and containerd's images
#   scripts/cluster.sh import-image FILE.tar   load a docker-save archive into the node's containerd
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
# built here from scripts/lib/pause.c.
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
# Needs root; no systemd: every daemon is started by hand (setsid, pid file).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$HERE/lib/kube-build.sh"
# shellcheck source=SCRIPTDIR/lib/image-archive.sh
source "$HERE/lib/image-archive.sh"

# CLUSTER_DIR, ADMIN_KUBECONFIG, REDBOX_BIN, SOCKET_GROUP; find_kubectl, kubectl_ (shared with demo.sh).
# shellcheck source=SCRIPTDIR/lib/cluster-env.sh
source "$HERE/lib/cluster-env.sh"
# TENANTS, tenant_user, TENANTS_ROOT, ensure_tenant_users, ensure_tenant_accounts.
# shellcheck source=SCRIPTDIR/lib/tenants.sh
source "$HERE/lib/tenants.sh"
RUN_DIR=/run/slurmk8s-cluster
LOG_DIR=$CLUSTER_DIR/log
PKI=$CLUSTER_DIR/pki
KUBELET_DIR=$CLUSTER_DIR/kubelet
CTR_ROOT=$CLUSTER_DIR/containerd
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
declare -A PORTS=([etcd]="$ETCD_PORT $ETCD_PEER_PORT" [kube-apiserver]=$API_PORT
  [kube-controller-manager]=10257 [kube-scheduler]=10259 [kubelet]="10250 10248" [kube-proxy]="10249 10256")

log() { echo "[cluster.sh] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- processes
# The pid in RUN_DIR/NAME.pid, if that process runs (not a zombie) the expected binary.
daemon_pid() {
  local name=$1 pid exe
  pid=$(tr -dc '0-9' 2>/dev/null <"$RUN_DIR/$name.pid") || return 0
  [[ -n $pid ]] || return 0
  [[ $(ps -o stat= -p "$pid" 2>/dev/null) != Z* ]] || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
  [[ $exe == "$(daemon_exe "$name")" ]] && echo "$pid"
  return 0
}

daemon_exe() {
  case $1 in
    etcd) command -v etcd ;;
    containerd) command -v containerd ;;
    redbox) echo "$REDBOX_BIN" ;;
    *) echo "$KUBE_BIN_DIR/$1" ;;
  esac
}

# start_daemon NAME COMMAND...: in its own session (outlives this shell), output appended to its log.
# A daemon already running with the same command line is left alone; with another one (this script
# changed its flags, or the node's address changed) it is restarted.
start_daemon() {
  local name=$1; shift
  local p want
  want=$(printf '%q ' "$@")
  if [[ -n $(daemon_pid "$name") ]]; then
    [[ $(cat "$RUN_DIR/$name.cmd" 2>/dev/null) != "$want" ]] || return 0
    log "$name's command line changed: restarting it"
    # Open watches hold kube-apiserver's graceful shutdown for up to a minute.
    stop_daemon "$name" "$([[ $name == kube-apiserver ]] && echo 5 || echo 15)"
  fi
  for p in ${PORTS[$name]:-}; do
    port_free "$p" || die "port $p, which $name needs, is in use: $(ss -Htlnp "sport = :$p" | head -n1)"
  done
  echo "--- $(date -Is) starting: $*" >>"$LOG_DIR/$name.log"
  setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  echo "$want" >"$RUN_DIR/$name.cmd"
  log "started $name (pid $!)"
}

port_free() { ! ss -Htln "sport = :$1" | grep -q .; }

# A process that exists and is not a zombie. (Not daemon_pid: while a process exits, its
# /proc/PID/exe goes before its sockets are closed.)
exists() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $st && $st != Z* ]]; }

# SIGTERM, wait up to GRACE s (default 15), then SIGKILL; returns once the process is gone.
stop_daemon() {
  local name=$1 grace=${2:-15} pid i
  pid=$(daemon_pid "$name")
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 5; i++)); do exists "$pid" || break; sleep 0.2; done
    if exists "$pid"; then
      log "$name ($pid) still running ${grace} s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do exists "$pid" || break; sleep 0.1; done
    fi
    log "stopped $name"
  fi
  rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.cmd"
}

# wait_for SECONDS WHAT DAEMON COMMAND...: poll COMMAND; fail early (showing its log) if DAEMON exits.
wait_for() {
  local secs=$1 what=$2 daemon=$3; shift 3
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $daemon && -z $(daemon_pid "$daemon") ]]; then
      log "$daemon exited while waiting for $what; last lines of $LOG_DIR/$daemon.log:"
      tail -n 25 "$LOG_DIR/$daemon.log" >&2 || true
      return 1
    fi
    if ((SECONDS >= end)); then
      log "timed out after ${secs} s waiting for $what"
      [[ -z $daemon ]] || { log "last lines of $LOG_DIR/$daemon.log:"; tail -n 25 "$LOG_DIR/$daemon.log" >&2 || true; }
      return 1
    fi
    sleep 0.3
  done
}

# ---------------------------------------------------------------- node identity
detect_node_name() {
  local n=${NODE_NAME:-$(hostname -s)}
  echo "${n,,}"
}

detect_node_ip() {
  if [[ -n ${NODE_IP:-} ]]; then echo "$NODE_IP"; return; fi
  local ip="" gw
  # `ip route get` only consults the routing table: nothing is sent.
  gw=$(ip -4 route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "via") {print $(i + 1); exit}}')
  [[ -z $gw ]] || ip=$(ip -4 -o route get "$gw" 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  if [[ -z $ip || $ip == 127.* || $ip == "$POD_GW" ]]; then
    ip=$(ip -4 -o addr show scope global | awk -v br="$BRIDGE" '$2 != br {sub("/.*", "", $4); print $4; exit}')
  fi
  [[ -n $ip ]] || die "no non-loopback IPv4 address found for the node (set NODE_IP)"
  echo "$ip"
}

# ---------------------------------------------------------------- certificates and credentials
# openssl config for one certificate: CN, O (optional), extended key usage, SANs (optional).
cert_conf() {
  local cn=$1 org=$2 eku=$3 sans=$4
  printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = %s\n' "$cn"
  [[ -z $org ]] || printf 'O = %s\n' "$org"
  printf '[ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n'
  printf 'extendedKeyUsage = %s\nauthorityKeyIdentifier = keyid\n' "$eku"
  [[ -z $sans ]] || printf 'subjectAltName = %s\n' "$sans"
}

# issue NAME CN ORG EKU SANS: NAME.key + NAME.crt signed by the cluster CA.
issue() {
  local name=$1 conf
  conf=$(mktemp)
  cert_conf "$2" "$3" "$4" "$5" >"$conf"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -config "$conf" -out "$PKI/$name.csr"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 3650 -extfile "$conf" -extensions ext -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$conf" "$PKI/$name.csr"
  chmod 600 "$PKI/$name.key"
}

ensure_pki() {
  local node=$1 ip=$2
  install -d -m 0700 "$PKI"
  if [[ ! -s $PKI/ca.crt ]]; then
    log "creating the cluster CA and service-account keys"
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -days 3650 -out "$PKI/ca.crt" -config <(printf '%s\n' \
      '[req]' 'distinguished_name = dn' 'prompt = no' 'x509_extensions = ca' '[dn]' 'CN = slurmk8s-cluster-ca' \
      '[ca]' 'basicConstraints = critical,CA:TRUE' 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature' \
      'subjectKeyIdentifier = hash')
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
    chmod 600 "$PKI/ca.key" "$PKI/sa.key"
    rm -f "$PKI/identity"
  fi
  # Serving certificates name the node: reissue them when its name or address changed.
  if [[ $(cat "$PKI/identity" 2>/dev/null) != "$node $ip" ]]; then
    log "issuing serving certificates for $node ($ip)"
    issue apiserver kube-apiserver "" serverAuth \
      "IP:$API_SERVICE_IP,IP:$ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:$node"
    issue kubelet "system:node:$node" system:nodes serverAuth "IP:$ip,DNS:$node"
    # The API server's identity towards kubelets (logs, exec): the kubelet asks the API server
    # (webhook authorization) whether it may; system:masters may.
    issue apiserver-kubelet-client kube-apiserver-kubelet-client system:masters clientAuth ""
    echo "$node $ip" >"$PKI/identity"
  fi
}

# One bearer token per component (token,user,uid,"groups"). The users are those the
# bootstrap RBAC policy and the Node authorizer know.
ensure_tokens() {
  local node=$1 f=$CLUSTER_DIR/tokens.csv
  if [[ -s $f ]] && grep -q ",system:node:$node," "$f"; then return 0; fi
  {
    echo "$(openssl rand -hex 24),admin,admin,\"system:masters\""
    echo "$(openssl rand -hex 24),system:kube-controller-manager,kube-controller-manager"
    echo "$(openssl rand -hex 24),system:kube-scheduler,kube-scheduler"
    echo "$(openssl rand -hex 24),system:kube-proxy,kube-proxy"
    echo "$(openssl rand -hex 24),system:node:$node,kubelet,\"system:nodes\""
  } >"$f"
  chmod 600 "$f"
}

token_of() { awk -F, -v u="$1" '$2 == u { print $1; exit }' "$CLUSTER_DIR/tokens.csv"; }

# put_file FILE MODE [DAEMON]: FILE gets stdin if that differs from what it holds (a daemon
# watching its file, as kube-proxy does, exits on any write); DAEMON, if running, is then
# marked for a restart with the new content.
declare -A RESTART=()
put_file() {
  local file=$1 mode=$2 daemon=${3:-} tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -e $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$file"
    [[ -z $daemon || -z $(daemon_pid "$daemon") ]] || RESTART[$daemon]=1
  fi
}

# write_kubeconfig FILE USER SERVER [DAEMON]
write_kubeconfig() {
  local file=$1 user=$2 server=$3
  put_file "$file" 600 "${4:-}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: slurmk8s
  cluster:
    server: $server
    certificate-authority: $PKI/ca.crt
users:
- name: $user
  user:
    token: $(token_of "$user")
contexts:
- name: slurmk8s
  context: {cluster: slurmk8s, user: $user}
current-context: slurmk8s
EOF
}

# ---------------------------------------------------------------- configuration files
write_configs() {
  local node=$1 ip=$2 server="https://$2:$API_PORT"
  write_kubeconfig "$ADMIN_KUBECONFIG" admin "$server"
  write_kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" system:kube-controller-manager "$server" kube-controller-manager
  write_kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" system:kube-scheduler "$server" kube-scheduler
  write_kubeconfig "$CLUSTER_DIR/kube-proxy.kubeconfig" system:kube-proxy "$server" kube-proxy
  write_kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" "system:node:$node" "$server" kubelet

  install -d -m 0755 "$CNI_CONF_DIR" "$CNI_DATA_DIR"
  # No ipMasq: pod traffic is never rewritten to leave the machine. Loopback is containerd's own.
  put_file "$CNI_CONF_DIR/10-$CNI_NET.conflist" 644 containerd <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$CNI_DATA_DIR"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

  put_file "$CLUSTER_DIR/containerd.toml" 644 containerd <<EOF
# Written by scripts/cluster.sh (overwritten by \`up\`).
version = 2
root = "$CTR_ROOT"
state = "$CTR_STATE"
[grpc]
  address = "$CTR_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CLUSTER_DIR/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Required here: the VM lacks CAP_SYS_RESOURCE, runc cannot raise oom_score_adj.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUN_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_CONF_DIR"
EOF

  put_file "$CLUSTER_DIR/kubelet-config.yaml" 644 kubelet <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failSwapOn: false
clusterDomain: cluster.local
# Pods sync every 10 s instead of every minute: ConfigMap changes reach mounted files sooner.
syncFrequency: 10s
# Node status computed every 3 s instead of 10 (posted only when it changes; the heartbeat is the
# Lease): the node turns Ready one cycle after its network is, ~10 s sooner on a fresh start.
nodeStatusUpdateFrequency: 3s
EOF

  put_file "$CLUSTER_DIR/kube-proxy-config.yaml" 644 kube-proxy <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $node
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection:
  kubeconfig: $CLUSTER_DIR/kube-proxy.kubeconfig
# 0: leave the host's conntrack table size and timeouts alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
}

# ---------------------------------------------------------------- kernel settings and firewall
save_sysctls() {
  local f=$CLUSTER_DIR/sysctl.saved k
  [[ -s $f ]] && return 0 # saved by an earlier `up` that was not followed by `down`
  for k in "${SYSCTLS[@]}"; do
    [[ -r /proc/sys/$k ]] && echo "$k=$(cat "/proc/sys/$k")"
  done >"$f.tmp"
  mv "$f.tmp" "$f"
}

restore_sysctls() {
  local f=$CLUSTER_DIR/sysctl.saved k v
  [[ -s $f ]] || return 0
  while IFS='=' read -r k v; do
    [[ $(cat "/proc/sys/$k" 2>/dev/null) == "$v" ]] || echo "$v" >"/proc/sys/$k" 2>/dev/null || log "could not restore $k=$v"
  done <"$f"
  rm -f "$f"
  log "restored kernel settings (${SYSCTLS[*]##*/})"
}

# Forwarding is on (pod → Service → pod), but only within the pods' bridge; the API server's and
# kubelet's ports answer this machine and its pods only. (Two chains: -o may not be used under INPUT.)
ensure_guard() {
  local in=$GUARD_CHAIN-IN fwd=$GUARD_CHAIN-FWD
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Service traffic between two pods on the bridge needs bridged packets to pass iptables; pods
  # reach the API server (the host) without it.
  if [[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  else
    log "WARNING: br_netfilter is not loaded (no /proc/sys/net/bridge): pod → Service → pod on this node will not work"
  fi
  iptables -w -N "$in" 2>/dev/null || iptables -w -F "$in"
  iptables -w -A "$in" -p tcp -m multiport --dports "$API_PORT,10250" -s "$POD_CIDR" -j RETURN
  iptables -w -A "$in" -p tcp -m multiport --dports "$API_PORT,10250" -m addrtype --src-type LOCAL -j RETURN
  iptables -w -A "$in" -p tcp -m multiport --dports "$API_PORT,10250" -j DROP
  iptables -w -N "$fwd" 2>/dev/null || iptables -w -F "$fwd"
  iptables -w -A "$fwd" -i "$BRIDGE" -o "$BRIDGE" -j RETURN
  iptables -w -A "$fwd" -i "$BRIDGE" -j DROP
  iptables -w -A "$fwd" -o "$BRIDGE" -j DROP
  guard_first
}

# Our jumps first in INPUT and FORWARD: kube-proxy prepends its own (KUBE-FORWARD accepts
# masquerade-marked packets, e.g. a NodePort from outside) when it starts, so `up` calls this
# again once kube-proxy has synced. kube-proxy only adds missing rules; it never reorders.
guard_first() {
  local c chain
  for c in INPUT FORWARD; do
    chain=$GUARD_CHAIN-$([[ $c == INPUT ]] && echo IN || echo FWD)
    [[ $(iptables -w -S "$c" | sed -n 2p) == "-A $c -j $chain" ]] && continue
    while iptables -w -D "$c" -j "$chain" 2>/dev/null; do :; done
    iptables -w -I "$c" 1 -j "$chain"
  done
}

# Every chain named KUBE-*, CNI-* (kubelet, kube-proxy, the CNI plugins) or ours, and every rule
# that jumps to one, in every table, IPv4 and IPv6.
flush_chains() {
  local cmd table chains rule
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$cmd" -w -t "$table" -S >/dev/null 2>&1 || continue
      while IFS= read -r rule; do
        # shellcheck disable=SC2086 # the rule's words, as iptables -S printed them
        eval "$cmd -w -t $table -D ${rule#-A }" 2>/dev/null || true
      done < <("$cmd" -w -t "$table" -S | grep -E "^-A .* -j (KUBE-|CNI-|$GUARD_CHAIN)" | grep -vE '^-A (KUBE-|CNI-|'"$GUARD_CHAIN"')' || true)
      chains=$("$cmd" -w -t "$table" -S | sed -nE "s/^-N ((KUBE-|CNI-|$GUARD_CHAIN)[^ ]*)$/\1/p")
      for rule in $chains; do "$cmd" -w -t "$table" -F "$rule" 2>/dev/null || true; done
      for rule in $chains; do "$cmd" -w -t "$table" -X "$rule" 2>/dev/null || true; done
    done
  done
}

# ---------------------------------------------------------------- images
ctr_k8s() { ctr --address "$CTR_SOCK" -n k8s.io "$@"; }

cmd_import_image() {
  local file=${1:?usage: import-image FILE.tar}
  [[ -S $CTR_SOCK ]] || die "containerd is not running (run '$0 up' first)"
  ctr_k8s images import "$file" >&2
}

# The pause image: one static binary, nothing else.
build_pause_image() {
  local out=$CLUSTER_DIR/images/pause.tar src=$HERE/lib/pause.c
  if [[ -s $out && $out -nt $src ]]; then return 0; fi
  local rootfs
  rootfs=$(mktemp -d)
  gcc -static -Os -s -o "$rootfs/pause" "$src"
  write_image_archive "$rootfs" "$PAUSE_IMAGE" "$out" '{"Entrypoint":["/pause"]}'
  rm -rf "$rootfs"
}

# BIN and the shared libraries it loads (ldd), with their paths, into ROOTFS: an image gets exactly
# what the binary needs, not the host's whole /lib.
copy_with_libs() {
  local bin=$1 rootfs=$2 lib
  install -D -m 0755 "$bin" "$rootfs$bin"
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+' | sort -u); do
    [[ -e $rootfs$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

# The smoke check's image: busybox's shell and tools and curl with exactly the libraries it loads.
build_check_image() {
  local out=$CLUSTER_DIR/images/check.tar
  [[ -s $out ]] && return 0
  local rootfs a
  rootfs=$(mktemp -d)
  install -D -m 0755 /bin/busybox "$rootfs/bin/busybox"
  for a in sh cat grep echo sed hostname; do ln -s busybox "$rootfs/bin/$a"; done
  copy_with_libs /usr/bin/curl "$rootfs"
  write_image_archive "$rootfs" "$CHECK_IMAGE" "$out" '{"Entrypoint":["/bin/sh"],"Env":["PATH=/usr/bin:/bin"]}'
  rm -rf "$rootfs"
}

image_present() { ctr_k8s images ls -q 2>/dev/null | grep -qx "$1"; }

ensure_images() {
  install -d -m 0755 "$CLUSTER_DIR/images"
  build_pause_image
  build_check_image
  image_present "$PAUSE_IMAGE" || ctr_k8s images import "$CLUSTER_DIR/images/pause.tar" >/dev/null
  image_present "$CHECK_IMAGE" || ctr_k8s images import "$CLUSTER_DIR/images/check.tar" >/dev/null
}

# ---------------------------------------------------------------- daemons
api_ready() { curl -s --max-time 2 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(token_of admin)" "https://$1:$API_PORT/readyz" | grep -qx ok; }
etcd_ready() { curl -s --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }

node_ready() {
  [[ $(kubectl_ get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]] || return 1
  # The node lifecycle controller lifts the not-ready taint a moment later; pods wait for that.
  ! kubectl_ get node "$1" -o jsonpath='{.spec.taints[*].key}' 2>/dev/null | grep -q 'node.kubernetes.io/not-ready'
}

default_sa_ready() { [[ -n $(kubectl_ -n default get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null) ]]; }

start_control_plane() {
  local ip=$1 bin=$KUBE_BIN_DIR
  start_daemon etcd etcd --name default --data-dir "$CLUSTER_DIR/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_for 30 etcd etcd etcd_ready || die "etcd did not become healthy"

  start_daemon kube-apiserver "$bin/kube-apiserver" \
    --advertise-address="$ip" --bind-address="$ip" --secure-port="$API_PORT" --insecure-port=0 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
    --token-auth-file="$CLUSTER_DIR/tokens.csv" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --profiling=false
  wait_for 90 "kube-apiserver /readyz" kube-apiserver api_ready "$ip" || die "kube-apiserver did not become ready"
  log "kube-apiserver ready"

  # Each controller runs under its own service account (system:controller:* roles), as in kubeadm
  # clusters: under the manager's own identity the node lifecycle controller may not patch nodes,
  # so the not-ready taint would never leave.
  start_daemon kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --port=0 --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --cluster-name=slurmk8s --profiling=false
  start_daemon kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --port=0 --leader-elect=false --profiling=false
}

start_node() {
  local node=$1 ip=$2 bin=$KUBE_BIN_DIR
  start_daemon containerd containerd --config "$CLUSTER_DIR/containerd.toml"
  wait_for 30 containerd containerd ctr --address "$CTR_SOCK" version || die "containerd did not answer"
  ensure_images

  start_daemon kube-proxy "$bin/kube-proxy" --config="$CLUSTER_DIR/kube-proxy-config.yaml"
  start_daemon kubelet "$bin/kubelet" --config="$CLUSTER_DIR/kubelet-config.yaml" \
    --kubeconfig="$CLUSTER_DIR/kubelet.kubeconfig" --hostname-override="$node" --node-ip="$ip" \
    --root-dir="$KUBELET_DIR" --cert-dir="$KUBELET_DIR/pki" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CTR_SOCK"
}

# ---------------------------------------------------------------- red-box
ensure_redbox_binary() {
  if [[ ! -x $SLURMK8S_BIN ]]; then
    [[ $SLURMK8S_BIN == "$ROOT/out/slurmk8s" ]] || die "SLURMK8S_BIN=$SLURMK8S_BIN is not an executable file"
    log "$SLURMK8S_BIN missing: publishing it"
    "$ROOT/build.sh" publish >&2
  fi
  install -d -m 0755 "$CLUSTER_DIR/bin"
  if ! cmp -s "$SLURMK8S_BIN" "$REDBOX_BIN"; then
    # A new build: the running red-box (if any) is the old one.
    stop_daemon redbox 30
    install -m 0755 "$SLURMK8S_BIN" "$REDBOX_BIN.tmp" && mv "$REDBOX_BIN.tmp" "$REDBOX_BIN"
  fi
}

redbox_token() { kubectl_ -n "$REDBOX_NAMESPACE" get secret "$REDBOX_TOKEN_SECRET" -o jsonpath='{.data.token}' 2>/dev/null; }
redbox_token_ready() { [[ -n $(redbox_token) ]]; }

# red-box's read-only identity (manifests/redbox-rbac.yaml) and its kubeconfig: the token the token controller put
# in the Secret, the CA inlined (red-box may not read $PKI), the API server at the node's address.
ensure_redbox_identity() {
  local ip=$1 token ca
  kubectl_ apply -f "$ROOT/manifests/redbox-rbac.yaml" >/dev/null
  wait_for 30 "the token of service account $REDBOX_NAMESPACE/red-box" kube-controller-manager redbox_token_ready \
    || die "the token controller did not fill Secret $REDBOX_NAMESPACE/$REDBOX_TOKEN_SECRET"
  token=$(redbox_token | base64 -d)
  ca=$(kubectl_ -n "$REDBOX_NAMESPACE" get secret "$REDBOX_TOKEN_SECRET" -o jsonpath='{.data.ca\.crt}')
  install -d -o root -g root -m 0755 "$REDBOX_ETC"
  put_file "$REDBOX_KUBECONFIG" 600 redbox <<EOF
# Written by scripts/cluster.sh up: red-box's identity (manifests/redbox-rbac.yaml), read pods only.
apiVersion: v1
kind: Config
clusters:
- name: slurmk8s
  cluster:
    server: https://$ip:$API_PORT
    certificate-authority-data: $ca
users:
- name: red-box
  user:
    token: $token
contexts:
- name: red-box
  context: {cluster: slurmk8s, user: red-box}
current-context: red-box
EOF
  chown "$SVC_USER:$SVC_USER" "$REDBOX_KUBECONFIG"
}

# What red-box's kubeconfig may do: read pods anywhere, nothing else; whether its user can read the tenancy file.
check_redbox_identity() {
  local want verb resource ns got
  [[ $(stat -c '%U %a' "$REDBOX_KUBECONFIG" 2>/dev/null) == "$SVC_USER 600" ]] \
    || die "$REDBOX_KUBECONFIG must be $SVC_USER's, mode 600 (it is: $(stat -c '%U %a' "$REDBOX_KUBECONFIG" 2>&1))"
  runuser -u "$SVC_USER" -- test -r "$TENANCY_FILE" || die "$SVC_USER cannot read $TENANCY_FILE"
  while read -r want verb resource ns; do
    got=$("$KUBECTL" --kubeconfig "$REDBOX_KUBECONFIG" auth can-i "$verb" "$resource" -n "$ns" 2>/dev/null || true)
    [[ $got == "$want" ]] || die "red-box's identity: can-i $verb $resource in $ns says '$got', expected $want"
  done <<EOF
yes list pods default
yes watch pods kube-system
yes get pods $REDBOX_NAMESPACE
no create pods default
no delete pods default
no get secrets $REDBOX_NAMESPACE
no list secrets default
no list configmaps default
no list slurmjobs.slurm.sylabs.io default
no patch nodes default
EOF
  log "red-box's identity may read pods and nothing else; $REDBOX_KUBECONFIG is $SVC_USER's (600)"
}

# The tenancy file, replaced in one rename (red-box follows it live: it must never see half a file).
install_tenancy_file() {
  install -d -o root -g root -m 0755 "$REDBOX_ETC"
  put_file "$TENANCY_FILE" 644 <"$ROOT/manifests/tenants.yaml"
  chown root:root "$TENANCY_FILE"
}

# As manifests/redbox.service runs it: the service user, its groups (the socket group among them), CAP_SETUID and
# CAP_SETGID only (ambient, so they survive the exec of red-box; the bounding set holds nothing more) and
# no_new_privs, a runtime dir it owns, a private state dir, a clean environment.
start_redbox() {
  local node=$1 ip=$2
  id -u "$SVC_USER" >/dev/null 2>&1 || die "user $SVC_USER missing (scripts/slurm.sh up creates it)"
  getent group "$SOCKET_GROUP" >/dev/null || groupadd --system "$SOCKET_GROUP"
  id -nG "$SVC_USER" | tr ' ' '\n' | grep -qx "$SOCKET_GROUP" || usermod --append --groups "$SOCKET_GROUP" "$SVC_USER"
  # scripts/slurm.sh up makes these too, but Slurm may have been running already (`up` then leaves it alone).
  ensure_tenant_users "$SVC_USER"
  ensure_tenant_accounts "$SVC_USER"
  install_tenancy_file
  ensure_redbox_identity "$ip"
  install -d -o "$SVC_USER" -g "$SVC_USER" -m 0755 "$REDBOX_SOCKET_DIR"
  install -d -o "$SVC_USER" -g "$SVC_USER" -m 0700 "$REDBOX_STATE"
  ensure_redbox_binary
  if [[ -n ${RESTART[redbox]:-} ]]; then
    log "red-box's kubeconfig changed: restarting it"
    stop_daemon redbox 30
  fi
  start_daemon redbox env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/var/lib/slurmk8s \
    USER="$SVC_USER" LOGNAME="$SVC_USER" LANG=C.UTF-8 \
    setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups --no-new-privs \
    --inh-caps=-all,+setuid,+setgid --ambient-caps=-all,+setuid,+setgid --bounding-set=-all,+setuid,+setgid -- \
    "$REDBOX_BIN" redbox --socket "$REDBOX_SOCKET" --socket-group "$SOCKET_GROUP" \
    --tenants "$TENANCY_FILE" --kubeconfig "$REDBOX_KUBECONFIG" --node-name "$node" --state-dir "$REDBOX_STATE"
  wait_for 30 "red-box's socket" redbox test -S "$REDBOX_SOCKET" || die "red-box did not start"
}

slurm_running() { "$HERE/slurm.sh" status >/dev/null 2>&1; }

# ---------------------------------------------------------------- commands
require_root() { [[ $(id -u) -eq 0 ]] || die "run as root"; }

cmd_build() {
  require_root
  ensure_packages "${RUN_PKGS[@]}"
  local bins=("${KUBE_BINS[@]}")
  # kubectl from the same tree only where the machine has none.
  command -v kubectl >/dev/null || bins+=(kubectl)
  kube_build "${bins[@]}"
}

everything_runs() {
  local d
  for d in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kube-proxy kubelet redbox; do
    [[ -n $(daemon_pid "$d") ]] || return 1
  done
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
  # crashed run go first.
  if [[ -z $(daemon_pid etcd) || $(cat "$RUN_DIR/identity" 2>/dev/null) != "$node $ip" ]]; then
    teardown quiet
  fi
  install -d -m 0755 "$RUN_DIR"
  echo "$node $ip" >"$RUN_DIR/identity"
  ensure_pki "$node" "$ip"
  ensure_tokens "$node"
  write_configs "$node" "$ip"
  local d
  for d in "${!RESTART[@]}"; do
    log "$d's configuration changed: restarting it"
    stop_daemon "$d"
  done
  save_sysctls
  ensure_guard

  start_control_plane "$ip"
  log "control plane up after $(since "$t0") s"
  start_node "$node" "$ip"
  wait_for 60 "node $node registered" kubelet kubectl_ get node "$node" || die "node $node did not register"
  log "node $node registered after $(since "$t0") s"
  wait_for 120 "node $node Ready" kubelet node_ready "$node" || {
    kubectl_ describe node "$node" >&2 || true
    die "node $node is not Ready"
  }
  wait_for 60 "the default service account's token" "" default_sa_ready || die "no service-account token in namespace default"
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

# A pod with nothing but its service-account token and CA reaches the API server through the
# `kubernetes` Service: authenticated (/api is not open to anonymous users) and verified (curl
# checks the serving certificate against ca.crt, for the Service's IP).
cmd_check() {
  require_root
  find_kubectl
  [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]] || die "the cluster is not running (run '$0 up' first)"
  local t0 phase out
  t0=$(now)
  kubectl_ -n default delete pod "$CHECK_POD" --ignore-not-found --wait=true >/dev/null
  kubectl_ apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $CHECK_POD
  namespace: default
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: $CHECK_IMAGE
      imagePullPolicy: Never
      command:
        - /bin/sh
        - -c
        - |
          sa=/var/run/secrets/kubernetes.io/serviceaccount
          api=https://\$KUBERNETES_SERVICE_HOST:\$KUBERNETES_SERVICE_PORT
          echo "pod \$(hostname): API at \$api"
          curl -sS --fail --cacert \$sa/ca.crt -H "Authorization: Bearer \$(cat \$sa/token)" \$api/api || exit 1
          echo
          # The service account may not list pods: the refusal names who the token is.
          curl -sS --cacert \$sa/ca.crt -H "Authorization: Bearer \$(cat \$sa/token)" \
            "\$api/api/v1/namespaces/\$(cat \$sa/namespace)/pods" | grep '"message"'
EOF
  local end=$((SECONDS + 90))
  while :; do
    phase=$(kubectl_ -n default get pod "$CHECK_POD" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    [[ $phase == Succeeded || $phase == Failed ]] && break
    if ((SECONDS >= end)); then
      kubectl_ -n default describe pod "$CHECK_POD" >&2 || true
      die "check pod not finished after 90 s (phase: ${phase:-none})"
    fi
    sleep 0.5
  done
  out=$(kubectl_ -n default logs "$CHECK_POD" 2>&1 || true)
  printf '%s\n' "$out" | sed 's/^/  | /' >&2
  kubectl_ -n default delete pod "$CHECK_POD" --wait=false >/dev/null 2>&1 || true
  [[ $phase == Succeeded ]] || die "check pod $phase"
  grep -q '"kind": *"APIVersions"' <<<"$out" || die "check pod did not get the API's versions"
  grep -q 'system:serviceaccount:default:default' <<<"$out" || die "check pod's token is not the default service account's"
  log "check passed in $(since "$t0") s: a pod reached the API server at the kubernetes Service with its service-account token, verifying ca.crt"
  check_redbox_identity
}

tasks_running() { ctr_k8s tasks ls 2>/dev/null | awk 'NR > 1 && $3 != "STOPPED" {found = 1} END {exit !found}'; }

# Pods first (while the kubelet still runs, it tears down their sandboxes and networks the
# regular way), then the daemons, then whatever a crashed run may have left.
teardown() {
  local quiet=${1:-}
  if [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]]; then
    stop_daemon kube-controller-manager # nothing recreates pods from here on
    stop_daemon kube-scheduler
    find_kubectl
    kubectl_ delete pods --all-namespaces --all --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
    local end=$((SECONDS + 30))
    while tasks_running && ((SECONDS < end)); do sleep 0.3; done
  fi
  stop_daemon redbox 30
  rmdir "$REDBOX_SOCKET_DIR" 2>/dev/null || true # red-box removes its socket; the dir goes when empty
  rm -f "$REDBOX_KUBECONFIG" # its token goes with the cluster's store (below); the tenancy file stays
  stop_daemon kube-controller-manager
  stop_daemon kube-scheduler
  stop_daemon kubelet
  stop_daemon kube-proxy
  if [[ -n $(daemon_pid containerd) ]]; then
    # Whatever the kubelet left: kill the tasks, wait until they stopped, delete them and their containers.
    local c end=$((SECONDS + 10))
    for c in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    while tasks_running && ((SECONDS < end)); do sleep 0.2; done
    for c in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete "$c" >/dev/null 2>&1 || true; done
    for c in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  stop_daemon containerd
  # Shims of this containerd that outlived it (found by its socket, never by name alone).
  local p
  for p in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $CTR_SOCK" || true); do
    kill -KILL "$p" 2>/dev/null || true
  done
  stop_daemon kube-apiserver 5
  stop_daemon etcd
  if [[ -f $RUN_DIR/slurm.started ]]; then
    "$HERE/slurm.sh" down >&2 || true
    rm -f "$RUN_DIR/slurm.started"
  fi

  # Network namespaces of pod sandboxes, mounts under our directories, then the bridge.
  local ns m
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(findmnt -rn -o TARGET | awk -v a="$CLUSTER_DIR/" -v b="$RUN_DIR/" 'index($0, a) == 1 || index($0, b) == 1' | sort -r)
  for m in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{sub("@.*", "", $2); print $2}'); do
    ip link delete "$m" 2>/dev/null || true
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link delete "$BRIDGE"
  if [[ -x $KUBE_BIN_DIR/kube-proxy ]]; then "$KUBE_BIN_DIR/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  flush_chains
  restore_sysctls

  # Empty cgroups the kubelet made (kubepods/…), deepest first.
  find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name kubepods 2>/dev/null | while read -r m; do
    find "$m" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$KUBELET_DIR" "$CNI_DATA_DIR" "$CLUSTER_DIR/etcd-data" "$RUN_DIR"
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
  for d in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kube-proxy kubelet redbox; do
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
  return $ok
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  check) cmd_check ;;
  status) cmd_status ;;
  down) cmd_down ;;
  purge) cmd_purge ;;
  import-image) shift; require_root; cmd_import_image "$@" ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
