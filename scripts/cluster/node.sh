# shellcheck shell=bash
# scripts/cluster.sh: the node — its name and address, the kubelet and kube-proxy (their configuration files from
# scripts/templates/cluster/), and when it is Ready. Sourced by cluster.sh after its settings.
#
#   detect_node_name / detect_node_ip   NODE_NAME / NODE_IP, else `hostname -s` lower-cased / the source address of
#                            the route to the default gateway, else the first global IPv4 address
#   write_node_configs NODE IP   kubelet-config.yaml, kube-proxy-config.yaml (each daemon restarted when its changed)
#   start_node NODE IP       containerd (and its images), kube-proxy, the kubelet
#   node_ready NODE          Ready and without the not-ready taint
#   default_sa_ready         the default service account has its token

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


# shellcheck disable=SC2034 # the locals are the templates' variables (render reads them by name)
write_node_configs() {
  local NODE_NAME=$1 NODE_IP=$2 KUBELET_PORT=10250 HEALTHZ_PORT=10248 TLS_CERT=$PKI/kubelet.crt TLS_KEY=$PKI/kubelet.key
  put_config "$CLUSTER_DIR/kubelet-config.yaml" 644 kubelet \
    < <(render cluster/kubelet-config.yaml NODE_IP KUBELET_PORT HEALTHZ_PORT TLS_CERT TLS_KEY PKI)
  put_config "$CLUSTER_DIR/kube-proxy-config.yaml" 644 kube-proxy \
    < <(render cluster/kube-proxy-config.yaml NODE_NAME POD_CIDR CLUSTER_DIR)
}

node_ready() {
  [[ $(kubectl_ get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]] || return 1
  # The node lifecycle controller lifts the not-ready taint a moment later; pods wait for that.
  ! kubectl_ get node "$1" -o jsonpath='{.spec.taints[*].key}' 2>/dev/null | grep -q 'node.kubernetes.io/not-ready'
}

default_sa_ready() { [[ -n $(kubectl_ -n default get serviceaccount default -o jsonpath='{.secrets[0].name}' 2>/dev/null) ]]; }

start_node() {
  local node=$1 ip=$2 bin=$KUBE_BIN_DIR
  start_containerd

  daemon_start kube-proxy "$bin/kube-proxy" --config="$CLUSTER_DIR/kube-proxy-config.yaml"
  daemon_start kubelet "$bin/kubelet" --config="$CLUSTER_DIR/kubelet-config.yaml" \
    --kubeconfig="$CLUSTER_DIR/kubelet.kubeconfig" --hostname-override="$node" --node-ip="$ip" \
    --root-dir="$KUBELET_DIR" --cert-dir="$KUBELET_DIR/pki" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CTR_SOCK"
}

