#!/usr/bin/env bash
# A real, single-machine Slurm 22.05 for slurmk8s development and tests.
#
#   scripts/slurm.sh up      install (if needed), configure and start everything; idempotent
#   scripts/slurm.sh down    stop slurmd's, slurmctld and slurmdbd (munge and MariaDB keep running)
#   scripts/slurm.sh status  sinfo + which daemons run; exit 0 if everything is up, 1 otherwise
#   scripts/slurm.sh purge   down + remove Slurm state + drop the accounting database (job ids restart at 1)
#
#   scripts/slurm.sh up-noacct      a second, independent cluster WITHOUT accounting (see below); idempotent
#   scripts/slurm.sh down-noacct    cancel its jobs and stop its daemons (config and state stay)
#   scripts/slurm.sh status-noacct  sinfo of it + which of its daemons run; exit 0 if it is up
#   scripts/slurm.sh purge-noacct   down-noacct + remove its config and state (job ids restart at 1)
#
# Layout: one slurmctld, one slurmdbd (MariaDB behind it) and three fake compute
# nodes n1..n3 (one `slurmd -N nX` each, all on this host) in partitions
# `debug` (default, no time limit) and `short` (MaxTime 10 min).
# Runtime files live in /var/lib/slurmk8s-slurm/{state,spool,run,log}.
# The service user `slurmk8s` (red-box runs as it) owns /var/lib/slurmk8s (0711: others may pass through, to their
# work roots, but not list it) and /var/lib/slurmk8s/jobs (where the Integration tests' red-box, run as that user,
# submits from).
#
# Tenants (scripts/lib/tenants.sh; red-box's tenancy file, manifests/tenants.yaml, names the same): `up` and
# `up-noacct` make the Unix users sk8s-jobs, sk8s-team-a, sk8s-team-b (uid >= 2000) and their work roots
# /var/lib/slurmk8s/tenants/{jobs,team-a,team-b} (each its user's, 0700); `up` adds the Slurm accounts jobs, team-a,
# team-b with an association for each tenant's user, and slurmk8s → jobs. The main cluster has
# AccountingStorageEnforce=associations: Slurm refuses a job whose user has no association with the account it
# names (or, without --account, no default one). root (the tests) has root's; to submit as anyone else, first
#   sacctmgr -i add user NAME account=jobs
#
# Environment:
#   SLURM_MIN_JOB_AGE  MinJobAge: seconds a finished job stays in squeue (default 30).
#                      22.05 has no SchedulerParameters=purge_job_interval (accepted but
#                      ignored) and purges old jobs on its own timer, so a finished job
#                      leaves squeue later than MinJobAge: measured 35-58 s after its end
#                      with the default 30, 6-57 s with SLURM_MIN_JOB_AGE=2.
#   SLURM_NOACCT_MIN_JOB_AGE  MinJobAge of the no-accounting cluster (default 10).
#
# The no-accounting cluster, for red-box's "site without accounting" tests, runs beside
# the main one and never touches it: ClusterName noacct, AccountingStorageType
# accounting_storage/none, one fake node na1, its own ports (slurmctld 6827, slurmd
# 17101), config in /etc/slurm-noacct/slurm.conf, runtime files in
# /var/lib/slurmk8s-slurm-noacct. Only munge is shared. Reach it with
#   SLURM_CONF=/etc/slurm-noacct/slurm.conf squeue …
# Its daemons run under their own names (na-slurmctld, na-slurmd: symlinks to the real
# binaries) so that `pgrep -x slurmctld`, with which this script (and copies of it on
# other branches) finds the main cluster's daemons, never mistakes them.
# Needs root; no systemd: every daemon is started by hand.
set -euo pipefail

