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

# shellcheck disable=SC2034 # used by the scripts that source this file
CLUSTER_DIR=${CLUSTER_DIR:-/var/lib/slurmk8s-cluster}
ADMIN_KUBECONFIG=$CLUSTER_DIR/admin.kubeconfig
REDBOX_BIN=$CLUSTER_DIR/bin/slurmk8s
SOCKET_GROUP=slurmk8s-clients

find_kubectl() {
  if command -v kubectl >/dev/null; then KUBECTL=$(command -v kubectl); else KUBECTL=$KUBE_BIN_DIR/kubectl; fi
}

kubectl_() { "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }
