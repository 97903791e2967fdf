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
#   scripts/slurm.sh up-second      a second cluster WITH accounting, for the second Kubernetes node (see below)
#   scripts/slurm.sh down-second    cancel its jobs and stop its daemons (config, state and accounting stay)
#   scripts/slurm.sh status-second  sinfo of it + which of its daemons run; exit 0 if it is up
#   scripts/slurm.sh purge-second   down-second + remove its config and state + its records in slurmdbd
#
# Layout: one slurmctld, one slurmdbd (MariaDB behind it) and three fake compute
# nodes n1..n3 (one `slurmd -N nX` each, all on this host) in partitions
# `debug` (default, no time limit; a job that names none gets 1 h, DefaultTime) and `short` (MaxTime 10 min).
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
#   SLURM_SECOND_MIN_JOB_AGE  MinJobAge of the second cluster (default 30).
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
#
# The second cluster, what the local Kubernetes cluster's second node submits to (scripts/cluster.sh up --nodes 2),
# is unlike the main one in ways a job can ask for: ClusterName second, two fake nodes s1, s2 with 4 CPUs each and a
# GRES gpu:2 each (GresTypes=gpu; fake GPUs: gres.conf's File= names character devices with /dev/null's numbers, in
# /var/lib/slurmk8s-slurm-second/dev, because 22.05 drops a GPU without File=), partitions `debug` (default) and `big` (which
# the main cluster has not). It keeps its accounts in the main cluster's slurmdbd (`sacctmgr show cluster` lists
# both; the tenants' accounts and associations are made on it too), so `up-second` starts munge, MariaDB and
# slurmdbd when they do not run, but `down-second` never stops them. Its own ports (slurmctld 6837, slurmd 17201,
# 17202), config in /etc/slurm-second/ (slurm.conf, gres.conf), runtime files in /var/lib/slurmk8s-slurm-second,
# daemons under their own names (s2-slurmctld, s2-slurmd). Reach it with
#   SLURM_CONF=/etc/slurm-second/slurm.conf squeue …     (or, from the main cluster's commands, -M second)
# Needs root; no systemd: every daemon is started by hand (Slurm's daemons fork and write their own pid files).
#
# The three clusters are one set of functions over a profile (use_cluster main|noacct|second: names, nodes, ports,
# files); the main one adds slurmdbd and MariaDB, those with accounting the tenants' accounts. Configuration files:
# scripts/templates/slurm/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_TAG=slurm.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$HERE/lib/common.sh"
# TENANTS, tenant_user, TENANTS_ROOT, ensure_tenant_users, ensure_tenant_accounts.
# shellcheck source=SCRIPTDIR/lib/tenants.sh
source "$HERE/lib/tenants.sh"

SVC_USER=slurmk8s
SVC_HOME=/var/lib/slurmk8s
JOBS_DIR=$SVC_HOME/jobs
DB_NAME=slurmk8s_acct_db
# shellcheck disable=SC2034 # DB_USER, DB_PASS: read by templates/slurm/ (render)
DB_USER=slurmk8s_dbd
# shellcheck disable=SC2034
DB_PASS=slurmk8s-dev-only # MariaDB listens on 127.0.0.1 only; throw-away dev setup
DBD_CONF=/etc/slurm/slurmdbd.conf
DBD_BASE=/var/lib/slurmk8s-slurm # the main cluster's BASE: its slurmdbd keeps the second cluster's accounts too
PACKAGES=(slurm-wlm munge slurmdbd mariadb-server passwd) # passwd: useradd, gpasswd
NOACCT_PACKAGES=(slurm-wlm munge passwd)
SHORTHOST=$(hostname -s)

# ---------------------------------------------------------------- the two clusters
# use_cluster main|noacct|second: the profile every function below reads.
#   PROFILE, CLUSTER, NODES, NODE_CPUS, NODE_MEM (MB), FIRST_NODE_PORT, CTLD_PORT (empty: Slurm's default), BASE (runtime
#   files), CONF, CONF_ARGS (what the daemons are told of CONF), MIN_JOB_AGE, ACCOUNTING (1: slurmdbd), CTLD and
#   SLURMD (the daemons' names: the no-accounting ones run as symlinks na-slurmctld, na-slurmd to the real binaries, so
#   that `pgrep -x slurmctld`, with which copies of this script on other branches find the main cluster's, never
#   mistakes them), PARTITIONS, CONF_FILES (what the running daemons' stamp hashes), CANCEL_ON_DOWN, WHAT, NODE_GRES
#   (each node's Gres=, empty for none; GRES_CONF is then written from templates/slurm/gres.conf).
# shellcheck disable=SC2034 # MIN_JOB_AGE: read by templates/slurm/slurm-common.conf (render)
use_cluster() {
  PROFILE=$1 NODE_GRES="" GRES_CONF=""
  case $1 in
    main)
      CLUSTER=slurmk8s NODES=(n1 n2 n3) NODE_CPUS=2 NODE_MEM=2000 FIRST_NODE_PORT=17001 CTLD_PORT=""
      BASE=/var/lib/slurmk8s-slurm CONF=/etc/slurm/slurm.conf CONF_ARGS=() MIN_JOB_AGE=${SLURM_MIN_JOB_AGE:-30}
      ACCOUNTING=1 CTLD=slurmctld SLURMD=slurmd CANCEL_ON_DOWN=0 WHAT="Slurm"
      # DefaultTime: a job without --time ends within the hour. Jobs a test run left behind when it was cut off (their
      # slurmstepd gone with the machine, slurmctld still showing them RUNNING) held the CPUs a bench then measured.
      PARTITIONS=("debug Default=YES MaxTime=INFINITE DefaultTime=01:00:00" "short MaxTime=00:10:00")
      CONF_FILES=("$CONF" "$DBD_CONF")
      ;;
    noacct)
      CLUSTER=noacct NODES=(na1) NODE_CPUS=2 NODE_MEM=1000 FIRST_NODE_PORT=17101 CTLD_PORT=6827
      BASE=/var/lib/slurmk8s-slurm-noacct CONF=/etc/slurm-noacct/slurm.conf MIN_JOB_AGE=${SLURM_NOACCT_MIN_JOB_AGE:-10}
      CONF_ARGS=(-f "$CONF") ACCOUNTING=0 CTLD=na-slurmctld SLURMD=na-slurmd CANCEL_ON_DOWN=1
      WHAT="no-accounting cluster"
      PARTITIONS=("debug Default=YES MaxTime=INFINITE")
      CONF_FILES=("$CONF")
      ;;
    second)
      CLUSTER=second NODES=(s1 s2) NODE_CPUS=4 NODE_MEM=4000 FIRST_NODE_PORT=17201 CTLD_PORT=6837
      BASE=/var/lib/slurmk8s-slurm-second CONF=/etc/slurm-second/slurm.conf MIN_JOB_AGE=${SLURM_SECOND_MIN_JOB_AGE:-30}
      CONF_ARGS=(-f "$CONF") ACCOUNTING=1 CTLD=s2-slurmctld SLURMD=s2-slurmd CANCEL_ON_DOWN=1
      WHAT="second cluster" NODE_GRES=gpu:2 GRES_CONF=/etc/slurm-second/gres.conf
      PARTITIONS=("debug Default=YES MaxTime=INFINITE" "big MaxTime=INFINITE")
      CONF_FILES=("$CONF" "$GRES_CONF")
      ;;
  esac
  STAMP=$BASE/run/config.sha256 # hash of the configs the running daemons were started with
}
use_cluster main

# The cluster's own Slurm commands: SLURM_CONF names its slurm.conf.
sl() { SLURM_CONF=$CONF "$@"; }

# ---------------------------------------------------------------- processes
# live_pid NAME PIDFILE PGREP-ARGS...: pid of a running daemon, from its pid file, else by name or command line (a
# daemon started by hand without our pid file still holds its port).
live_pid() {
  local name=$1 file=$2 p; shift 2
  p=$(tr -dc '0-9' 2>/dev/null <"$file" || true)
  if pid_alive "$p" "$name"; then echo "$p"; return 0; fi
  for p in $(pgrep "$@" || true); do
    if pid_alive "$p" "$name"; then echo "$p"; return 0; fi
  done
}
munge_pid() { live_pid munged /run/munge/munged.pid -x munged; }
dbd_pid() { live_pid slurmdbd "$DBD_BASE/run/slurmdbd.pid" -x slurmdbd; }
ctld_pid() { live_pid "$CTLD" "$BASE/run/slurmctld.pid" -x "$CTLD"; }
slurmd_pid() { live_pid "$SLURMD" "$BASE/run/slurmd-$1.pid" -f "^([^ ]*/)?($SLURMD|slurmd) (-f [^ ]+ )?-N $1( |\$)"; }
mariadb_up() { mariadb-admin --protocol=socket -u root ping >/dev/null 2>&1; }
stop_if_running() { [[ -z $1 ]] || stop_pid "$1" 15 "$2"; }

tails() {
  local f
  for f in "$BASE"/log/slurmdbd.log "$BASE"/log/slurmctld.log "$BASE"/log/slurmd-*.log; do
    [[ -e $f ]] || continue
    echo "----- tail $f" >&2; tail -n 15 "$f" >&2
  done
}

# ---------------------------------------------------------------- install
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
slurm_conf() {
  local n i=0 all
  case $PROFILE in
    main) echo "# Written by slurmk8s scripts/slurm.sh — changes are overwritten by \`slurm.sh up\`." ;;
    noacct)
      echo "# Written by slurmk8s scripts/slurm.sh up-noacct — changes are overwritten by it."
      echo "# A second cluster on this host, without accounting: sacct does not answer here."
      ;;
    second)
      echo "# Written by slurmk8s scripts/slurm.sh up-second — changes are overwritten by it."
      echo "# The second Kubernetes node's cluster: accounting in the main cluster's slurmdbd, GRES gpu, partition big."
      ;;
  esac
  echo "ClusterName=$CLUSTER"
  echo "SlurmctldHost=$SHORTHOST(127.0.0.1)"
  [[ -z $CTLD_PORT ]] || echo "SlurmctldPort=$CTLD_PORT"
  render slurm/slurm-common.conf BASE MIN_JOB_AGE
  if ((ACCOUNTING)); then render slurm/accounting.conf; else render slurm/no-accounting.conf; fi
  [[ -z $NODE_GRES ]] || echo "GresTypes=${NODE_GRES%%:*}"
  for n in "${NODES[@]}"; do
    echo "NodeName=$n NodeHostname=$SHORTHOST NodeAddr=127.0.0.1 Port=$((FIRST_NODE_PORT + i)) CPUs=$NODE_CPUS RealMemory=$NODE_MEM${NODE_GRES:+ Gres=$NODE_GRES} State=UNKNOWN"
    i=$((i + 1))
  done
  all=$(IFS=,; echo "${NODES[*]}")
  for n in "${PARTITIONS[@]}"; do echo "PartitionName=${n%% *} Nodes=$all ${n#* } State=UP"; done
}

# write_conf FILE MODE: put_file, root's; sets CONFIG_WRITTEN when it wrote.
CONFIG_WRITTEN=0
write_conf() {
  if put_file "$1" "$2"; then log "wrote $1"; CONFIG_WRITTEN=1; fi
  chown root:root "$1"
}

write_configs() {
  local n
  install -d -m 0755 "$(dirname "$CONF")" "$BASE" "$BASE/state" "$BASE/spool" "$BASE/run" "$BASE/log"
  for n in "${NODES[@]}"; do install -d -m 0755 "$BASE/spool/$n"; done
  # Not piped: CONFIG_WRITTEN must be set in this shell, not in a subshell.
  write_conf "$CONF" 0644 < <(slurm_conf)
  [[ $PROFILE != main ]] || write_conf "$DBD_CONF" 0600 < <(render slurm/slurmdbd.conf BASE DB_USER DB_PASS DB_NAME)
  if [[ -n $GRES_CONF ]]; then
    # shellcheck disable=SC2034 # the locals are the template's variables (render reads them by name)
    local GRES_NODES=${NODES[*]} GRES_NAME=${NODE_GRES%%:*} count=${NODE_GRES#*:} d GRES_FILES
    GRES_NODES=${GRES_NODES// /,}
    # shellcheck disable=SC2034
    GRES_FILES="$BASE/dev/${GRES_NAME}[0-$((count - 1))]"
    install -d -m 0755 "$BASE/dev"
    for ((d = 0; d < count; d++)); do
      [[ -c $BASE/dev/$GRES_NAME$d ]] || mknod -m 0666 "$BASE/dev/$GRES_NAME$d" c 1 3
    done
    write_conf "$GRES_CONF" 0644 < <(render slurm/gres.conf GRES_NODES GRES_NAME GRES_FILES)
  fi
  if [[ $PROFILE != main ]]; then
    install -d -m 0755 "$BASE/bin"
    ln -sfn /usr/sbin/slurmctld "$BASE/bin/$CTLD"
    ln -sfn /usr/sbin/slurmd "$BASE/bin/$SLURMD"
  fi
}
config_hash() { cat "${CONF_FILES[@]}" | sha256sum | cut -d' ' -f1; }

# ---------------------------------------------------------------- start
start_munge() {
  [[ -n $(munge_pid) ]] && return 0
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- munged
  wait_until 10 munged bash -c 'munge -n </dev/null | unmunge' || die "munged does not answer"
}

start_mariadb() {
  mariadb_up || /etc/init.d/mariadb start >/dev/null
  wait_until 30 MariaDB mariadb_up || die "MariaDB does not answer"
  # Idempotent: the user and its grant on the accounting database.
  mariadb --protocol=socket -u root < <(render slurm/mariadb-grant.sql DB_USER DB_PASS DB_NAME)
}

dbd_answers() { sacctmgr -n -P show cluster format=cluster >/dev/null 2>&1; }
cluster_registered() { sacctmgr -n -P show cluster format=cluster 2>/dev/null | grep -qx "$CLUSTER"; }
ctld_answers() { sl scontrol ping 2>/dev/null | grep -q 'is UP'; }

# nodes_ready: every node answers and is usable (idle, or busy with jobs on a re-run of `up`).
nodes_ready() {
  local states
  states=$(sl sinfo -h -N -o '%N %t' 2>/dev/null | sort -u) || return 1
  [[ $(wc -l <<<"$states") -eq ${#NODES[@]} ]] || return 1
  ! grep -qvE ' (idle|mix|alloc|comp)$' <<<"$states"
}

# Nodes left drained/down by an earlier run (e.g. a killed job) are resumed.
resume_nodes() {
  local n st
  while read -r n st; do
    case $st in
      drain* | drng* | down | fail*) sl scontrol update NodeName="$n" State=RESUME 2>/dev/null || true ;;
    esac
  done < <(sl sinfo -h -N -o '%N %t' 2>/dev/null | sort -u)
}

# Every node idle within 60 s; a node still drained/down after 5 s was left so by an earlier run: resumed, once.
wait_nodes_idle() {
  wait_until 5 "the nodes of $CLUSTER" nodes_ready 2>/dev/null && return 0
  resume_nodes
  wait_until 55 "the nodes of $CLUSTER to be idle" nodes_ready && return 0
  sl sinfo -N >&2 || true
  tails
  die "nodes of $CLUSTER not idle after 60 s"
}

daemon_bin() { if [[ $PROFILE == main ]]; then echo "$1"; else echo "$BASE/bin/$1"; fi; }

# run_daemon NAME ARG...: the daemon under its name (comm: the symlink's name), but with argv[0] the real one: Slurm
# tells which daemon it runs in by argv[0] (run_in_daemon), and slurmctld named otherwise never starts its slurmdbd
# agent (it crashed in slurm_persist_msg_pack at its first accounting message).
run_daemon() {
  local name=$1; shift
  case $name in *slurmctld) (exec -a slurmctld "$(daemon_bin "$name")" "$@") ;; *) (exec -a slurmd "$(daemon_bin "$name")" "$@") ;; esac
}

start_slurm() {
  local n
  if [[ $PROFILE == main ]]; then
    [[ -n $(dbd_pid) ]] || slurmdbd
    wait_until 30 slurmdbd dbd_answers || { tails; die "slurmdbd does not answer"; }
  elif ((ACCOUNTING)); then
    # The main cluster's slurmdbd: never started (nor stopped) from here.
    wait_until 60 "the main cluster's slurmdbd" dbd_answers || die "slurmdbd does not answer: the second cluster keeps its accounts in the main cluster's (run '$0 up' first)"
    if ! cluster_registered; then
      log "adding cluster $CLUSTER to slurmdbd"
      sacctmgr -i add cluster "$CLUSTER" >/dev/null || cluster_registered || die "could not add cluster $CLUSTER to slurmdbd"
    fi
  fi
  [[ -n $(ctld_pid) ]] || run_daemon "$CTLD" "${CONF_ARGS[@]}"
  wait_until 30 "slurmctld of $CLUSTER" ctld_answers || { tails; die "slurmctld of $CLUSTER does not answer"; }
  for n in "${NODES[@]}"; do
    [[ -n $(slurmd_pid "$n") ]] || run_daemon "$SLURMD" "${CONF_ARGS[@]}" -N "$n"
  done
  config_hash >"$STAMP"
}

# Its running jobs' slurmstepd would outlive slurmd: where CANCEL_ON_DOWN, they are ended first.
cancel_jobs() {
  [[ -n $(ctld_pid) ]] && ctld_answers || return 0
  local ids
  ids=$(sl squeue -h -o %i 2>/dev/null || true)
  # shellcheck disable=SC2086 # word-split: job ids
  [[ -z $ids ]] || sl scancel --quiet $ids 2>/dev/null || true
  wait_until 15 "the jobs of $CLUSTER to end" jobs_ended || true
}
jobs_ended() { [[ -z $(sl squeue -h -t R,CG,S -o %i 2>/dev/null) ]]; }

stop_slurm() {
  local n
  for n in "${NODES[@]}"; do stop_if_running "$(slurmd_pid "$n")" "$SLURMD"; done
  stop_if_running "$(ctld_pid)" "$CTLD"
  [[ $PROFILE != main ]] || stop_if_running "$(dbd_pid)" slurmdbd
  rm -f "$STAMP"
}

any_slurm_running() {
  local n
  [[ -n $(ctld_pid) ]] && return 0
  [[ $PROFILE != main || -z $(dbd_pid) ]] || return 0
  for n in "${NODES[@]}"; do [[ -n $(slurmd_pid "$n") ]] && return 0; done
  return 1
}

# ---------------------------------------------------------------- commands
# report NAME PID: a status line; no PID sets the caller's ok=1.
report() { if [[ -n $2 ]]; then printf '  %-14s running (pid %s)\n' "$1" "$2"; else printf '  %-14s STOPPED\n' "$1"; ok=1; fi; }

cmd_up() {
  local t0; t0=$(now)
  require_root
  if [[ $PROFILE == main ]]; then ensure_packages --with-recommends "${PACKAGES[@]}"; else ensure_packages --with-recommends "${NOACCT_PACKAGES[@]}"; fi
  ensure_user
  ensure_tenant_users "$SVC_USER" # the accounts (below) only where there is accounting
  write_configs
  # Daemons started with another slurm.conf refuse each other ("appears to have a different slurm.conf"): restart
  # them all on any config change (a file we rewrote, or one that differs from what they were started with).
  if any_slurm_running && { ((CONFIG_WRITTEN)) || [[ $(cat "$STAMP" 2>/dev/null || true) != "$(config_hash)" ]]; }; then
    log "$WHAT: configuration changed, restarting its daemons"
    stop_slurm
  fi
  start_munge
  [[ $PROFILE != main ]] || start_mariadb
  start_slurm
  wait_nodes_idle
  if ((ACCOUNTING)); then
    wait_until 60 "cluster $CLUSTER registered in slurmdbd" cluster_registered || { tails; die "slurmctld did not register with slurmdbd"; }
    ensure_tenant_accounts "$SVC_USER" "$CLUSTER"
  fi
  sl sinfo
  log "$WHAT up (SLURM_CONF=$CONF); took $(since "$t0") s"
}

cmd_down() {
  local t0; t0=$(now)
  ((CANCEL_ON_DOWN == 0)) || cancel_jobs
  stop_slurm
  log "$WHAT stopped$( ((ACCOUNTING == 0)) || echo " (munge, MariaDB$([[ $PROFILE == main ]] || echo " and slurmdbd") left running)"); took $(since "$t0") s"
}

cmd_status() {
  local ok=0 n
  echo "$WHAT $CLUSTER (SLURM_CONF=$CONF), daemons:"
  report munged "$(munge_pid)"
  if ((ACCOUNTING)); then
    if mariadb_up; then printf '  %-14s running\n' mariadb; else printf '  %-14s STOPPED\n' mariadb; ok=1; fi
    report slurmdbd "$(dbd_pid)"
  fi
  report "$CTLD" "$(ctld_pid)"
  for n in "${NODES[@]}"; do report "$SLURMD $n" "$(slurmd_pid "$n")"; done
  if [[ -n $(ctld_pid) ]]; then sl sinfo || ok=1; fi
  return $ok
}

cmd_purge() {
  cmd_down
  if [[ $PROFILE == main ]]; then
    # Job steps whose slurmd is gone would write into the removed state.
    local p
    for p in $(pgrep -x slurmstepd || true); do stop_pid "$p" 15 slurmstepd; done
  fi
  rm -rf "$BASE"
  if [[ $PROFILE == second ]]; then
    rm -rf "$(dirname "$CONF")"
    # Its records in slurmdbd go with its state: job ids restart at 1 and must not meet the old ones in sacct.
    if dbd_answers && cluster_registered; then sacctmgr -i delete cluster "$CLUSTER" >/dev/null || log "could not delete cluster $CLUSTER from slurmdbd"; fi
    log "purged $BASE, $(dirname "$CONF") and cluster $CLUSTER in slurmdbd"
  elif ((ACCOUNTING == 0)); then
    rm -rf "$(dirname "$CONF")"
    log "purged $BASE and $(dirname "$CONF")"
  elif [[ -x /etc/init.d/mariadb ]]; then
    mariadb_up || /etc/init.d/mariadb start >/dev/null
    wait_until 30 MariaDB mariadb_up || die "MariaDB does not answer"
    mariadb --protocol=socket -u root -e "DROP DATABASE IF EXISTS \`$DB_NAME\`;"
    log "purged $BASE and database $DB_NAME (job ids restart at 1)"
  fi
}

case ${1:-} in
  up | down | status | purge) cmd_"$1" ;;
  up-noacct | down-noacct | status-noacct | purge-noacct) use_cluster noacct; cmd_"${1%-noacct}" ;;
  up-second | down-second | status-second | purge-second) use_cluster second; cmd_"${1%-second}" ;;
  *) echo "usage: $0 up|down|status|purge|{up,down,status,purge}-noacct|{up,down,status,purge}-second" >&2; exit 2 ;;
esac