CLUSTER=slurmk8s
NODES=(n1 n2 n3)
NODE_CPUS=2
NODE_MEM=2000 # MB
BASE=/var/lib/slurmk8s-slurm
SVC_USER=slurmk8s
SVC_HOME=/var/lib/slurmk8s
JOBS_DIR=$SVC_HOME/jobs
DB_NAME=slurmk8s_acct_db
DB_USER=slurmk8s_dbd
DB_PASS=slurmk8s-dev-only # MariaDB listens on 127.0.0.1 only; throw-away dev setup
MIN_JOB_AGE=${SLURM_MIN_JOB_AGE:-30}
PACKAGES=(slurm-wlm munge slurmdbd mariadb-server passwd) # passwd: useradd, gpasswd
SHORTHOST=$(hostname -s)
CONF=/etc/slurm/slurm.conf
DBD_CONF=/etc/slurm/slurmdbd.conf
STAMP=$BASE/run/config.sha256 # hash of the configs the running daemons were started with
CONFIG_WRITTEN=0              # set when `up` rewrote a config file

log() { printf '[slurm.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# TENANTS, tenant_user, TENANTS_ROOT, ensure_tenant_users, ensure_tenant_accounts.
# shellcheck source=SCRIPTDIR/lib/tenants.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tenants.sh"

# ---------------------------------------------------------------- processes
# alive PID NAME: the process exists, is not a zombie (<defunct> lingers until
# PID 1 reaps it, and `kill -0` still succeeds then) and is the expected program.
alive() {
  local pid=$1 name=$2 stat comm
  [[ -n $pid ]] || return 1
  stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ -n $stat && $stat != Z* ]] || return 1
  comm=$(ps -o comm= -p "$pid" 2>/dev/null) || return 1
  [[ $comm == "$name" ]]
}
pid_from() { [[ -r $1 ]] && tr -dc '0-9' <"$1" || true; }

# live_pid NAME PIDFILE [PGREP-ARGS...]: pid of a running daemon, from its pid
# file, else by name/command line (a daemon started by hand without our pid
# file still holds its port). pgrep also lists zombies: filter them out.
live_pid() {
  local name=$1 file=$2 p; shift 2
  p=$(pid_from "$file")
  if alive "$p" "$name"; then echo "$p"; return 0; fi
  for p in $(pgrep "$@" || true); do
    if alive "$p" "$name"; then echo "$p"; return 0; fi
  done
}
munge_pid() { live_pid munged /run/munge/munged.pid -x munged; }
dbd_pid() { live_pid slurmdbd $BASE/run/slurmdbd.pid -x slurmdbd; }
ctld_pid() { live_pid slurmctld $BASE/run/slurmctld.pid -x slurmctld; }
slurmd_pid() { live_pid slurmd "$BASE/run/slurmd-$1.pid" -f "^(/usr/sbin/)?slurmd -N $1( |\$)"; }
mariadb_up() { mariadb-admin --protocol=socket -u root ping >/dev/null 2>&1; }

# stop_pid PID NAME: SIGTERM, wait up to 15 s (zombies count as gone), then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 i
  alive "$pid" "$name" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do alive "$pid" "$name" || return 0; sleep 0.1; done
  log "$name ($pid) ignored SIGTERM; killing"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" "$name" || return 0; sleep 0.1; done
  die "could not stop $name ($pid)"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.2 s.
wait_for() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < end)) || { log "timed out after ${secs}s waiting for $what"; return 1; }
    sleep 0.2
  done
}

tails() {
  local f
  for f in $BASE/log/slurmdbd.log $BASE/log/slurmctld.log $BASE/log/slurmd-*.log; do
    [[ -e $f ]] || continue
    echo "----- tail $f" >&2; tail -n 15 "$f" >&2
  done
}

