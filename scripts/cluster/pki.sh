# shellcheck shell=bash
# scripts/cluster.sh: the cluster's CA, serving and client certificates, service-account keys, the components'
# bearer tokens and kubeconfigs. Sourced by cluster.sh after its settings (PKI, CLUSTER_DIR, API_SERVICE_IP).
#
#   ensure_pki NODE IP       CA and service-account keys once; serving certificates again when NODE or IP changed
#   ensure_tokens NODE       tokens.csv: one token per component (again when the node's name changed)
#   token_of USER            that user's token
#   write_kubeconfig FILE USER SERVER [DAEMON]   a kubeconfig (templates/kubeconfig.yaml); DAEMON is
#                            restarted by `up` when it changed (put_config)

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

# shellcheck disable=SC2034 # the locals are the template's variables (render reads them by name)
write_kubeconfig() {
  local file=$1 KUBE_USER=$2 SERVER=$3 KUBE_CLUSTER=slurmk8s TLS="certificate-authority: $PKI/ca.crt" TOKEN
  TOKEN=$(token_of "$KUBE_USER")
  put_config "$file" 600 "${4:-}" < <(render kubeconfig.yaml KUBE_CLUSTER SERVER TLS KUBE_USER TOKEN)
}
