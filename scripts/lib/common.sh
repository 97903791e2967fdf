# shellcheck shell=bash
# What every script of the project needs, defined once. Sourced; set LOG_TAG first (default: the script's name).
#
#   say TEXT             a heading on stdout ("== TEXT")
#   log TEXT / die TEXT  a line on stderr "[LOG_TAG] TEXT"; die adds ERROR: and exits 1
#   now / since T0       seconds since the epoch (fraction included) / since T0, one decimal
#   require_root
#   ensure_packages [--with-recommends] PKG...   apt-get install what is missing (apt-get update only then), without
#                            the packages' recommendations unless asked
#   render TEMPLATE VAR...   TEMPLATE (a file under scripts/templates/, or an absolute path) with ${VAR} replaced for the named
#                            variables only (envsubst): every other $ in it stays as it is
#   put_file FILE MODE       FILE gets stdin if that differs from what it holds (atomically, by rename); returns 0
#                            if it wrote, 1 if FILE already held it
#   wait_until [--daemon NAME] SECONDS WHAT COMMAND...
#                            polls COMMAND (quietly) until it succeeds; on timeout logs "timed out after N s
#                            waiting for WHAT" and returns 1. With --daemon: returns 1 at once if that supervised
#                            daemon exits, and shows the last lines of its log on failure
#   pid_alive PID [COMM]     the process exists, is not a zombie (and is named COMM)
#   stop_pid PID [GRACE] [COMM]  SIGTERM, up to GRACE s (default 15), then SIGKILL; returns once it is gone
#
# The supervisor: a daemon started in a session of its own (it outlives the shell), output appended to
# $DAEMON_LOG_DIR/NAME.log, pid in $DAEMON_RUN_DIR/NAME.pid, its command line in NAME.cmd. Set both dirs first.
#   daemon_start NAME COMMAND...   starts it unless it runs with the same command line; with another one it is
#                                  restarted (DAEMON_GRACE[NAME] s to stop, default 15). Ports in DAEMON_PORTS[NAME]
#                                  must be free before it starts.
#   daemon_pid NAME                its pid, if that process runs `daemon_exe NAME` (redefine daemon_exe for
#                                  daemons whose binary is not `command -v NAME`); nothing otherwise
#   daemon_stop NAME [GRACE]       stop it (stop_pid) and forget its pid file
#   daemon_tail NAME [LINES]       the last lines of its log, on stderr

LOG_TAG=${LOG_TAG:-$(basename "$0")}
SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEMPLATES_DIR=$SCRIPTS_DIR/templates

say() { printf '\n== %s\n' "$*"; }
log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
require_root() { [[ $(id -u) -eq 0 ]] || die "run as root"; }

ensure_packages() {
  local missing=() p recommends=--no-install-recommends
  if [[ ${1:-} == --with-recommends ]]; then recommends=--install-recommends; shift; fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$recommends" "${missing[@]}" >/dev/null
}

render() {
  local template=$1 vars="" v
  [[ $template == /* ]] || template=$TEMPLATES_DIR/$template
  shift
  [[ -r $template ]] || die "no template $template"
  command -v envsubst >/dev/null || ensure_packages gettext-base
  for v in "$@"; do vars+="\${$v}"; done
  (
    for v in "$@"; do export "${v?}"; done
    envsubst "$vars" <"$template"
  )
}

put_file() {
  local file=$1 mode=$2 tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -e $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    chmod "$mode" "$file"
    return 1
  fi
  mv -f "$tmp" "$file"
}

wait_until() {
  local daemon=""
  if [[ $1 == --daemon ]]; then daemon=$2; shift 2; fi
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $daemon && -z $(daemon_pid "$daemon") ]]; then
      log "$daemon exited while waiting for $what"
      daemon_tail "$daemon"
      return 1
    fi
    if ((SECONDS >= end)); then
      log "timed out after ${secs} s waiting for $what"
      [[ -z $daemon ]] || daemon_tail "$daemon"
      return 1
    fi
    sleep 0.2
  done
}

pid_alive() {
  local st
  [[ -n $1 ]] && st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $st && $st != Z* ]] || return 1
  [[ -z ${2:-} || $(ps -o comm= -p "$1" 2>/dev/null) == "$2" ]]
}

stop_pid() {
  local pid=$1 grace=${2:-15} comm=${3:-} i
  pid_alive "$pid" "$comm" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do pid_alive "$pid" "$comm" || return 0; sleep 0.2; done
  log "${comm:-process} $pid still running ${grace} s after SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do pid_alive "$pid" "$comm" || return 0; sleep 0.1; done
  die "could not stop ${comm:-process} $pid"
}

# ---------------------------------------------------------------- the supervisor
declare -A DAEMON_PORTS=() DAEMON_GRACE=()
DAEMON_RUN_DIR=${DAEMON_RUN_DIR:-}
DAEMON_LOG_DIR=${DAEMON_LOG_DIR:-}

declare -F daemon_exe >/dev/null || daemon_exe() { command -v "$1"; }

daemon_pid() {
  local name=$1 pid exe want
  pid=$(tr -dc '0-9' 2>/dev/null <"$DAEMON_RUN_DIR/$name.pid") || return 0
  pid_alive "$pid" || return 0
  # /proc/PID/exe, not the name: a reused pid is never taken for the daemon.
  exe=$(readlink -f "/proc/$pid/exe" 2>/dev/null) || return 0
  want=$(readlink -f "$(daemon_exe "$name")" 2>/dev/null) || return 0
  [[ $exe == "$want" ]] && echo "$pid"
  return 0
}

port_free() { ! ss -Htln "sport = :$1" | grep -q .; }

daemon_start() {
  local name=$1; shift
  local p want
  want=$(printf '%q ' "$@")
  if [[ -n $(daemon_pid "$name") ]]; then
    [[ $(cat "$DAEMON_RUN_DIR/$name.cmd" 2>/dev/null) != "$want" ]] || return 0
    log "$name's command line changed: restarting it"
    daemon_stop "$name" "${DAEMON_GRACE[$name]:-15}"
  fi
  for p in ${DAEMON_PORTS[$name]:-}; do
    port_free "$p" || die "port $p, which $name needs, is in use: $(ss -Htlnp "sport = :$p" | head -n1)"
  done
  mkdir -p "$DAEMON_RUN_DIR" "$DAEMON_LOG_DIR"
  echo "--- $(date -Is) starting: $*" >>"$DAEMON_LOG_DIR/$name.log"
  setsid "$@" </dev/null >>"$DAEMON_LOG_DIR/$name.log" 2>&1 &
  echo $! >"$DAEMON_RUN_DIR/$name.pid"
  echo "$want" >"$DAEMON_RUN_DIR/$name.cmd"
  log "started $name (pid $!)"
}

daemon_stop() {
  local name=$1 grace=${2:-15} pid
  pid=$(daemon_pid "$name")
  if [[ -n $pid ]]; then
    stop_pid "$pid" "$grace"
    log "stopped $name"
  fi
  rm -f "$DAEMON_RUN_DIR/$name.pid" "$DAEMON_RUN_DIR/$name.cmd"
}

daemon_tail() {
  local f=$DAEMON_LOG_DIR/$1.log
  [[ -r $f ]] || return 0
  log "last lines of $f:"
  tail -n "${2:-25}" "$f" >&2 || true
}