# ---------------------------------------------------------------- install
# install_packages [PACKAGE...]: the given packages (default: everything the main cluster needs).
install_packages() {
  local missing=() p
  (($# > 0)) || set -- "${PACKAGES[@]}"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_user() {
  if ! id -u "$SVC_USER" >/dev/null 2>&1; then
    log "creating system user $SVC_USER"
    useradd --system --user-group --home-dir "$SVC_HOME" --shell /usr/sbin/nologin "$SVC_USER"
  fi
  # o+x: tenants' users pass through it to their work roots ($TENANTS_ROOT); nobody else lists it.
  install -d -o "$SVC_USER" -g "$SVC_USER" -m 0711 "$SVC_HOME"
  install -d -o "$SVC_USER" -g "$SVC_USER" -m 0750 "$JOBS_DIR"
}

# ---------------------------------------------------------------- config
# What both clusters' slurm.conf say alike: root runs the daemons, munge, runtime files under $1 (%n: per node),
# finished jobs kept $2 s.
slurm_conf_common() {
  local base=$1 min_job_age=$2
  cat <<EOF
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool/%n
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd-%n.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
InactiveLimit=0
KillWait=5
# Finished jobs stay in squeue/scontrol for MinJobAge s (+ up to ~60 s: the purge timer).
MinJobAge=$min_job_age
EOF
}

slurm_conf() {
  local n i=1
  cat <<EOF
# Written by slurmk8s scripts/slurm.sh — changes are overwritten by \`slurm.sh up\`.
ClusterName=$CLUSTER
SlurmctldHost=$SHORTHOST(127.0.0.1)
EOF
  slurm_conf_common $BASE "$MIN_JOB_AGE"
  cat <<EOF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoreFlags=job_comment
# A job's user must have an association with the account it runs under: --account=team-b from a user who is not
# in team-b is refused (red-box's tenancy check, held by Slurm as well).
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/none
EOF
  for n in "${NODES[@]}"; do
    echo "NodeName=$n NodeHostname=$SHORTHOST NodeAddr=127.0.0.1 Port=$((17000 + i)) CPUs=$NODE_CPUS RealMemory=$NODE_MEM State=UNKNOWN"
    i=$((i + 1))
  done
  local all; all=$(IFS=,; echo "${NODES[*]}")
  echo "PartitionName=debug Nodes=$all Default=YES MaxTime=INFINITE State=UP"
  echo "PartitionName=short Nodes=$all MaxTime=00:10:00 State=UP"
}

slurmdbd_conf() {
  cat <<EOF
# Written by slurmk8s scripts/slurm.sh — changes are overwritten by \`slurm.sh up\`.
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
LogFile=$BASE/log/slurmdbd.log
PidFile=$BASE/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=$DB_USER
StoragePass=$DB_PASS
StorageLoc=$DB_NAME
EOF
}

# write_if_changed FILE MODE: replace FILE with stdin if its content differs.
write_if_changed() {
  local file=$1 mode=$2 tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"; chown root:root "$tmp"
  if [[ -e $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"; chmod "$mode" "$file"
  else
    mv -f "$tmp" "$file"; log "wrote $file"
    CONFIG_WRITTEN=1
  fi
}

write_configs() {
  install -d -m 0755 /etc/slurm
  install -d -m 0755 $BASE $BASE/state $BASE/spool $BASE/run $BASE/log
  local n
  for n in "${NODES[@]}"; do install -d -m 0755 "$BASE/spool/$n"; done
  # Not piped: CONFIG_WRITTEN must be set in this shell, not in a subshell.
  write_if_changed $CONF 0644 < <(slurm_conf)
  write_if_changed $DBD_CONF 0600 < <(slurmdbd_conf)
}
config_hash() { cat $CONF $DBD_CONF | sha256sum | cut -d' ' -f1; }

# ---------------------------------------------------------------- start
start_munge() {
  [[ -n $(munge_pid) ]] && return 0
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- munged
  wait_for 10 munged bash -c 'munge -n </dev/null | unmunge >/dev/null 2>&1' || die "munged does not answer"
}

start_mariadb() {
  mariadb_up || /etc/init.d/mariadb start >/dev/null
  wait_for 30 MariaDB mariadb_up || die "MariaDB does not answer"
  # Idempotent: the user and its grant on the accounting database.
  mariadb --protocol=socket -u root <<EOF
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
EOF
}

dbd_answers() { sacctmgr -n -P show cluster format=cluster >/dev/null 2>&1; }
cluster_registered() { sacctmgr -n -P show cluster format=cluster 2>/dev/null | grep -qx "$CLUSTER"; }
ctld_answers() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

# nodes_ready: every node answers and is usable (idle, or busy with jobs on a re-run of `up`).
nodes_ready() {
  local states
  states=$(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u) || return 1
  [[ $(wc -l <<<"$states") -eq ${#NODES[@]} ]] || return 1
  ! grep -qvE ' (idle|mix|alloc|comp)$' <<<"$states"
}

# Nodes left drained/down by an earlier run (e.g. a killed job) are resumed.
resume_nodes() {
  local n st
  while read -r n st; do
    case $st in
      drain* | drng* | down | fail*) scontrol update NodeName="$n" State=RESUME 2>/dev/null || true ;;
    esac
  done < <(sinfo -h -N -o '%N %t' 2>/dev/null | sort -u)
}
show_nodes() { sinfo -N >&2 || true; tails; }

# wait_nodes_idle WHAT READY RESUME SHOW (commands; for both clusters): poll READY for up to 60 s.
# A node still drained/down 5 s after start was left so by an earlier run: RESUME, once. On
# timeout: SHOW (node states, logs), then "WHAT not idle after 60 s".
wait_nodes_idle() {
  local what=$1 ready=$2 resume=$3 show=$4 start=$SECONDS resumed=0
  until "$ready"; do
    if ((SECONDS - start >= 60)); then
      "$show"
      die "$what not idle after 60 s"
    fi
    if ((resumed == 0 && SECONDS - start >= 5)); then "$resume"; resumed=1; fi
    sleep 0.2
  done
}

start_slurm() {
  if [[ -z $(dbd_pid) ]]; then
    slurmdbd
  fi
  wait_for 30 slurmdbd dbd_answers || { tails; die "slurmdbd does not answer"; }
  if [[ -z $(ctld_pid) ]]; then
    slurmctld
  fi
  wait_for 30 slurmctld ctld_answers || { tails; die "slurmctld does not answer"; }
  local n
  for n in "${NODES[@]}"; do
    [[ -n $(slurmd_pid "$n") ]] || slurmd -N "$n"
  done
  config_hash >$STAMP
}

stop_slurm() {
  local n p
  for n in "${NODES[@]}"; do p=$(slurmd_pid "$n"); [[ -z $p ]] || stop_pid "$p" slurmd; done
  p=$(ctld_pid); [[ -z $p ]] || stop_pid "$p" slurmctld
  p=$(dbd_pid); [[ -z $p ]] || stop_pid "$p" slurmdbd
  rm -f $STAMP
}

any_slurm_running() {
  local n
  [[ -n $(dbd_pid) || -n $(ctld_pid) ]] && return 0
  for n in "${NODES[@]}"; do [[ -n $(slurmd_pid "$n") ]] && return 0; done
  return 1
}

# ---------------------------------------------------------------- commands
# report WIDTH NAME PID: a status line, NAME padded to WIDTH; no PID sets the caller's ok=1.
report() { if [[ -n $3 ]]; then printf '  %-*s running (pid %s)\n' "$1" "$2" "$3"; else printf '  %-*s STOPPED\n' "$1" "$2"; ok=1; fi; }

cmd_up() {
  local t0; t0=$(now)
  [[ $(id -u) -eq 0 ]] || die "run as root"
  install_packages
  ensure_user
  ensure_tenant_users "$SVC_USER"
  write_configs
  # Daemons started with another slurm.conf refuse each other ("appears to
  # have a different slurm.conf"): restart them all on any config change
  # (a file we rewrote, or one that differs from what they were started with).
  if any_slurm_running && { ((CONFIG_WRITTEN)) || [[ $(cat $STAMP 2>/dev/null || true) != "$(config_hash)" ]]; }; then
    log "configuration changed: restarting the Slurm daemons"
    stop_slurm
  fi
  start_munge
  start_mariadb
  start_slurm
  wait_nodes_idle nodes nodes_ready resume_nodes show_nodes
  wait_for 60 "cluster $CLUSTER registered in slurmdbd" cluster_registered || { tails; die "slurmctld did not register with slurmdbd"; }
  ensure_tenant_accounts "$SVC_USER"
  sinfo
  log "up took $(since "$t0") s"
}

cmd_down() {
  local t0; t0=$(now)
  stop_slurm
  log "Slurm daemons stopped (munge and MariaDB left running); took $(since "$t0") s"
}

cmd_status() {
  local ok=0 n p
  echo "daemons:"
  report 10 munged "$(munge_pid)"
  if mariadb_up; then printf '  %-10s running\n' mariadb; else printf '  %-10s STOPPED\n' mariadb; ok=1; fi
  report 10 slurmdbd "$(dbd_pid)"
  report 10 slurmctld "$(ctld_pid)"
  for n in "${NODES[@]}"; do report 10 "slurmd $n" "$(slurmd_pid "$n")"; done
  if [[ -n $(ctld_pid) ]]; then sinfo || ok=1; fi
  return $ok
}

cmd_purge() {
  cmd_down
  # Job steps whose slurmd is gone would write into the removed state.
  local p
  for p in $(pgrep -x slurmstepd || true); do stop_pid "$p" slurmstepd; done
  rm -rf $BASE
  if [[ -x /etc/init.d/mariadb ]]; then
    mariadb_up || /etc/init.d/mariadb start >/dev/null
    wait_for 30 MariaDB mariadb_up || die "MariaDB does not answer"
    mariadb --protocol=socket -u root -e "DROP DATABASE IF EXISTS \`$DB_NAME\`;"
  fi
  log "purged $BASE and database $DB_NAME (job ids restart at 1)"
}

# ---------------------------------------------------------------- the no-accounting cluster
NA_CLUSTER=noacct
NA_NODE=na1
NA_CPUS=2
NA_MEM=1000 # MB
NA_BASE=/var/lib/slurmk8s-slurm-noacct
NA_CONF_DIR=/etc/slurm-noacct
NA_CONF=$NA_CONF_DIR/slurm.conf
NA_CTLD_PORT=6827
NA_NODE_PORT=17101
NA_MIN_JOB_AGE=${SLURM_NOACCT_MIN_JOB_AGE:-10}
NA_STAMP=$NA_BASE/run/config.sha256

na_slurm_conf() {
  cat <<EOF
# Written by slurmk8s scripts/slurm.sh up-noacct — changes are overwritten by it.
# A second cluster on this host, without accounting: sacct does not answer here.
ClusterName=$NA_CLUSTER
SlurmctldHost=$SHORTHOST(127.0.0.1)
SlurmctldPort=$NA_CTLD_PORT
EOF
  slurm_conf_common $NA_BASE "$NA_MIN_JOB_AGE"
  cat <<EOF
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$NA_NODE NodeHostname=$SHORTHOST NodeAddr=127.0.0.1 Port=$NA_NODE_PORT CPUs=$NA_CPUS RealMemory=$NA_MEM State=UNKNOWN
PartitionName=debug Nodes=$NA_NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

na() { SLURM_CONF=$NA_CONF "$@"; }
na_ctld_pid() { live_pid na-slurmctld $NA_BASE/run/slurmctld.pid -x na-slurmctld; }
na_slurmd_pid() { live_pid na-slurmd "$NA_BASE/run/slurmd-$NA_NODE.pid" -x na-slurmd; }
na_ctld_answers() { na scontrol ping 2>/dev/null | grep -q 'is UP'; }
na_node_state() { na sinfo -h -N -o '%t' 2>/dev/null | head -n 1; }
na_node_ready() { [[ $(na_node_state) =~ ^(idle|mix|alloc|comp)$ ]]; }
na_resume_node() { na scontrol update NodeName=$NA_NODE State=RESUME 2>/dev/null || true; }
na_show_node() { na sinfo -N >&2 || true; tail -n 20 $NA_BASE/log/slurmctld.log $NA_BASE/log/slurmd-$NA_NODE.log >&2 || true; }

na_stop_daemons() {
  local p
  p=$(na_slurmd_pid); [[ -z $p ]] || stop_pid "$p" na-slurmd
  p=$(na_ctld_pid); [[ -z $p ]] || stop_pid "$p" na-slurmctld
  rm -f $NA_STAMP
}

cmd_up_noacct() {
  local t0; t0=$(now)
  [[ $(id -u) -eq 0 ]] || die "run as root"
  install_packages slurm-wlm munge passwd
  ensure_user
  ensure_tenant_users "$SVC_USER" # the users only: this cluster has no accounts
  install -d -m 0755 $NA_CONF_DIR $NA_BASE $NA_BASE/bin $NA_BASE/state $NA_BASE/spool $NA_BASE/spool/$NA_NODE $NA_BASE/run $NA_BASE/log
  ln -sfn /usr/sbin/slurmctld $NA_BASE/bin/na-slurmctld
  ln -sfn /usr/sbin/slurmd $NA_BASE/bin/na-slurmd
  CONFIG_WRITTEN=0
  write_if_changed $NA_CONF 0644 < <(na_slurm_conf)
  if [[ -n $(na_ctld_pid) || -n $(na_slurmd_pid) ]] \
    && { ((CONFIG_WRITTEN)) || [[ $(cat $NA_STAMP 2>/dev/null || true) != "$(sha256sum <$NA_CONF)" ]]; }; then
    log "no-accounting cluster: configuration changed, restarting its daemons"
    na_stop_daemons
  fi
  start_munge
  [[ -n $(na_ctld_pid) ]] || $NA_BASE/bin/na-slurmctld -f $NA_CONF
  wait_for 30 "slurmctld of $NA_CLUSTER" na_ctld_answers || { tail -n 20 $NA_BASE/log/slurmctld.log >&2 || true; die "slurmctld of $NA_CLUSTER does not answer"; }
  [[ -n $(na_slurmd_pid) ]] || $NA_BASE/bin/na-slurmd -f $NA_CONF -N $NA_NODE
  sha256sum <$NA_CONF >$NA_STAMP
  wait_nodes_idle "node $NA_NODE of $NA_CLUSTER" na_node_ready na_resume_node na_show_node
  na sinfo
  log "no-accounting cluster up (SLURM_CONF=$NA_CONF); took $(since "$t0") s"
}

cmd_down_noacct() {
  local t0 i; t0=$(now)
  if [[ -n $(na_ctld_pid) ]] && na_ctld_answers; then
    # Its running jobs' slurmstepd would outlive slurmd: end them first.
    na scancel --quiet $(na squeue -h -o %i 2>/dev/null) 2>/dev/null || true
    for ((i = 0; i < 75; i++)); do
      [[ -z $(na squeue -h -t R,CG,S -o %i 2>/dev/null) ]] && break
      sleep 0.2
    done
  fi
  na_stop_daemons
  log "no-accounting cluster stopped; took $(since "$t0") s"
}

cmd_purge_noacct() {
  cmd_down_noacct
  rm -rf $NA_BASE $NA_CONF_DIR
  log "purged $NA_BASE and $NA_CONF_DIR"
}

cmd_status_noacct() {
  local ok=0
  echo "no-accounting cluster $NA_CLUSTER (SLURM_CONF=$NA_CONF):"
  report 12 munged "$(munge_pid)"
  report 12 na-slurmctld "$(na_ctld_pid)"
  report 12 na-slurmd "$(na_slurmd_pid)"
  if [[ -n $(na_ctld_pid) ]]; then na sinfo || ok=1; fi
  return $ok
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  purge) cmd_purge ;;
  up-noacct) cmd_up_noacct ;;
  down-noacct) cmd_down_noacct ;;
  status-noacct) cmd_status_noacct ;;
  purge-noacct) cmd_purge_noacct ;;
  *) echo "usage: $0 up|down|status|purge|up-noacct|down-noacct|status-noacct|purge-noacct" >&2; exit 2 ;;
esac
