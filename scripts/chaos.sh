#!/usr/bin/env bash
# The chaos run: a fault matrix on the local cluster (scripts/cluster.sh) with slurmk8s installed on it
# (scripts/demo.sh install), N SlurmJobs in flight per fault, each fault injected the way an operator meets it.
#
#   scripts/chaos.sh [--jobs N] [--faults a,b,…] [--lines L] [--wait S] [--tsv FILE] [--no-install]
#   ./build.sh chaos [the same options]
#
#   --jobs N        SlurmJobs per fault (default 8). The node's budget (slurm.sylabs.io/cpu: 6 on the local
#                   cluster) lets 6 single-CPU jobs run at once: the others wait for room (no pod yet), as on a full cluster.
#   --faults LIST   which faults, comma-separated (default: all of them, in the order below); `--faults list` lists
#   --lines L       each job prints "chaos line i of L", one a second (default 20), then writes chaos-result.txt
#   --wait S        after the fault is over, wait at most S seconds for the jobs to settle (default: enough for the
#                   waves the budget makes, plus a minute)
#   --tsv FILE      also write one line per fault, tab-separated (the ChaosTests read it)
#   --no-install    do not run scripts/demo.sh install first (it is idempotent and quick when nothing changed)
#
# For each fault: a fresh namespace chaos-<fault> (companion-rbac.yaml applied, tenant `jobs` by the tenancy file's
# defaultTenant), N SlurmJobs <fault>-1…N with the samples' results volume, pinned to the node of scripts/cluster.sh
# (whose daemons the faults hit; others may join the cluster); once min(N, budget) of their Slurm jobs
# start, the fault; then a bounded wait until every SlurmJob is final (or gone, where the fault deletes them) and no
# Slurm job of the namespace is RUNNING or PENDING; then each SlurmJob is classified:
#   succeeded   phase Succeeded, exactly one Slurm job for it and Slurm says COMPLETED
#   failed      final, but not that (Failed, Cancelled, or Succeeded while Slurm disagrees)
#   stuck       not final after the wait (never submitted, or its Slurm job ended and the SlurmJob never followed)
#   lost        the SlurmJob vanished, or is final with no Slurm job ever
#   dup         more than one Slurm job for one SlurmJob (counted besides the above)
#   for the deleting faults: cleaned (gone, none of its Slurm jobs left RUNNING/PENDING), leaked (gone, one left),
#   stuck (still there: its finalizer never came off)
# Slurm's side is read on the host from accounting (sacct --allusers): red-box submits each SlurmJob from
# <workRoot>/<namespace>/<name>-<uid>, so a Slurm job's WorkDir names its SlurmJob (docs/design.md). Output: the
# final pod's `kubectl logs` holds every numbered line exactly once, in order. Budget: every 2 s, the Slurm jobs of the
# namespace RUNNING or PENDING vs the node's slurm.sylabs.io/cpu (each job asks for one CPU); over it at any sample is an overrun. Recovery: from
# the fault's end (the component back, or the injection for one-shot faults) to the jobs settled.
# A table per run, and under it what a user saw: the SlurmJobs' and pods' events and the conditions of those that did
# not succeed, digits folded to # and counted.
# A fault whose jobs did not all come out right keeps, before its namespace goes, the SlurmJobs, pods, events,
# companions' logs and red-box's log in $EVIDENCE_DIR/<fault> (default /var/tmp/slurmk8s-chaos/<start time>).
#
# Faults (each restarts what it stopped as the local supervisor would, from its recorded command line):
#   baseline                   no fault: the yardstick
#   redbox-kill                red-box SIGKILL, started again 2 s later
#   redbox-stop                red-box stopped (SIGTERM), started again 60 s later
#   slurmctld-kill             slurmctld SIGKILL, started again 20 s later (scripts/slurm.sh up). The machine's one
#                              Slurm: anyone else's tests against it see the outage too
#   apiserver-kill             kube-apiserver SIGKILL as the first jobs start, 30 s down
#   apiserver-at-end           kube-apiserver SIGKILL 8 s before the first wave ends, 30 s down (the jobs end unseen)
#   operator-delete            the operator's pod deleted (its Deployment makes another, which takes the Lease)
#   companions-delete          every companion pod of the namespace deleted at once, Pending ones too
#   kubelet-kill               the kubelet SIGKILL, started again 5 s later
#   node-restart               ./build.sh cluster down --keep-store, up, scripts/demo.sh install: the whole one-machine
#                              cluster powered off and on — every daemon, pod and container gone, the API server's
#                              objects kept, as on a real node's reboot. Slurm itself stays up (it is not the node's)
#   delete-all                 every SlurmJob deleted while the first wave runs: every Slurm job cancelled
#   delete-during-redbox-stop  red-box stopped, every SlurmJob deleted, red-box started 60 s later: once it is back,
#                              no Slurm job of theirs is left RUNNING or PENDING
#
# Needs root and a running cluster (./build.sh cluster up). Exit status: 0 when every fault came out clean (all
# succeeded or cleaned, output complete, no overrun), 1 otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
LOG_TAG=chaos.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$HERE/lib/kube-build.sh" # KUBE_BIN_DIR
# shellcheck source=SCRIPTDIR/lib/cluster-env.sh
source "$HERE/lib/cluster-env.sh" # CLUSTER_DIR, ADMIN_KUBECONFIG, REDBOX_BIN, find_kubectl, kubectl_, the daemons (daemon_exe…)

SLURMCTLD_PIDFILE=/var/lib/slurmk8s-slurm/run/slurmctld.pid
REDBOX_SOCKET=/var/run/syslurm/red-box.sock
RESULTS_DIR=/var/lib/slurmk8s/results
TENANT_ROOT=/var/lib/slurmk8s/tenants/jobs # the tenancy file's defaultTenant: namespaces chaos-* are its
OPERATOR_SELECTOR=app.kubernetes.io/name=slurm-operator

ALL_FAULTS=(baseline redbox-kill redbox-stop slurmctld-kill apiserver-kill apiserver-at-end operator-delete
  companions-delete kubelet-kill node-restart delete-all delete-during-redbox-stop)

JOBS=8
LINES=20
WAIT=
TSV=
INSTALL=1
FAULTS=()

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

parse_args() {
  local list=""
  while (($#)); do
    case $1 in
      --jobs) JOBS=${2:?}; shift 2 ;;
      --faults) list=${2:?}; shift 2 ;;
      --lines) LINES=${2:?}; shift 2 ;;
      --wait) WAIT=${2:?}; shift 2 ;;
      --tsv) TSV=${2:?}; shift 2 ;;
      --no-install) INSTALL=0; shift ;;
      -h | --help) usage ;;
      *) log "unknown argument $1"; usage ;;
    esac
  done
  [[ $JOBS =~ ^[1-9][0-9]*$ && $LINES =~ ^[1-9][0-9]*$ ]] || die "--jobs and --lines take a positive number"
  [[ -z $WAIT || $WAIT =~ ^[0-9]+$ ]] || die "--wait takes seconds"
  if [[ $list == list ]]; then printf '%s\n' "${ALL_FAULTS[@]}"; exit 0; fi
  if [[ -z $list ]]; then FAULTS=("${ALL_FAULTS[@]}"); return; fi
  local f
  IFS=, read -r -a FAULTS <<<"$list"
  for f in "${FAULTS[@]}"; do
    [[ " ${ALL_FAULTS[*]} " == *" $f "* ]] || die "no fault '$f' (known: ${ALL_FAULTS[*]})"
  done
}

# ---------------------------------------------------------------- the daemons
# kill_daemon NAME SIGNAL: the supervised daemon gets SIGNAL; with TERM, waits until it is gone. Its pid file and
# command line stay, as a supervisor keeps its unit: restart_daemon starts it again from them.
kill_daemon() {
  local name=$1 sig=$2 pid
  pid=$(daemon_pid "$name")
  [[ -n $pid ]] || die "$name is not running"
  if [[ $sig == TERM ]]; then stop_pid "$pid" 30; else kill -KILL "$pid"; fi
  wait_until 10 "$name (pid $pid) to be gone" pid_gone "$pid" || true
  log "$name (pid $pid): SIG$sig"
}

pid_gone() { ! pid_alive "$1"; }

restart_daemon() {
  local name=$1 line
  local -a cmd
  line=$(cat "$DAEMON_RUN_DIR/$name.cmd") || die "no recorded command line for $name"
  eval "cmd=($line)"
  daemon_start "$name" "${cmd[@]}"
  disown "$!" # its death, at the next fault, is no news to this shell
}

api_ready() { kubectl_ get --raw /readyz >/dev/null 2>&1; }
redbox_answers() { "$REDBOX_BIN" redbox ask --socket "$REDBOX_SOCKET" whoami >/dev/null 2>&1; }
slurmctld_pid() { local p; p=$(tr -dc '0-9' <"$SLURMCTLD_PIDFILE" 2>/dev/null) && pid_alive "$p" slurmctld && echo "$p"; }
slurmctld_answers() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_redbox_again() {
  restart_daemon redbox
  wait_until --daemon redbox 30 "red-box to answer" redbox_answers || log "red-box does not answer 30 s after its start"
}
start_apiserver_again() {
  restart_daemon kube-apiserver
  wait_until --daemon kube-apiserver 90 "kube-apiserver /readyz" api_ready || log "kube-apiserver not ready 90 s after its start"
}

# ---------------------------------------------------------------- the jobs
NS=
NODE=
CAPACITY=
SLURM_CLUSTER=
SAMPLES=
declare -A UID_OF=()

job_manifest() {
  local name=$1
  cat <<EOF
---
apiVersion: slurm.sylabs.io/v1alpha1
kind: SlurmJob
metadata:
  name: $name
  namespace: $NS
spec:
  nodeSelector:
    kubernetes.io/hostname: $NODE
  batch: |
    #!/bin/sh
    #SBATCH --job-name=$name
    #SBATCH --ntasks=1
    #SBATCH --cpus-per-task=1
    #SBATCH --time=00:10:00
    i=1
    while [ "\$i" -le $LINES ]; do
      echo "chaos line \$i of $LINES"
      i=\$((i + 1))
      sleep 1
    done
    echo "Slurm job \$SLURM_JOB_ID of $name" > chaos-result.txt
  results:
    mount:
      name: results
      hostPath:
        path: $RESULTS_DIR
        type: DirectoryOrCreate
    files:
      - chaos-result.txt
EOF
}

job_names() { local i; for ((i = 1; i <= JOBS; i++)); do echo "$FAULT-$i"; done; }

sa_token_ready() { [[ -n $(kubectl_ -n "$NS" get serviceaccount slurm-companion -o jsonpath='{.secrets[0].name}' 2>/dev/null) ]]; }
namespace_gone() { ! kubectl_ get namespace "$1" >/dev/null 2>&1; }

# A namespace left by an earlier run goes first: its SlurmJobs' finalizers are taken off (their Slurm jobs cancelled
# here) so that a job stuck by an earlier fault cannot hold it.
# (A node restart wipes the namespace but not its Slurm jobs: those are cancelled all the same.)
clear_namespace() {
  local ns=$1
  cancel_slurm_jobs_of "$ns"
  kubectl_ get namespace "$ns" >/dev/null 2>&1 || return 0
  kubectl_ -n "$ns" delete slurmjobs --all --wait=false >/dev/null 2>&1 || true
  remove_finalizers "$ns"
  kubectl_ delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  wait_until 120 "namespace $ns gone" namespace_gone "$ns" || die "namespace $ns is still there"
  cancel_slurm_jobs_of "$ns" # a companion that submitted meanwhile
}

# After a fault: the same, without waiting for the namespace itself (its controller takes up to a minute), only for
# its pods, which hold the node's budget: force-deleted, the next fault's jobs get their slots at once.
release_namespace() {
  local ns=$1
  cancel_slurm_jobs_of "$ns"
  kubectl_ -n "$ns" delete slurmjobs --all --wait=false >/dev/null 2>&1 || true
  remove_finalizers "$ns"
  kubectl_ -n "$ns" delete pods --all --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
  kubectl_ delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  wait_until 60 "the pods of $ns gone" no_pods_in "$ns" || log "pods of $ns still there"
  cancel_slurm_jobs_of "$ns" # a companion that submitted meanwhile
}
no_pods_in() { [[ -z $(kubectl_ -n "$1" get pods -o name 2>/dev/null) ]]; }

remove_finalizers() {
  local sj
  for sj in $(kubectl_ -n "$1" get slurmjobs -o name 2>/dev/null); do
    kubectl_ -n "$1" patch "$sj" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
  done
}

cancel_slurm_jobs_of() {
  local id
  for id in $(slurm_jobs_of "$1" | awk -F'|' '$2 == "RUNNING" || $2 == "PENDING" { print $1 }'); do
    if [[ $id == *@* ]]; then scancel -M "${id#*@}" "${id%@*}"; else scancel "$id"; fi 2>/dev/null || true
  done
}

# The Slurm jobs submitted for namespace NS (their WorkDir is <workRoot>/NS/<name>-<uid>), from accounting, on every
# Slurm cluster it knows (a node's red-box may submit to another one): "jobid|state|workdir" lines, the id as
# ID@CLUSTER on a cluster other than the default one. States as sacct spells them (CANCELLED by N → CANCELLED).
slurm_jobs_of() {
  sacct --clusters=all --allusers --allocations --noheader --parsable2 --starttime=now-1days \
    --format=Cluster,JobIDRaw,State,WorkDir 2>/dev/null |
    awk -F'|' -v dir="$TENANT_ROOT/$1/" -v home="$SLURM_CLUSTER" 'index($4, dir) == 1 {
      split($3, s, " "); print ($1 == home ? $2 : $2 "@" $1) "|" s[1] "|" $4 }'
}

# Slurm jobs of the namespace RUNNING and PENDING now, from squeue on every cluster (accounting lags): "R PD";
# nothing when a slurmctld does not answer.
slurm_active_of() {
  local out
  out=$(squeue --clusters=all --noheader --all --format='%T|%Z' 2>/dev/null) || return 0
  awk -F'|' -v dir="$TENANT_ROOT/$1/" '
    index($2, dir) == 1 { if ($1 == "PENDING") pd++; else if ($1 != "COMPLETED" && $1 != "CANCELLED" && $1 != "FAILED") r++ }
    END { print r + 0, pd + 0 }' <<<"$out"
}

# Slurm nodes drained or down, "reason|nodes" (e.g. "Duplicate jobid|n1": slurmctld killed loses the jobs it had not
# saved yet and hands their ids out again, which a slurmd that ran the old job refuses).
slurm_node_troubles() { sinfo -h -R -o '%E|%N' 2>/dev/null || true; }

# What an administrator does before the next fault: resume them (and say so).
resume_slurm_nodes() {
  local reason nodes
  while IFS='|' read -r reason nodes; do
    [[ -n $nodes ]] || continue
    log "Slurm node(s) $nodes drained or down ($reason): resuming them"
    scontrol update NodeName="$nodes" State=RESUME 2>/dev/null || true
  done < <(slurm_node_troubles)
}

# At least K Slurm jobs of the namespace started: running now or already ended (short jobs may never run all at once).
started_at_least() {
  local n
  n=$(squeue --clusters=all --noheader --all --states=all --format='%T|%Z' 2>/dev/null |
    awk -F'|' -v dir="$TENANT_ROOT/$NS/" 'index($2, dir) == 1 && $1 != "PENDING" { n++ } END { print n + 0 }')
  ((n >= $1))
}

sj_json() { kubectl_ -n "$NS" get slurmjobs -o json 2>/dev/null; }

# Every SlurmJob final (or, with --gone, gone) and no Slurm job of the namespace RUNNING or PENDING.
settled() {
  local json active
  json=$(sj_json) || return 1
  if [[ ${1:-} == --gone ]]; then
    [[ $(jq '.items | length' <<<"$json") -eq 0 ]] || return 1
  else
    [[ $(jq '[.items[] | select(.status.phase != "Succeeded" and .status.phase != "Failed" and .status.phase != "Cancelled")] | length' <<<"$json") -eq 0 ]] || return 1
  fi
  active=$(slurm_active_of "$NS")
  [[ -n $active && $active == "0 0" ]]
}

# The sampler: every 2 s, "epoch R PD phases… outage…" (phases and outages only while the API server answers).
sampler() {
  local active json phases outages
  while :; do
    active=$(slurm_active_of "$NS")
    json=$(sj_json || true)
    phases=$(jq -r '[.items[] | .status.phase // "new"] | group_by(.) | map("\(.[0])=\(length)") | join(",")' <<<"${json:-{\}}" 2>/dev/null || true)
    outages=$(jq -r '[.items[] | .status.companion.outage // empty | "\(.component): \(.message)"] | unique | join(" / ")' <<<"${json:-{\}}" 2>/dev/null || true)
    printf '%s\t%s\t%s\t%s\n' "$(date +%s)" "${active:--}" "${phases:--}" "${outages:-}" >>"$SAMPLES"
    sleep 2
  done
}

# ---------------------------------------------------------------- the faults
# inject FAULT: does the fault; returns once it is over (what it stopped is back). FAULT_T0/FAULT_T1: its span.
inject() {
  FAULT_T0=$(date +%s)
  case $FAULT in
    baseline) ;;
    redbox-kill) kill_daemon redbox KILL; sleep 2; start_redbox_again ;;
    redbox-stop) kill_daemon redbox TERM; sleep 60; start_redbox_again ;;
    slurmctld-kill)
      local p; p=$(slurmctld_pid) || die "slurmctld is not running"
      kill -KILL "$p"; log "slurmctld (pid $p): SIGKILL"
      sleep 20
      "$HERE/slurm.sh" up >/dev/null 2>&1 || log "scripts/slurm.sh up failed"
      wait_until 30 "slurmctld to answer" slurmctld_answers || true
      ;;
    apiserver-kill) kill_daemon kube-apiserver KILL; sleep 30; start_apiserver_again ;;
    apiserver-at-end)
      # The first wave started JOB_START; each job prints LINES lines a second apart: down 8 s before they end.
      local lead=$((LINES - 8 - ($(date +%s) - WAVE_T0)))
      ((lead <= 0)) || sleep "$lead"
      FAULT_T0=$(date +%s)
      kill_daemon kube-apiserver KILL; sleep 30; start_apiserver_again
      ;;
    operator-delete) kubectl_ -n default delete pod -l "$OPERATOR_SELECTOR" --wait=false >/dev/null ;;
    companions-delete) kubectl_ -n "$NS" delete pods --all --wait=false >/dev/null ;;
    kubelet-kill) kill_daemon kubelet KILL; sleep 5; restart_daemon kubelet ;;
    node-restart)
      # Slurm is not the node's: `down` stops it only if `up` started it, and here it stays up.
      rm -f "$DAEMON_RUN_DIR/slurm.started"
      "$HERE/cluster.sh" down --keep-store >/dev/null 2>&1 || log "cluster.sh down --keep-store failed"
      CLUSTER_CHECK=0 "$HERE/cluster.sh" up >/dev/null 2>&1 || die "cluster.sh up failed after down"
      "$HERE/demo.sh" install >/dev/null 2>&1 || die "demo.sh install failed after the node came back"
      ;;
    delete-all) kubectl_ -n "$NS" delete slurmjobs --all --wait=false >/dev/null ;;
    delete-during-redbox-stop)
      kill_daemon redbox TERM
      kubectl_ -n "$NS" delete slurmjobs --all --wait=false >/dev/null
      sleep 60
      start_redbox_again
      ;;
  esac
  FAULT_T1=$(date +%s)
}

expects_gone() { [[ $FAULT == delete-all || $FAULT == delete-during-redbox-stop ]]; }

# ---------------------------------------------------------------- one fault
run_fault() {
  FAULT=$1
  NS=chaos-$FAULT
  local t0 name deadline waves wait_s recover=- sampler_pid settled_args=()
  expects_gone && settled_args=(--gone)
  say "fault $FAULT: $JOBS SlurmJobs in namespace $NS"
  clear_namespace "$NS"
  resume_slurm_nodes
  for name in $(job_names); do rm -rf "${RESULTS_DIR:?}/$name-job"; done
  kubectl_ create namespace "$NS" >/dev/null
  kubectl_ -n "$NS" apply -f "$ROOT/manifests/companion-rbac.yaml" >/dev/null
  wait_until 30 "slurm-companion's token in $NS" sa_token_ready || die "no token for slurm-companion in $NS"

  SAMPLES=$WORK/$FAULT.samples
  : >"$SAMPLES"
  t0=$(date +%s)
  for name in $(job_names); do job_manifest "$name"; done | kubectl_ apply -f - >/dev/null
  UID_OF=()
  while IFS=' ' read -r name uid; do UID_OF[$name]=$uid; done < <(sj_json | jq -r '.items[] | "\(.metadata.name) \(.metadata.uid)"')
  sampler &
  sampler_pid=$!

  local first=$((JOBS < CAPACITY ? JOBS : CAPACITY))
  wait_until 120 "$first Slurm jobs of $NS started" started_at_least "$first" || log "fewer than $first jobs started after 120 s: injecting anyway"
  WAVE_T0=$(date +%s)
  log "$(slurm_active_of "$NS" | awk '{ print $1 " running, " $2 " pending in Slurm" }') after $(($(date +%s) - t0)) s: injecting $FAULT"
  inject
  log "$FAULT over after $((FAULT_T1 - FAULT_T0)) s"

  waves=$(((JOBS + CAPACITY - 1) / CAPACITY))
  wait_s=${WAIT:-$((waves * (LINES + 20) + 60))}
  deadline=$((FAULT_T1 + wait_s))
  while ((SECONDS_NOW = $(date +%s), SECONDS_NOW < deadline)); do
    if settled "${settled_args[@]}"; then recover=$((SECONDS_NOW - FAULT_T1)); break; fi
    sleep 2
  done
  [[ $recover != - ]] || log "not settled $wait_s s after the fault"
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  classify "$recover"
  [[ ! -s $WORK/$FAULT.details ]] || keep_evidence
  # What this fault left goes, so that the next one starts clean (a stuck job's Slurm job, its finalizer).
  release_namespace "$NS"
}

# ---------------------------------------------------------------- classification
# keep_evidence: before the namespace goes, what a failed fault leaves to read — the SlurmJobs and pods as stored,
# the events, every companion's log (and its previous container's), red-box's log — in $EVIDENCE_DIR/<fault>.
EVIDENCE_DIR=${EVIDENCE_DIR:-/var/tmp/slurmk8s-chaos/$(date +%Y%m%dT%H%M%S)}
keep_evidence() {
  local dir=$EVIDENCE_DIR/$FAULT pod
  # Pod logs and red-box's log may hold what tenants wrote: for root only.
  (umask 077 && mkdir -p "$dir")
  kubectl_ -n "$NS" get slurmjobs -o yaml >"$dir/slurmjobs.yaml" 2>&1 || true
  kubectl_ -n "$NS" get pods -o yaml >"$dir/pods.yaml" 2>&1 || true
  kubectl_ -n "$NS" get events --sort-by=.lastTimestamp >"$dir/events.txt" 2>&1 || true
  for pod in $(kubectl_ -n "$NS" get pods -o name 2>/dev/null); do
    kubectl_ -n "$NS" logs --timestamps "$pod" >"$dir/${pod#pod/}.log" 2>&1 || true
    kubectl_ -n "$NS" logs --timestamps --previous "$pod" >"$dir/${pod#pod/}.previous.log" 2>/dev/null || rm -f "$dir/${pod#pod/}.previous.log"
  done
  tail -n 2000 "$DAEMON_LOG_DIR/redbox.log" >"$dir/redbox.log" 2>/dev/null || true
  log "$FAULT did not come out right: its SlurmJobs, pods, events and logs are kept in $dir"
}

# classify RECOVER: one row of the table ($WORK/rows), the details of every job that did not come out right
# ($WORK/FAULT.details) and what a user saw ($WORK/FAULT.messages).
classify() {
  local recover=$1 json slurm name uid phase ids states n cls out ok_out=0 n_out=0 left active maxload=0
  local -A count=([succeeded]=0 [failed]=0 [stuck]=0 [lost]=0 [cleaned]=0 [leaked]=0)
  local dup=0 details=$WORK/$FAULT.details
  : >"$details"
  json=$(sj_json || echo '{"items":[]}')
  slurm=$(slurm_jobs_of "$NS")
  for name in $(job_names); do
    uid=${UID_OF[$name]:-none}
    ids=$(awk -F'|' -v u="-$uid" 'substr($3, length($3) - length(u) + 1) == u { print $1 }' <<<"$slurm" | paste -sd, -)
    states=$(awk -F'|' -v u="-$uid" 'substr($3, length($3) - length(u) + 1) == u { print $2 }' <<<"$slurm" | paste -sd, -)
    n=$(awk -F, '{ print NF }' <<<"$ids")
    phase=$(jq -r --arg n "$name" '.items[] | select(.metadata.name == $n) | .status.phase // "new"' <<<"$json")
    ((n <= 1)) || dup=$((dup + 1))
    if expects_gone; then
      if [[ -n $phase ]]; then cls=stuck
      elif [[ ,$states, == *,RUNNING,* || ,$states, == *,PENDING,* ]]; then cls=leaked
      else cls=cleaned; fi
    elif [[ -z $phase ]]; then cls=lost
    elif [[ $phase =~ ^(Succeeded|Failed|Cancelled)$ ]]; then
      if ((n == 0)); then cls=lost
      elif [[ $phase == Succeeded && $states == COMPLETED ]]; then cls=succeeded
      elif [[ $phase == Succeeded && $n -gt 1 && ,$states, == *,COMPLETED,* ]]; then cls=succeeded
      else cls=failed; fi
    else cls=stuck; fi
    count[$cls]=$((count[$cls] + 1))
    out=-
    if ! expects_gone; then
      out=$(output_check "$name")
      if [[ $out == "pod gone" && $phase =~ ^(Succeeded|Failed|Cancelled)$ ]]; then
        out=-   # a finished job's pod deleted by the fault (companions-delete): its log went with it, nothing to check
      else
        n_out=$((n_out + 1))
        [[ $out != complete ]] || ok_out=$((ok_out + 1))
      fi
    fi
    if [[ $cls != succeeded && $cls != cleaned ]] || ((n > 1)) || [[ $out != complete && $out != - ]]; then
      printf '  %-28s %-9s phase %-10s slurm %-22s output %s%s\n' "$name" "$cls" "${phase:-(gone)}" \
        "${ids:-none}${states:+ ($states)}" "$out" "$(job_note "$json" "$name")" >>"$details"
    fi
  done
  active=$(slurm_active_of "$NS")
  left=$(awk '{ print $1 + $2 }' <<<"${active:-0 0}")
  maxload=$(awk -F'\t' '$2 != "-" { split($2, a, " "); l = a[1] + a[2]; if (l > m) m = l } END { print m + 0 }' "$SAMPLES")
  user_messages "$json"
  # Recovered means every job finished: a stuck or lost one never did.
  ((count[stuck] + count[lost] == 0)) || recover=-
  local good=${count[succeeded]} want=Succeeded outcol="$ok_out/$n_out"
  if expects_gone; then good=${count[cleaned]}; want=gone; outcol=-; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FAULT" "$JOBS" "$want" "$good" "${count[stuck]}" \
    "${count[lost]}" "$dup" "$((count[failed] + count[leaked]))" "$left" "$outcol" "$maxload/$CAPACITY" \
    "$((FAULT_T1 - FAULT_T0))" "$recover" >>"$WORK/rows"
  [[ -z $TSV ]] || printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$FAULT" "$JOBS" "$want" "$good" \
    "${count[stuck]}" "${count[lost]}" "$dup" "$((count[failed] + count[leaked]))" "$left" "$ok_out" "$n_out" "$maxload" \
    "$CAPACITY" "$recover" >>"$TSV"
}

