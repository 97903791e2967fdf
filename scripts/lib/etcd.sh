# shellcheck shell=bash
# etcd on loopback for an API server of ours (scripts/cluster.sh, scripts/kube-apiserver.sh). Sourced after
# scripts/lib/common.sh (the supervisor: set DAEMON_RUN_DIR and DAEMON_LOG_DIR first).
#   start_etcd DATA_DIR CLIENT_PORT PEER_PORT   a single-member etcd, supervised as `etcd`
start_etcd() {
  local data=$1 client=http://127.0.0.1:$2 peer=http://127.0.0.1:$3
  daemon_start etcd etcd --name default --data-dir "$data" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "default=$peer"
}
