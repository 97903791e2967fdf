#!/usr/bin/env bash
# A real Kubernetes API server (v1.20.2, built from Debian bookworm's `kubernetes`
# source package) plus etcd, on loopback, for slurmk8s tests and the local demo.
#
#   scripts/kube-apiserver.sh build     build kube-apiserver once into $KUBE_CACHE/bin (idempotent)
#   scripts/kube-apiserver.sh up DIR [OWNER_PID]  start etcd + kube-apiserver, state/config in DIR;
#                                       writes DIR/kubeconfig (admin token, system:masters). With
#                                       OWNER_PID (a test run), both are stopped and DIR removed once
#                                       that process is gone, even if it was killed before its teardown
#   scripts/kube-apiserver.sh down DIR  stop both (SIGTERM, then SIGKILL)
#   scripts/kube-apiserver.sh restart DIR  stop and start kube-apiserver only (same port, flags
#                                       and token; etcd and its data stay), then wait until ready
#   scripts/kube-apiserver.sh compact DIR  compact etcd to its current revision (etcdctl), so
#                                       reads at older revisions give 410 Gone
#
# Why build from source: no registry reachable here serves kube-apiserver binaries,
# but Debian ships the full v1.20.2 tree (with vendor/) as a source package.
# Only the API server runs: no controllers (no GC), no scheduler, no kubelet.
# v1.20.2 has known security flaws: it is bound to 127.0.0.1 only.
#
# Environment:
#   KUBE_CACHE  where the source, its build tree and bin/ live (default /var/cache/slurmk8s/kube);
#               outside the checkout so `git clean` does not throw away a 6-minute build.
# Files in DIR after `up`: kubeconfig, ports (ETCD_PORT=, ETCD_PEER_PORT=, APISERVER_PORT=),
# etcd.pid/.cmd, kube-apiserver.pid/.cmd, etcd.log, kube-apiserver.log, tokens.csv, sa.key, sa.pub,
# certs/ (self-signed serving cert made by kube-apiserver), etcd-data/.
# Needs root (apt-get); no systemd: both daemons are started by hand.
set -euo pipefail

LOG_TAG=kube-apiserver.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# Building (source package, reflect2 fix, version file, make): scripts/lib/kube-build.sh, shared with cluster.sh.
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kube-build.sh"
# shellcheck source=SCRIPTDIR/lib/etcd.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/etcd.sh"
BIN=$KUBE_BIN_DIR/kube-apiserver
# Needed to run it (ensured by `build` even when the binary is cached).
RUN_PKGS=(etcd-server etcd-client openssl curl)
# Both daemons are supervised (scripts/lib/common.sh) with their pid files and logs in DIR.
daemon_exe() { if [[ $1 == kube-apiserver ]]; then echo "$BIN"; else command -v "$1"; fi; }
use_dir() { DAEMON_RUN_DIR=$1 DAEMON_LOG_DIR=$1; }
running() { [[ -n $(daemon_pid "$1") ]]; }

cmd_build() {
  ensure_packages "${RUN_PKGS[@]}"
  kube_build kube-apiserver
}

# free_port: a TCP port below the ephemeral range, not in USED_PORTS.
# shellcheck source=SCRIPTDIR/lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"

# Same flags on `up` and `restart`: a restarted API server must look like the one clients knew.
start_apiserver() {
  local dir=$1 etcd_port=$2 api_port=$3
  daemon_start kube-apiserver "$BIN" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --secure-port="$api_port" --insecure-port=0 --cert-dir="$dir/certs" \
    --token-auth-file="$dir/tokens.csv" --authorization-mode=RBAC \
    --service-account-key-file="$dir/sa.pub" --service-account-signing-key-file="$dir/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.96.0.0/16 --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none --disable-admission-plugins=ServiceAccount --allow-privileged=true
}

api_ready() { [[ $(curl -sk --max-time 2 -H "Authorization: Bearer $1" "https://127.0.0.1:$2/readyz" 2>/dev/null) == ok ]]; }

# /readyz answers ok within 60 s, or the last log lines (etcd's too) are shown and it fails.
wait_ready() {
  local token=$1 api_port=$2
  wait_until --daemon kube-apiserver 60 "kube-apiserver /readyz" api_ready "$token" "$api_port" && return 0
  daemon_tail etcd 20
  return 1
}

# watch_owner PID DIR: in a session of its own, waits for PID to end, then stops DIR's daemons and removes DIR
# (a normal teardown has done both already, and this finds nothing to do).
watch_owner() {
  local owner=$1 dir=$2
  # shellcheck disable=SC2016 # expanded by the inner bash, from its own arguments
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; "$2" down "$3" && rm -rf "$3"' \
    owner-watch "$owner" "$(readlink -f "$0")" "$dir" </dev/null >/dev/null 2>&1 &
}