# output_check NAME: "complete" when the companion pod's log holds "chaos line i of L" for i = 1…L, each once, in
# order; else what is wrong.
output_check() {
  local log got
  kubectl_ -n "$NS" get pod "$1-job" >/dev/null 2>&1 || { echo "pod gone"; return; }
  log=$(kubectl_ -n "$NS" logs "$1-job" 2>/dev/null) || { echo "no log"; return; }
  got=$(grep -E '^chaos line [0-9]+ of [0-9]+$' <<<"$log" | awk '{ print $3 }' | paste -sd' ' -)
  if [[ $got == "$(seq -s' ' 1 "$LINES")" ]]; then echo complete; return; fi
  awk -v want="$LINES" '{ n = split($0, a, " "); for (i = 1; i <= n; i++) seen[a[i]]++ }
    END { for (i = 1; i <= want; i++) { if (!seen[i]) miss++; else if (seen[i] > 1) dup++ }
          printf "%d of %d lines", n, want; if (miss) printf ", %d missing", miss; if (dup) printf ", %d repeated", dup
          if (!miss && !dup) printf ", out of order"; print "" }' <<<"$got"
}

# A job's own words: its last condition that is not True-and-fine, and the companion's outage, if any.
job_note() {
  jq -r --arg n "$2" '.items[] | select(.metadata.name == $n) |
    ([.status.conditions[]? | select(.type == "Finished" or .status != "True") | "\(.type)=\(.status) \(.reason): \(.message)"] | last // empty) as $c |
    (.status.companion.outage // empty | "outage \(.component): \(.message)") as $o |
    [$c, $o] | map(select(. != null)) | if length > 0 then "\n      " + join("\n      ") else "" end' <<<"$1" 2>/dev/null | head -c 600
}

# What a user saw: the namespace's events (SlurmJobs' and pods'), and the conditions of SlurmJobs that did not
# succeed (and what an administrator sees: Slurm nodes drained by the fault), digits folded to # so that one message for six jobs reads once, with its count. (The kubelet's routine
# events, and MissingClusterDNS — the local cluster runs no DNS — are left out.)
user_messages() {
  local out=$WORK/$FAULT.messages
  {
    kubectl_ -n "$NS" get events -o json 2>/dev/null |
      jq -r '.items[] | select(.reason | IN("Scheduled", "Pulled", "Created", "Started", "MissingClusterDNS") | not)
        | "\(.type) \(.involvedObject.kind) \(.reason): \(.message)"' || true
    jq -r '.items[] | select(.status.phase != "Succeeded") | .status.conditions[]? | select(.status != "True" or .type == "Finished")
      | "condition \(.type)=\(.status) \(.reason): \(.message)"' <<<"$1" || true
    slurm_node_troubles | awk -F'|' '{ print "Slurm (sinfo -R) node " $2 " drained or down: " $1 }'
  } | sed -E "s/$FAULT-[0-9]+/<job>/g; s/[0-9]+/#/g" | cut -c1-220 | sort | uniq -c | sort -rn | head -n 14 >"$out"
}

# ---------------------------------------------------------------- the report
print_table() {
  say "chaos: $JOBS SlurmJobs per fault, each printing $LINES lines; budget slurm.sylabs.io/cpu=$CAPACITY (one per job); build $BUILD"
  {
    printf 'FAULT\tJOBS\tEXPECT\tOK\tSTUCK\tLOST\tDUP\tFAILED\tLEFT-IN-SLURM\tOUTPUT\tMAX-IN-SLURM/BUDGET\tFAULT-S\tRECOVER-S\n'
    cat "$WORK/rows"
  } | column -t -s $'\t'
  cat <<'EOF'
  OK: Succeeded (Slurm COMPLETED, one Slurm job) or, where the fault deletes them, gone with nothing left in Slurm.
  FAILED: final but not that (or gone with a Slurm job left running). OUTPUT: logs with every line once, in order.
  RECOVER-S: from the fault's end to every SlurmJob settled (- : not within the wait).
EOF
  local f
  for f in "${FAULTS[@]}"; do
    [[ -e $WORK/$f.messages ]] || continue
    echo
    echo "-- $f: what a user saw (events and conditions; digits as #)"
    if [[ -s $WORK/$f.messages ]]; then sed 's/^ */  /' "$WORK/$f.messages"; else echo "  (nothing: no events survived)"; fi
    if [[ -s $WORK/$f.samples ]]; then
      awk -F'\t' '$4 != "" { print "  outage reported: " $4 }' "$WORK/$f.samples" | sort -u | head -n 3
      echo "  phases seen: $(awk -F'\t' '$3 != "-" { n = split($3, a, ","); for (i = 1; i <= n; i++) { split(a[i], p, "="); if (!seen[p[1]]++) printf "%s ", p[1] } }' "$WORK/$f.samples")"
    fi
    if [[ -s $WORK/$f.details ]]; then
      echo "  jobs that did not come out right:"
      cat "$WORK/$f.details"
    fi
  done
}

# ---------------------------------------------------------------- main
main() {
  parse_args "$@"
  require_root
  find_kubectl
  ensure_packages jq bsdextrautils # column
  [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]] || die "the cluster is not running: ./build.sh cluster up"
  if ((INSTALL)); then "$HERE/demo.sh" install >/dev/null || die "scripts/demo.sh install failed"; fi
  # The jobs are pinned to the node whose daemons the faults hit (others may have joined the cluster).
  NODE=$(awk '{ print $1 }' "$DAEMON_RUN_DIR/identity" 2>/dev/null)
  [[ -n $NODE ]] || die "no node name in $DAEMON_RUN_DIR/identity (scripts/cluster.sh up writes it)"
  CAPACITY=$(kubectl_ get node "$NODE" -o jsonpath='{.status.capacity.slurm\.sylabs\.io/cpu}')
  [[ $CAPACITY =~ ^[0-9]+$ ]] || die "node $NODE has no slurm.sylabs.io/cpu capacity (is resourced running?)"
  SLURM_CLUSTER=$(scontrol show config 2>/dev/null | awk '$1 == "ClusterName" { print $3 }')
  BUILD="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+changes'), out/slurmk8s $(date -u -r "$ROOT/out/slurmk8s" +%FT%TZ 2>/dev/null || echo '?')"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  : >"$WORK/rows"
  [[ -z $TSV ]] || : >"$TSV"
  local f t0
  t0=$(now)
  for f in "${FAULTS[@]}"; do
    run_fault "$f"
  done
  print_table
  log "the chaos run took $(since "$t0") s"
  # Clean: every job OK, none duplicated, nothing left in Slurm, every output complete, the budget kept.
  awk -F'\t' '{ split($10, o, "/"); split($11, m, "/")
      if ($4 != $2 || $7 != 0 || $9 != 0 || ($10 != "-" && o[1] != o[2]) || m[1] > m[2]) bad = 1 }
    END { exit bad }' "$WORK/rows"
}

main "$@"
