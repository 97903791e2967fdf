# shellcheck shell=bash
# Free TCP ports for daemons started by the project's scripts. Sourced; defines only the function.

# A TCP port no socket uses and not already picked (USED_PORTS: runs in a subshell,
# so the caller records its picks). Picked below the kernel's ephemeral range: a port
# that an outgoing connection holds cannot be listened on ("address already in use"),
# and several test runs may start API servers on this machine at the same time.
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((low > 20000)) || low=61000
  while :; do
    p=$((20000 + RANDOM % (low - 20000)))
    [[ " ${USED_PORTS:-} " == *" $p "* ]] && continue
    ss -Htan "sport = :$p" | grep -q . || break
  done
  echo "$p"
}
