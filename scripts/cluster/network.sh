# shellcheck shell=bash
# scripts/cluster.sh: the pods' network — the bridge CNI configuration, the kernel settings the kubelet and kube-proxy
# change (saved by `up`, restored by `down`), and the guard chains that keep the API server, the kubelet and the pods
# to this machine. Sourced by cluster.sh after its settings.
#
#   write_cni_config         templates/cluster/cni.conflist → $CNI_CONF_DIR (containerd restarted when it changed)
#   save_sysctls / restore_sysctls
#   ensure_guard / guard_first   the SLURMK8S-CLUSTER-IN/-FWD chains, and our jumps first in INPUT and FORWARD
#   network_teardown         pod network namespaces, the bridge, every KUBE-/CNI-/our chain, the kernel settings

# No ipMasq: pod traffic is never rewritten to leave the machine. Loopback is containerd's own.
write_cni_config() {
  install -d -m 0755 "$CNI_CONF_DIR" "$CNI_DATA_DIR"
  put_config "$CNI_CONF_DIR/10-$CNI_NET.conflist" 644 containerd \
    < <(render cluster/cni.conflist CNI_NET BRIDGE POD_CIDR POD_GW CNI_DATA_DIR)
}

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
  jumps_first "$GUARD_CHAIN"
  # Node 2's chains stay before ours (scripts/cluster/node2.sh): its pods' subnet is not ours.
  node2_guard_first
}

# jumps_first PREFIX: the jumps to the chains PREFIX-IN and PREFIX-FWD (those that exist) first in INPUT and FORWARD.
jumps_first() {
  local c chain
  for c in INPUT FORWARD; do
    chain=$1-$([[ $c == INPUT ]] && echo IN || echo FWD)
    iptables -w -S "$chain" >/dev/null 2>&1 || continue
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


network_teardown() {
  local ns m
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/ {print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  for m in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{sub("@.*", "", $2); print $2}'); do
    ip link delete "$m" 2>/dev/null || true
  done
  ! ip link show "$BRIDGE" >/dev/null 2>&1 || ip link delete "$BRIDGE"
  if [[ -x $KUBE_BIN_DIR/kube-proxy ]]; then "$KUBE_BIN_DIR/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  flush_chains
  restore_sysctls
}
