# shellcheck shell=bash
# The local cluster's (scripts/cluster.sh) names that other scripts need too, and how they find
# kubectl. Sourced; source scripts/lib/kube-build.sh first (find_kubectl's fallback is in $KUBE_BIN_DIR).
#
#   CLUSTER_DIR       the cluster's files (the environment's CLUSTER_DIR, default /var/lib/slurmk8s-cluster)
#   ADMIN_KUBECONFIG  kubectl as cluster-admin
#   REDBOX_BIN        the copy of the published binary that red-box runs
#   SOCKET_GROUP      the group of red-box's socket
#   find_kubectl      KUBECTL= the machine's kubectl, else $KUBE_BIN_DIR/kubectl (which `cluster.sh build`
#                     builds where the machine has none); it does not check that the file exists
#   kubectl_ ARG...   $KUBECTL as the cluster's admin (ADMIN_KUBECONFIG)
#   DAEMON_RUN_DIR, DAEMON_LOG_DIR, daemon_exe NAME
#                     the cluster's supervised daemons, for common.sh's daemon_*: their pid files and command
#                     lines, their logs, and the binary each runs (daemon_pid checks /proc/PID/exe against it)
#   NODE2_DIR         node 2's files (scripts/cluster/node2.sh)

# shellcheck disable=SC2034 # used by the scripts that source this file
CLUSTER_DIR=${CLUSTER_DIR:-/var/lib/slurmk8s-cluster}
ADMIN_KUBECONFIG=$CLUSTER_DIR/admin.kubeconfig
REDBOX_BIN=$CLUSTER_DIR/bin/slurmk8s
SOCKET_GROUP=slurmk8s-clients
DAEMON_RUN_DIR=/run/slurmk8s-cluster
DAEMON_LOG_DIR=$CLUSTER_DIR/log
NODE2_DIR=/var/lib/slurmk8s-node2

daemon_exe() {
  case $1 in
    etcd | containerd) command -v "$1" ;;
    redbox) echo "$REDBOX_BIN" ;;
    containerd-node2 | kubelet-node2 | redbox-node2) echo "$NODE2_DIR/bin/$1" ;;
    *) echo "$KUBE_BIN_DIR/$1" ;;
  esac
}

find_kubectl() {
  if command -v kubectl >/dev/null; then KUBECTL=$(command -v kubectl); else KUBECTL=$KUBE_BIN_DIR/kubectl; fi
}

kubectl_() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }
