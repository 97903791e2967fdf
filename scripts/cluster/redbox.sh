# shellcheck shell=bash
# scripts/cluster.sh: red-box, the host daemon, as manifests/redbox.service runs it — the service user slurmk8s with
# CAP_SETUID and CAP_SETGID only, socket /var/run/syslurm/red-box.sock (group slurmk8s-clients), a copy of the
# published binary. Before it starts: the tenants' users, Slurm accounts and work roots (scripts/lib/tenants.sh), its
# tenancy file /etc/slurmk8s/tenants.yaml (manifests/tenants.yaml, replaced on every `up`), its read-only Kubernetes
# identity (manifests/redbox-rbac.yaml) and /etc/slurmk8s/red-box.kubeconfig (slurmk8s 0600, rewritten whenever the
# cluster is new). Sourced by cluster.sh after its settings.
#
#   start_redbox NODE IP     all of the above, then red-box with --node-name NODE, until its socket is there
#   check_redbox_identity    its kubeconfig may read pods and nothing else; its user can read the tenancy file
#   redbox_teardown          stop it; its kubeconfig goes (its token dies with the cluster's store); the tenancy file stays

ensure_redbox_binary() {
  if [[ ! -x $SLURMK8S_BIN ]]; then
    [[ $SLURMK8S_BIN == "$ROOT/out/slurmk8s" ]] || die "SLURMK8S_BIN=$SLURMK8S_BIN is not an executable file"
    log "$SLURMK8S_BIN missing: publishing it"
    "$ROOT/build.sh" publish >&2
  fi
  install -d -m 0755 "$CLUSTER_DIR/bin"
  if ! cmp -s "$SLURMK8S_BIN" "$REDBOX_BIN"; then
    # A new build: the running red-box (if any) is the old one.
    daemon_stop redbox 30
    install -m 0755 "$SLURMK8S_BIN" "$REDBOX_BIN.tmp" && mv "$REDBOX_BIN.tmp" "$REDBOX_BIN"
  fi
}

redbox_token() { kubectl_ -n "$REDBOX_NAMESPACE" get secret "$REDBOX_TOKEN_SECRET" -o jsonpath='{.data.token}' 2>/dev/null; }
redbox_token_ready() { [[ -n $(redbox_token) ]]; }

# red-box's read-only identity (manifests/redbox-rbac.yaml) and its kubeconfig: the token the token controller put
# in the Secret, the CA inlined (red-box may not read $PKI), the API server at the node's address.
# red-box's read-only identity (manifests/redbox-rbac.yaml) and its kubeconfig: the token the token controller put
# in the Secret, the CA inlined (red-box may not read $PKI), the API server at the node's address.
# shellcheck disable=SC2034 # the locals are the template's variables (render reads them by name)
ensure_redbox_identity() {
  local SERVER="https://$1:$API_PORT" KUBE_CLUSTER=slurmk8s KUBE_USER=red-box TOKEN TLS
  kubectl_ apply -f "$ROOT/manifests/redbox-rbac.yaml" >/dev/null
  wait_until --daemon kube-controller-manager 30 "the token of service account $REDBOX_NAMESPACE/red-box" redbox_token_ready \
    || die "the token controller did not fill Secret $REDBOX_NAMESPACE/$REDBOX_TOKEN_SECRET"
  TOKEN=$(redbox_token | base64 -d)
  TLS="certificate-authority-data: $(kubectl_ -n "$REDBOX_NAMESPACE" get secret "$REDBOX_TOKEN_SECRET" -o jsonpath='{.data.ca\.crt}')"
  install -d -o root -g root -m 0755 "$REDBOX_ETC"
  put_config "$REDBOX_KUBECONFIG" 600 redbox < <(render kubeconfig.yaml KUBE_CLUSTER SERVER TLS KUBE_USER TOKEN)
  chown "$SVC_USER:$SVC_USER" "$REDBOX_KUBECONFIG"
}

# What red-box's kubeconfig may do (templates/cluster/redbox-identity.expected); whether its user can read the tenancy file.
check_redbox_identity() {
  local want verb resource ns got
  [[ $(stat -c '%U %a' "$REDBOX_KUBECONFIG" 2>/dev/null) == "$SVC_USER 600" ]] \
    || die "$REDBOX_KUBECONFIG must be $SVC_USER's, mode 600 (it is: $(stat -c '%U %a' "$REDBOX_KUBECONFIG" 2>&1))"
  runuser -u "$SVC_USER" -- test -r "$TENANCY_FILE" || die "$SVC_USER cannot read $TENANCY_FILE"
  while read -r want verb resource ns; do
    [[ -n $want && $want != \#* ]] || continue
    got=$("$KUBECTL" --kubeconfig "$REDBOX_KUBECONFIG" auth can-i "$verb" "$resource" -n "$ns" 2>/dev/null || true)
    [[ $got == "$want" ]] || die "red-box's identity: can-i $verb $resource in $ns says '$got', expected $want"
  done < <(render cluster/redbox-identity.expected REDBOX_NAMESPACE)
  log "red-box's identity may read pods and nothing else; $REDBOX_KUBECONFIG is $SVC_USER's (600)"
}

# The tenancy file, replaced in one rename (red-box follows it live: it must never see half a file).
install_tenancy_file() {
  install -d -o root -g root -m 0755 "$REDBOX_ETC"
  put_file "$TENANCY_FILE" 644 <"$ROOT/manifests/tenants.yaml" || true
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
    daemon_stop redbox 30
  fi
  daemon_start redbox env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/var/lib/slurmk8s \
    USER="$SVC_USER" LOGNAME="$SVC_USER" LANG=C.UTF-8 \
    setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups --no-new-privs \
    --inh-caps=-all,+setuid,+setgid --ambient-caps=-all,+setuid,+setgid --bounding-set=-all,+setuid,+setgid -- \
    "$REDBOX_BIN" redbox --socket "$REDBOX_SOCKET" --socket-group "$SOCKET_GROUP" \
    --tenants "$TENANCY_FILE" --kubeconfig "$REDBOX_KUBECONFIG" --node-name "$node" --state-dir "$REDBOX_STATE"
  wait_until --daemon redbox 30 "red-box's socket" test -S "$REDBOX_SOCKET" || die "red-box did not start"
}


redbox_teardown() {
  daemon_stop redbox 30
  rmdir "$REDBOX_SOCKET_DIR" 2>/dev/null || true # red-box removes its socket; the dir goes when empty
  rm -f "$REDBOX_KUBECONFIG" # its token goes with the cluster's store; the tenancy file stays
}
