# shellcheck shell=bash
# scripts/cluster.sh: the control plane — etcd (127.0.0.1), kube-apiserver (the node's address), kube-controller-manager
# (token controller, each controller under its own service account) and kube-scheduler. Sourced by cluster.sh after
# its settings.
#
#   start_control_plane IP   start what does not run (with these flags), until the API server is ready
#   api_ready IP / etcd_ready

api_ready() { curl -s --max-time 2 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(token_of admin)" "https://$1:$API_PORT/readyz" | grep -qx ok; }
etcd_ready() { curl -s --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }

start_control_plane() {
  local ip=$1 bin=$KUBE_BIN_DIR
  start_etcd "$CLUSTER_DIR/etcd-data" "$ETCD_PORT" "$ETCD_PEER_PORT"
  wait_until --daemon etcd 30 etcd etcd_ready || die "etcd did not become healthy"

  daemon_start kube-apiserver "$bin/kube-apiserver" \
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
  wait_until --daemon kube-apiserver 90 "kube-apiserver /readyz" api_ready "$ip" || die "kube-apiserver did not become ready"
  log "kube-apiserver ready"

  # Each controller runs under its own service account (system:controller:* roles), as in kubeadm
  # clusters: under the manager's own identity the node lifecycle controller may not patch nodes,
  # so the not-ready taint would never leave.
  daemon_start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$CLUSTER_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 --port=0 --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --cluster-name=slurmk8s --profiling=false
  daemon_start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$CLUSTER_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --port=0 --leader-elect=false --profiling=false
}