cmd_up() {
  local dir=${1:?usage: up DIR [OWNER_PID]} owner=${2:-}
  [[ -x $BIN ]] || die "$BIN missing: run '$0 build' first"
  command -v etcd >/dev/null || die "etcd missing: run '$0 build' (installs etcd-server)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  use_dir "$dir"
  if running kube-apiserver || running etcd; then
    die "already running in $dir (run '$0 down $dir' first)"
  fi
  local t0 etcd_port peer_port api_port token
  t0=$(now)
  etcd_port=$(free_port); USED_PORTS=" $etcd_port"
  peer_port=$(free_port); USED_PORTS+=" $peer_port"
  api_port=$(free_port)
  printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPISERVER_PORT=%s\n' "$etcd_port" "$peer_port" "$api_port" >"$dir/ports"

  # Fresh state each time: tests want an empty cluster.
  rm -rf "$dir/etcd-data" "$dir/certs"
  mkdir -p "$dir/certs"
  [[ -f $dir/sa.key ]] || openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  token=$(openssl rand -hex 24)
  # token,user,uid,"groups": system:masters is bound to cluster-admin.
  echo "$token,admin,admin,\"system:masters\"" >"$dir/tokens.csv"
  chmod 600 "$dir/sa.key" "$dir/tokens.csv"

  : >"$dir/etcd.log"
  : >"$dir/kube-apiserver.log"
  start_etcd "$dir/etcd-data" "$etcd_port" "$peer_port"
  start_apiserver "$dir" "$etcd_port" "$api_port"

  # The serving cert is self-signed by kube-apiserver itself, hence insecure-skip-tls-verify.
  KUBE_CLUSTER=local KUBE_USER=admin SERVER=https://127.0.0.1:$api_port TLS="insecure-skip-tls-verify: true" TOKEN=$token \
    render kubeconfig.yaml KUBE_CLUSTER SERVER TLS KUBE_USER TOKEN >"$dir/kubeconfig"
  chmod 600 "$dir/kubeconfig"

  if ! wait_ready "$token" "$api_port"; then
    cmd_down "$dir" || true
    exit 1
  fi
  [[ -z $owner ]] || watch_owner "$owner" "$dir"
  log "ready in $(since "$t0") s (API https://127.0.0.1:$api_port)"
  echo "$dir/kubeconfig"
}

cmd_down() {
  local dir=${1:?usage: down DIR}
  [[ -d $dir ]] || return 0
  use_dir "$(cd "$dir" && pwd)"
  # API server first, so it does not log etcd connection errors while stopping.
  daemon_stop kube-apiserver
  daemon_stop etcd
  log "stopped ($dir)"
}

# The ports and token that `up` chose for DIR, into ETCD_PORT, APISERVER_PORT and TOKEN.
load_state() {
  local dir=$1
  [[ -f $dir/ports && -f $dir/tokens.csv ]] || die "$dir has no running API server (run '$0 up $dir' first)"
  # shellcheck source=/dev/null
  source "$dir/ports"
  TOKEN=$(cut -d, -f1 "$dir/tokens.csv")
}

# For tests of clients that must survive an API server restart: etcd keeps its data,
# so objects and resourceVersions carry over (the watch cache starts anew, though).
cmd_restart() {
  local dir=${1:?usage: restart DIR} t0
  dir=$(cd "$dir" && pwd)
  load_state "$dir"
  use_dir "$dir"
  running etcd || die "etcd is not running in $dir (run '$0 up $dir')"
  t0=$(now)
  # Open watches hold kube-apiserver's graceful shutdown for up to a minute: give it 3 s.
  daemon_stop kube-apiserver 3
  # shellcheck disable=SC2153 # ETCD_PORT, APISERVER_PORT: from DIR/ports (load_state)
  start_apiserver "$dir" "$ETCD_PORT" "$APISERVER_PORT"
  wait_ready "$TOKEN" "$APISERVER_PORT" || die "kube-apiserver did not come back in $dir"
  log "restarted in $(since "$t0") s"
}

# Compacts etcd's history up to now: reads and watches from an older revision
# that reach etcd get 410 Gone. (Watches the API server serves from its watch
# cache do not reach etcd; after a restart that cache starts at the current revision.)
cmd_compact() {
  local dir=${1:?usage: compact DIR} endpoint rev
  dir=$(cd "$dir" && pwd)
  load_state "$dir"
  command -v etcdctl >/dev/null || die "etcdctl missing: run '$0 build' (installs etcd-client)"
  endpoint=http://127.0.0.1:$ETCD_PORT
  rev=$(ETCDCTL_API=3 etcdctl --endpoints="$endpoint" endpoint status --write-out=json \
    | grep -o '"revision":[0-9]*' | head -n1 | cut -d: -f2)
  [[ -n $rev ]] || die "could not read etcd's revision from $endpoint"
  # --physical: return only once the old revisions are really gone.
  ETCDCTL_API=3 etcdctl --endpoints="$endpoint" compact "$rev" --physical >/dev/null
  log "etcd compacted to revision $rev"
  echo "$rev"
}

case "${1:-}" in
  build) cmd_build ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  compact) shift; cmd_compact "$@" ;;
  *) echo "usage: $0 build | up DIR | down DIR | restart DIR | compact DIR" >&2; exit 2 ;;
esac
