#!/usr/bin/env bash
# The cluster benchmark: slurmk8s on the local cluster (scripts/cluster.sh, installed by scripts/demo.sh install)
# side by side with raw `sbatch`, in one run, on the same Slurm, as the same tenant's Unix user and account.
#
#   scripts/bench-cluster.sh [--jobs N] [--latency-jobs M] [--parts throughput,latency] [--no-install]
#   ./build.sh bench cluster [the same options]
#
#   --jobs N          throughput: N trivial SlurmJobs (`echo hi`) created at once (default 300), then the same N
#                     scripts through raw sbatch
#   --latency-jobs M  latency: M 5-second jobs one after another, a SlurmJob and a raw sbatch alternately (default 20)
#   --parts LIST      which parts (default throughput,latency)
#   --no-install      do not run scripts/demo.sh install first
#
# Throughput: `kubectl create -f` of one multi-document file of N SlurmJobs in a fresh namespace bench-cluster (tenant
# `jobs` by the tenancy file's defaultTenant), pinned to the node of scripts/cluster.sh; times from the create until
# every SlurmJob has status.slurm.jobId and until every one is Succeeded. Then the same N scripts through
# `runuser -u <tenant user> -- sbatch --account=<tenant account>` (6 at a time), timed until squeue shows none of them
# pending or running, their states read from sacct. During the SlurmJob side: the operator's (the Lease holder's) and
# red-box's RSS and CPU, sampled every second from /proc, and the operator's slurmk8s_operator_api_requests_total
# before and after (through the API server's pod proxy), divided by N. Then where a SlurmJob's life went: from the
# stamped watches of SlurmJobs and pods, Slurm's start/end (sacct) and the companions' log lines (a sample).
#
# Latency: M rounds of a SlurmJob (sleep 5) and a raw sbatch of the same script; the SlurmJob timed from just before
# `kubectl create` to status.slurm.jobId, phase Running and phase Succeeded (a watch, each line stamped on arrival);
# the raw job from just before sbatch to RUNNING and COMPLETED (squeue every 100 ms). Also each companion's RSS
# while its job runs, and its process start → "Submitted to Slurm" log line. Every submission starts $SCHED_SETTLE s
# after the last job ended, plus a random part of a second, so both sides find slurmctld's scheduler in the same state
# (see SCHED_SETTLE). Slurm's own wait (slurmctld's submit → its allocation, from its log, to the millisecond) is
# printed per side, and each side's time to Running without it: what slurmk8s adds, apart from Slurm's tick.
#
# Everything on one clock ($EPOCHREALTIME of this shell). It prints figures and asserts nothing about speed.
# Namespaces bench-cluster and bench-latency are deleted at the end (and at the start, if an earlier run left them).
# Needs root and a running cluster (./build.sh cluster up).
set -euo pipefail
export LC_ALL=C # one order for sort and join

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
LOG_TAG=bench-cluster.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$HERE/lib/kube-build.sh" # KUBE_BIN_DIR
# shellcheck source=SCRIPTDIR/lib/cluster-env.sh
source "$HERE/lib/cluster-env.sh" # CLUSTER_DIR, ADMIN_KUBECONFIG, REDBOX_BIN, find_kubectl, kubectl_, the daemons (daemon_exe…)

TENANCY_FILE=/etc/slurmk8s/tenants.yaml
OPERATOR_SELECTOR=app.kubernetes.io/name=slurm-operator
NS_T=bench-cluster
NS_L=bench-latency

JOBS=300
LAT_JOBS=20
# Latency rounds start this long after the last job ended: slurmctld starts a batch job at its next scheduling pass,
# and a pass runs at most every batch_sched_delay (3 s by default) after submissions, so a job submitted within 3 s of
# the previous job's end waits for the rest of those 3 s. Without the pause that wait fell on one side of the
# alternation and not the other. And a pass comes only on slurmctld's background loop, once a second, so a job waits
# for the next tick: 0 to 1 s. A fixed pause locked each side to its own phase of that tick (the raw sbatch came
# just before a tick, the SlurmJob's submit, 0.8 s later in its round, just after one: 0.4 s of the gap was that), so
# each submission also waits a random part of a second (random_pause).
SCHED_SETTLE=3.5
PARTS=throughput,latency
INSTALL=1

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

parse_args() {
  while (($#)); do
    case $1 in
      --jobs) JOBS=${2:?}; shift 2 ;;
      --latency-jobs) LAT_JOBS=${2:?}; shift 2 ;;
      --parts) PARTS=${2:?}; shift 2 ;;
      --no-install) INSTALL=0; shift ;;
      -h | --help) usage ;;
      *) log "unknown argument $1"; usage ;;
    esac
  done
  [[ $JOBS =~ ^[1-9][0-9]*$ && $LAT_JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs and --latency-jobs take a positive number"
}
part() { [[ ,$PARTS, == *,$1,* ]]; }

# ---------------------------------------------------------------- small tools
# A float difference, or - when either end is missing.
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-") print "-"; else printf "%.2f", b - a }'; }
# p50 and max of numbers on stdin ("-" lines skipped): "p50 max n".
stats() { awk '$1 != "-" && $1 != "" { v[n++] = $1 } END {
  if (!n) { print "- - 0"; exit } asort(v); printf "%.2f %.2f %d\n", v[int((n + 1) / 2)], v[n], n }'; }

# The tenant the namespaces bench-* get: the tenancy file's defaultTenant (neither is named under a tenant):
# TENANT_USER, TENANT_ACCOUNT, TENANT_ROOT.
read_tenant() {
  local def
  def=$(awk '$1 == "defaultTenant:" { print $2 }' "$TENANCY_FILE")
  [[ -n $def ]] || die "$TENANCY_FILE has no defaultTenant: the bench namespaces would have no tenant"
  read -r TENANT_USER TENANT_ACCOUNT TENANT_ROOT < <(awk -v t="$def" '
    $1 == "-" && $2 == "name:" { cur = $3 } $1 == "name:" { cur = $2 }
    cur == t && $1 == "user:" { u = $2 } cur == t && $1 == "account:" { a = $2 } cur == t && $1 == "workRoot:" { w = $2 }
    END { print u, a, w }' "$TENANCY_FILE")
  [[ -n $TENANT_USER && -n $TENANT_ACCOUNT && -n $TENANT_ROOT ]] || die "tenant $def not found in $TENANCY_FILE"
}

# SCHED_SETTLE and a random part of a second: the phase of slurmctld's one-second loop, uniform for both sides.
random_pause() { sleep "$(awk -v s="$SCHED_SETTLE" -v r="$RANDOM" 'BEGIN { printf "%.3f", s + r / 32768 }')"; }

# slurm_waits LOG IDS...: "id submitted allocated" for each job id in slurmctld's log (epoch seconds, to the ms; - if
# not there): when slurmctld took the submission, and when its scheduler gave the job its nodes.
slurm_waits() {
  local log=$1 id line t sub alloc
  shift
  for id in "$@"; do
    sub=- alloc=-
    while IFS= read -r line; do
      t=${line%%]*}; t=${t#[}
      case $line in
        *"_slurm_rpc_submit_batch_job: JobId=$id "*) [[ $sub != - ]] || sub=$(date -d "$t" +%s.%3N) ;;
        *"sched: Allocate JobId=$id "*) [[ $alloc != - ]] || alloc=$(date -d "$t" +%s.%3N) ;;
      esac
    done < <(grep -aE "JobId=$id( |$)" "$log" 2>/dev/null)
    echo "$id $sub $alloc"
  done
}

# stamp FILE: each line of stdin, prefixed with the time it arrived.
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$1"; }

# watch_ns NS DIR: stamped watches of the namespace's SlurmJobs (DIR/sj: "t name phase jobId") and pods
# (DIR/pods: "t name phase node"), in the background; WATCH_PIDS.
WATCH_PIDS=()
watch_ns() {
  local ns=$1 dir=$2
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" -n "$ns" get slurmjobs -w --no-headers \
    -o custom-columns=N:.metadata.name,P:.status.phase,J:.status.slurm.jobId > >(stamp "$dir/sj") 2>/dev/null &
  WATCH_PIDS+=($!)
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" -n "$ns" get pods -w --no-headers \
    -o custom-columns=N:.metadata.name,P:.status.phase,NODE:.spec.nodeName > >(stamp "$dir/pods") 2>/dev/null &
  WATCH_PIDS+=($!)
}
stop_watches() { # the kubectl processes: their stamps end with them
  local p
  for p in "${WATCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  WATCH_PIDS=()
  sleep 0.2
}

# Per SlurmJob, from DIR/sj: "name created jobId-seen running-seen succeeded-seen" (first time each was seen; - if never).
sj_times() {
  awk '{ t = $1; n = $2; ph = $3; id = $4
    if (!(n in c)) { c[n] = t; order[k++] = n }
    if (id != "<none>" && !(n in j)) j[n] = t
    if (ph == "Running" && !(n in r)) r[n] = t
    if (ph == "Succeeded" && !(n in s)) s[n] = t
    if ((ph == "Failed" || ph == "Cancelled") && !(n in f)) f[n] = t }
  END { for (i = 0; i < k; i++) { n = order[i]
    print n, c[n], (n in j ? j[n] : "-"), (n in r ? r[n] : "-"), (n in s ? s[n] : (n in f ? "F" f[n] : "-")) } }' "$1"
}
# Per pod, from DIR/pods: "name created scheduled running succeeded".
pod_times() {
  awk '{ t = $1; n = $2; ph = $3; node = $4
    if (!(n in c)) { c[n] = t; order[k++] = n }
    if (node != "<none>" && !(n in sc)) sc[n] = t
    if (ph == "Running" && !(n in r)) r[n] = t
    if ((ph == "Succeeded" || ph == "Failed") && !(n in s)) s[n] = t }
  END { for (i = 0; i < k; i++) { n = order[i]
    print n, c[n], (n in sc ? sc[n] : "-"), (n in r ? r[n] : "-"), (n in s ? s[n] : "-") } }' "$1"
}

# ---------------------------------------------------------------- namespaces
namespace_gone() { ! kubectl_ get namespace "$1" >/dev/null 2>&1; }
no_slurmjobs_in() { [[ -z $(kubectl_ -n "$1" get slurmjobs -o name 2>/dev/null) ]]; }
sa_token_ready() { [[ -n $(kubectl_ -n "$1" get serviceaccount slurm-companion -o jsonpath='{.secrets[0].name}' 2>/dev/null) ]]; }

clear_namespace() {
  local ns=$1 sj
  kubectl_ get namespace "$ns" >/dev/null 2>&1 || return 0
  log "deleting namespace $ns"
  kubectl_ -n "$ns" delete slurmjobs --all --wait=false >/dev/null 2>&1 || true
  # The operator takes the finalizers off finished jobs itself; what it has not after a minute is taken off here.
  wait_until 60 "the SlurmJobs of $ns gone" no_slurmjobs_in "$ns" || true
  for sj in $(kubectl_ -n "$ns" get slurmjobs -o name 2>/dev/null); do
    kubectl_ -n "$ns" patch "$sj" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
  done
  kubectl_ -n "$ns" delete pods --all --force --grace-period=0 --wait=false >/dev/null 2>&1 || true
  kubectl_ delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  wait_until 180 "namespace $ns gone" namespace_gone "$ns" || log "namespace $ns is still there"
}

fresh_namespace() {
  clear_namespace "$1"
  kubectl_ create namespace "$1" >/dev/null
  kubectl_ -n "$1" apply -f "$ROOT/manifests/companion-rbac.yaml" >/dev/null
  wait_until 30 "slurm-companion's token in $1" sa_token_ready "$1" || die "no token for slurm-companion in $1"
}

# ---------------------------------------------------------------- the scripts
# The script both sides run: the samples' #SBATCH lines, then BODY.
batch_script() {
  printf '#!/bin/sh\n#SBATCH --job-name=%s\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n#SBATCH --time=00:02:00\n%s\n' "$1" "$2"
}

slurmjob_manifest() {
  local ns=$1 name=$2 body=$3
  printf -- '---\napiVersion: slurm.sylabs.io/v1alpha1\nkind: SlurmJob\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n' "$name" "$ns"
  printf '  nodeSelector:\n    kubernetes.io/hostname: %s\n  batch: |\n' "$NODE"
  batch_script "$name" "$body" | sed 's/^/    /'
}

# A folder of the tenant's own under its work root, for the raw side's scripts and output.
raw_dir() {
  local d=$TENANT_ROOT/$1
  rm -rf "$d"
  install -d -o "$TENANT_USER" -m 0700 "$d"
  echo "$d"
}

raw_sbatch() { # DIR SCRIPTFILE → job id
  runuser -u "$TENANT_USER" -- sbatch --parsable --account="$TENANT_ACCOUNT" --chdir="$1" "$2" 2>/dev/null | cut -d';' -f1
}

# ---------------------------------------------------------------- the processes
# pid_of_pod UID: the host pid of the slurmk8s process in that pod (its cgroup names the pod).
pid_of_pod() {
  local f pid
  # shellcheck disable=SC2013 # paths without spaces
  for f in $(grep -l "pod$1" /proc/[0-9]*/cgroup 2>/dev/null); do
    pid=${f#/proc/}; pid=${pid%/cgroup}
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == slurmk8s ]] && { echo "$pid"; return 0; }
  done
  return 0
}
operator_leader() {
  local holder
  holder=$(kubectl_ -n default get lease slurm-operator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)
  kubectl_ -n default get pods -l "$OPERATOR_SELECTOR" -o json |
    jq -r --arg h "$holder" '.items[] | select(.metadata.deletionTimestamp == null) | .metadata.name as $n | select($h | startswith($n)) | "\(.metadata.name) \(.metadata.uid)"' | head -n1
}
rss_mb() { awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo -; }
# cgroup_mb PID: the memory its container's cgroup is charged, in MB: what the kubelet counts against the pod (and a
# memory limit caps). Unlike VmRSS it leaves out the binary's pages another container was charged for first.
cgroup_mb() {
  local cg file
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    cg=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup" 2>/dev/null) file=/sys/fs/cgroup$cg/memory.current
  else
    cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$1/cgroup" 2>/dev/null) file=/sys/fs/cgroup/memory$cg/memory.usage_in_bytes
  fi
  awk '{ printf "%.1f", $1 / 1048576 }' "$file" 2>/dev/null || echo -
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)
# The boot time to the hundredth (now - uptime): /proc/stat's btime is truncated to the second.
BOOT_TIME=$(awk -v now="$EPOCHREALTIME" '{ printf "%.2f", now - $1 }' /proc/uptime)
# A process's start, in epoch seconds (10 ms resolution).
proc_start() { awk -v hz="$CLK_TCK" -v bt="$BOOT_TIME" '{ sub(/^.*\) /, ""); printf "%.2f", bt + $20 / hz }' "/proc/$1/stat" 2>/dev/null; }

# sampler FILE PID...: every second "t rss1 ticks1 rss2 ticks2 … companions maxCompanionRss".
sampler() {
  local out=$1 p line comps; shift
  while :; do
    line=$EPOCHREALTIME
    for p in "$@"; do line+=" $(rss_mb "$p") $(cpu_ticks "$p")"; done
    comps=$(pgrep -x slurmk8s -a | awk '/ companion( |$)/ { print $1 }' | while read -r p; do rss_mb "$p"; echo; done |
      awk 'NF { n++; if ($1 > m) m = $1 } END { printf "%d %.1f", n, m }')
    echo "$line $comps" >>"$out"
    sleep 1
  done
}

metrics_of() { # the operator pods' api request counters, summed: "verb resource count"
  local p
  for p in $(kubectl_ -n default get pods -l "$OPERATOR_SELECTOR" -o jsonpath='{.items[*].metadata.name}'); do
    kubectl_ get --raw "/api/v1/namespaces/default/pods/$p:8080/proxy/metrics" 2>/dev/null || true
  done | awk '/^slurmk8s_operator_api_requests_total\{/ {
      match($0, /verb="[^"]*"/); v = substr($0, RSTART + 6, RLENGTH - 7)
      match($0, /resource="[^"]*"/); r = substr($0, RSTART + 10, RLENGTH - 11)
      c[v " " r] += $NF } END { for (k in c) print k, c[k] }' | sort
}

# ---------------------------------------------------------------- throughput
all_have_ids() { [[ $(awk '$4 != "<none>" && !($2 in s) { s[$2] = 1; n++ } END { print n + 0 }' "$1") -ge $2 ]]; }
all_final() { [[ $(awk '($3 == "Succeeded" || $3 == "Failed" || $3 == "Cancelled") && !($2 in s) { s[$2] = 1; n++ } END { print n + 0 }' "$1") -ge $2 ]]; }
first_time() { awk -v want="$2" -v mode="$3" '
  mode == "id" && $4 != "<none>" && !($2 in s) { s[$2] = 1; if (++n == want) { print $1; exit } }
  mode == "final" && ($3 == "Succeeded" || $3 == "Failed" || $3 == "Cancelled") && !($2 in s) { s[$2] = 1; if (++n == want) { print $1; exit } }' "$1"; }

run_throughput() {
  local dir=$WORK/t file=$WORK/t/jobs.yaml i t0 t_created t_ids t_done op pid_op pid_rb sampler_pid
  mkdir -p "$dir"
  say "throughput: $JOBS SlurmJobs at once, then $JOBS raw sbatch, on Slurm cluster $SLURM_CLUSTER"
  fresh_namespace "$NS_T"
  for ((i = 1; i <= JOBS; i++)); do slurmjob_manifest "$NS_T" "hi-$i" 'echo hi'; done >"$file"
  read -r op OP_UID < <(operator_leader)
  pid_op=$(pid_of_pod "$OP_UID")
  pid_rb=$(daemon_pid redbox)
  [[ -n $pid_op && -n $pid_rb ]] || die "operator ($op: ${pid_op:-no pid}) or red-box (${pid_rb:-no pid}) not found"
  log "operator leader $op (host pid $pid_op), red-box pid $pid_rb"
  metrics_of >"$dir/metrics.before"
  watch_ns "$NS_T" "$dir"
  sleep 1
  SAMPLER_FILE=$dir/samples
  sampler "$SAMPLER_FILE" "$pid_op" "$pid_rb" &
  sampler_pid=$!
  sleep 2 # two idle samples
  t0=$EPOCHREALTIME
  kubectl_ create -f "$file" >/dev/null
  t_created=$EPOCHREALTIME
  local limit=$((JOBS * 3 + 300))
  wait_until "$limit" "$JOBS SlurmJobs with a Slurm job id" all_have_ids "$dir/sj" "$JOBS" || log "not every SlurmJob got a job id"
  wait_until "$limit" "$JOBS SlurmJobs final" all_final "$dir/sj" "$JOBS" || log "not every SlurmJob ended"
  t_ids=$(first_time "$dir/sj" "$JOBS" id)
  t_done=$(first_time "$dir/sj" "$JOBS" final)
  metrics_of >"$dir/metrics.after"
  sleep 10 # "after": 10 s of quiet
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  stop_watches
  T_SJ_CREATE=$(diff_s "$t0" "$t_created")
  T_SJ_IDS=$(diff_s "$t0" "${t_ids:-}")
  T_SJ_DONE=$(diff_s "$t0" "${t_done:-}")
  T0_SJ=$t0
  SJ_OK=$(awk '$3 == "Succeeded" && !($2 in s) { s[$2] = 1; n++ } END { print n + 0 }' "$dir/sj")
  kubectl_ -n "$NS_T" get slurmjobs -o json >"$dir/slurmjobs.json"
  kubectl_ -n "$NS_T" get pods -o json >"$dir/pods.json"
  sacct_of "$t0" "$TENANT_ROOT/$NS_T/" prefix "$JOBS" >"$dir/sacct.sj"
  companion_logs "$dir"

  # The raw side: the same scripts, 6 sbatch at a time, as the tenant's user.
  local rdir t1 t_sub t_raw_done
  rdir=$(raw_dir "$NS_T-raw")
  for ((i = 1; i <= JOBS; i++)); do batch_script "hi-$i" 'echo hi' >"$rdir/hi-$i.sh"; done
  chown "$TENANT_USER" "$rdir"/*.sh
  t1=$EPOCHREALTIME
  export -f raw_sbatch
  export TENANT_USER TENANT_ACCOUNT
  # shellcheck disable=SC2016 # $0 is the inner shell's
  seq 1 "$JOBS" | xargs -P 6 -I{} bash -c 'raw_sbatch "$0" "$0/hi-{}.sh"' "$rdir" >"$dir/raw.ids"
  t_sub=$EPOCHREALTIME
  raw_active() { squeue --noheader --all --states=PD,R,CG,CF --format='%Z' 2>/dev/null | grep -c "^$rdir\$" || true; }
  local end=$((SECONDS + JOBS * 3 + 300))
  while (($(raw_active) > 0)) && ((SECONDS < end)); do sleep 0.1; done
  t_raw_done=$EPOCHREALTIME
  T_RAW_SUB=$(diff_s "$t1" "$t_sub")
  T_RAW_DONE=$(diff_s "$t1" "$t_raw_done")
  sacct_of "$t1" "$rdir" exact "$JOBS" >"$dir/sacct.raw"
  RAW_OK=$(awk -F'|' '$2 == "COMPLETED"' "$dir/sacct.raw" | wc -l)
  RAW_IDS=$(grep -c . "$dir/raw.ids" || true)
  rm -rf "$rdir"
  report_throughput "$dir" "$pid_op"
}

# sacct_of T0 DIR prefix|exact N: "id|state|submit|start|end|workdir" of the Slurm jobs since T0 whose WorkDir is DIR
# (or under it), once accounting has all N of them ended (it lags squeue by a few seconds), or after 60 s.
sacct_of() {
  local since out i
  since=$(date -d "@${1%.*}" +%FT%T)
  for ((i = 0; i < 300; i++)); do
    out=$(sacct --allusers --allocations --noheader --parsable2 -S "$since" \
      --format=JobIDRaw,State,Submit,Start,End,WorkDir 2>/dev/null |
      awk -F'|' -v d="$2" -v m="$3" '(m == "exact" && $6 == d) || (m == "prefix" && index($6, d) == 1)')
    [[ $(awk -F'|' '$2 !~ /^(PENDING|RUNNING|COMPLETING)/ && $5 != "Unknown"' <<<"$out" | grep -c .) -lt $4 ]] || break
    sleep 0.2
  done
  [[ -z $out ]] || echo "$out"
}

# The companions' "Submitted to Slurm as job" and last lines, for a sample of up to 20 pods spread over the run:
# "pod submittedAt lastLineAt".
companion_logs() {
  local dir=$1 step p n
  n=$(jq '.items | length' "$dir/pods.json")
  step=$(((n + 19) / 20))
  for p in $(jq -r '.items[].metadata.name' "$dir/pods.json" | awk -v s="$step" 'NR % s == 1 || s == 1'); do
    kubectl_ -n "$NS_T" logs --timestamps "$p" 2>/dev/null | awk -v p="$p" '
      / Submitted to Slurm as job / && !sub_t { sub_t = $1 } { last = $1 }
      END { print p, (sub_t ? sub_t : "-"), (last ? last : "-") }'
  done >"$dir/companion.logs"
}

iso_to_epoch() { [[ $1 == - || -z $1 ]] && { echo -; return; }; date -d "$1" +%s.%N; }

report_throughput() {
  local dir=$1 pid_op=$2
  local ratio
  ratio=$(awk -v a="$T_SJ_DONE" -v b="$T_RAW_DONE" 'BEGIN { if (a == "-" || b <= 0) print "-"; else printf "%.2f", a / b }')
  say "throughput: $JOBS jobs of \`echo hi\`, budget slurm.sylabs.io/cpu=$CAP_CPU on node $NODE (maxPods $MAX_PODS); Slurm $SLURM_CPUS CPUs"
  {
    printf 'side\tcreated/submitted\tevery job id\tall done\tok\tjobs/s\n'
    printf 'SlurmJobs (kubectl create)\t%s s\t%s s\t%s s\t%s/%s Succeeded\t%s\n' "$T_SJ_CREATE" "$T_SJ_IDS" "$T_SJ_DONE" "$SJ_OK" "$JOBS" \
      "$(awk -v n="$JOBS" -v t="$T_SJ_DONE" 'BEGIN { if (t == "-") print "-"; else printf "%.1f", n / t }')"
    printf 'raw sbatch (6 at a time)\t%s s\t%s s (%s ids)\t%s s\t%s/%s COMPLETED\t%s\n' "$T_RAW_SUB" "$T_RAW_SUB" "$RAW_IDS" "$T_RAW_DONE" "$RAW_OK" "$JOBS" \
      "$(awk -v n="$JOBS" -v t="$T_RAW_DONE" 'BEGIN { printf "%.1f", n / t }')"
  } | column -t -s $'\t'
  echo "ratio all done, SlurmJobs / raw sbatch: ${ratio}x (goal <= 2x)"

  # Processes: samples "t rssOp ticksOp rssRb ticksRb companions maxCompRss".
  awk -v hz="$CLK_TCK" -v t0="$T0_SJ" -v n="$JOBS" '
    NR == 1 { o0 = $3; r0 = $5 } { last = $0 }
    $1 < t0 { ob = $2; rb = $4; ot = $3; rt = $5; tb = $1 }
    $1 >= t0 { if ($2 > om) om = $2; if ($4 > rm) rm = $4; if ($6 > cn) cn = $6; if ($7 > cm) cm = $7 }
    END { split(last, L, " ")
      w = L[1] - tb
      printf "operator (leader): RSS before %s MB, peak %s MB, after %s MB; CPU %.1f s over %.0f s (%.0f%% of a core), %.1f ms per job\n", ob, om, L[2], (L[3] - ot) / hz, w, 100 * (L[3] - ot) / hz / w, 1000 * (L[3] - ot) / hz / n
      printf "red-box:           RSS before %s MB, peak %s MB, after %s MB; CPU %.1f s over %.0f s (%.0f%% of a core), %.1f ms per job\n", rb, rm, L[4], (L[5] - rt) / hz, w, 100 * (L[5] - rt) / hz / w, 1000 * (L[5] - rt) / hz / n
      printf "companions:        at most %d alive at once; the largest RSS seen %s MB\n", cn, cm }' "$dir/samples"

  # API requests per SlurmJob (both operator replicas, creation until every job final).
  echo "operator API requests per SlurmJob (slurmk8s_operator_api_requests_total, after - before, / $JOBS):"
  join -a 2 -e 0 -o 0,1.2,2.2 <(awk '{ print $1 "|" $2, $3 }' "$dir/metrics.before" | sort) \
    <(awk '{ print $1 "|" $2, $3 }' "$dir/metrics.after" | sort) |
    awk -v n="$JOBS" '{ d = $3 - $2; if (d <= 0) next; split($1, k, "|"); w = (k[1] ~ /^(create|update|patch|delete|deletecollection)$/)
      printf "  %-10s %-22s %8.2f\n", k[1], k[2], d / n; tot += d; if (w && k[2] != "leases") wr += d }
      END { printf "  all %.2f; writes %.2f per SlurmJob (leader election'"'"'s leases aside: they go by time, not by job)\n", tot / n, wr / n }'

  breakdown "$dir"
}

# Where a SlurmJob's pod life went: per job, stamps from the watches (first seen), Slurm's start/end (sacct, whole
# seconds) and, for a sample, the companion's log lines. p50 of each step.
breakdown() {
  local dir=$1
  sj_times "$dir/sj" | sort >"$dir/sj.times"
  pod_times "$dir/pods" | sed 's/-job / /' | sort >"$dir/pod.times"
  # pod start (kubelet: container started, whole seconds) from the pod objects
  jq -r '.items[] | "\(.metadata.name | sub("-job$"; "")) \(.status.containerStatuses[0].state.terminated.startedAt // "-") \(.status.containerStatuses[0].state.terminated.finishedAt // "-")"' \
    "$dir/pods.json" | while read -r n s f; do echo "$n $(iso_to_epoch "$s") $(iso_to_epoch "$f")"; done | sort >"$dir/pod.container"
  # Slurm: jobId → start, end
  awk -F'|' '{ print $1, $4, $5 }' "$dir/sacct.sj" | while read -r id s e; do
    echo "$id $(date -d "$s" +%s 2>/dev/null || echo -) $(date -d "$e" +%s 2>/dev/null || echo -)"; done | sort >"$dir/slurm.times"
  jq -r '.items[] | "\(.status.slurm.jobId // "-") \(.metadata.name)"' "$dir/slurmjobs.json" | sort >"$dir/id.name"
  join "$dir/id.name" "$dir/slurm.times" | awk '{ print $2, $3, $4 }' | sort >"$dir/slurm.byname"
  sed 's/-job / /' "$dir/companion.logs" | while read -r n s l; do echo "$n $(iso_to_epoch "$s") $(iso_to_epoch "$l")"; done | sort >"$dir/comp.byname"
  # name sjCreated sjId sjRunning sjDone | podCreated podScheduled podRunning podDone | cStart cEnd | sStart sEnd
  join "$dir/sj.times" "$dir/pod.times" | join - "$dir/pod.container" | join -a 1 -e - -o auto - "$dir/slurm.byname" |
    join -a 1 -e - -o auto - "$dir/comp.byname" >"$dir/joined"
  echo
  echo "where a SlurmJob's life went (p50 / max over the jobs, seconds; watch stamps unless marked):"
  step() { # label colA colB
    awk -v a="$2" -v b="$3" '$a != "-" && $b != "-" && $a !~ /^F/ && $b !~ /^F/ { print $b - $a }' "$dir/joined" | stats |
      awk -v l="$1" '{ printf "  %-62s %7s %7s  (%s jobs)\n", l, $1, $2, $3 }'
  }
  # columns: 1 name 2 sjCreated 3 sjId 4 sjRunning 5 sjDone 6 podCreated 7 podSched 8 podRunning 9 podDone
  #          10 containerStarted 11 containerFinished 12 slurmStart 13 slurmEnd 14 submittedLog 15 lastLog
  step "SlurmJob seen → its pod seen (operator)" 2 6
  step "pod seen → scheduled (waits for a slot of the budget)" 6 7
  step "scheduled → container started (kubelet; whole s, so ~0.5 s more)" 7 10
  step "scheduled → pod Running seen" 7 8
  step "container started (whole s) → 'Submitted' log line (sample)" 10 14
  step "scheduled → SlurmJob has its job id" 7 3
  step "job id → Slurm start (sacct; whole s)" 3 12
  step "Slurm end (sacct; whole s) → SlurmJob Succeeded seen" 13 5
  step "Slurm end → companion's last log line (sample)" 13 15
  step "SlurmJob Succeeded → pod Succeeded seen (slot freed)" 5 9
  step "scheduled → pod Succeeded (a slot held, per job)" 7 9
  # A freed slot's next tenant: each pod Succeeded paired, in order, with the next pod scheduled after it.
  awk '$9 != "-" { print "D", $9 } $7 != "-" { print "S", $7 }' "$dir/joined" | sort -k2,2n |
    awk '$1 == "D" { q[n++] = $2 } $1 == "S" && h < n { print $2 - q[h++] }' | stats |
    awk '{ printf "  %-62s %7s %7s  (%s slots)\n", "pod Succeeded seen → the next pod scheduled (slot handed on)", $1, $2, $3 }'
  step "SlurmJob created → Succeeded" 2 5
  awk -v cap="$CAP_CPU" '$7 != "-" && $9 != "-" { s += $9 - $7; n++ } END { if (n) printf "  slot time per job %.2f s on %d slots: at best %.1f jobs/s\n", s / n, cap, cap / (s / n) }' "$dir/joined"
  awk -F'|' '{ print $4, $5 }' "$dir/sacct.raw" | while read -r s e; do echo "$(date -d "$s" +%s) $(date -d "$e" +%s)"; done |
    awk '{ s += $2 - $1; n++ } END { if (n) printf "  raw sbatch: Slurm start → end %.2f s per job (whole s)\n", s / n }'
}

# ---------------------------------------------------------------- latency
run_latency() {
  local dir=$WORK/l i name t0 id st t_run t_done rdir pid t_start rss uid deadline
  mkdir -p "$dir"
  say "latency: $LAT_JOBS rounds of a 5-second SlurmJob and a raw sbatch of the same script"
  fresh_namespace "$NS_L"
  rdir=$(raw_dir "$NS_L-raw")
  watch_ns "$NS_L" "$dir"
  sleep 1
  : >"$dir/sj.rounds"
  : >"$dir/raw.rounds"
  : >"$dir/sj.cgroup"
  for ((i = 1; i <= LAT_JOBS; i++)); do
    name=lat-$i
    # the SlurmJob
    slurmjob_manifest "$NS_L" "$name" 'sleep 5' >"$dir/$name.yaml"
    random_pause
    t0=$EPOCHREALTIME
    kubectl_ create -f "$dir/$name.yaml" >/dev/null
    pid="" rss=- t_start=- uid=""
    deadline=$((SECONDS + 120))
    until grep -qE "^[0-9.]+ $name +(Succeeded|Failed|Cancelled) " "$dir/sj" || ((SECONDS > deadline)); do
      if [[ -z $uid ]] && grep -qE "^[0-9.]+ $name-job " "$dir/pods"; then
        uid=$(kubectl_ -n "$NS_L" get pod "$name-job" -o jsonpath='{.metadata.uid}' 2>/dev/null || true)
      elif [[ -n $uid && -z $pid ]]; then
        pid=$(pid_of_pod "$uid")
        [[ -z $pid ]] || t_start=$(proc_start "$pid")
      elif [[ -n $pid && $rss == - ]] && grep -qE "^[0-9.]+ $name +Running " "$dir/sj"; then
        sleep 2 # the companion waiting on its running job
        rss=$(rss_mb "$pid")
        echo "$name $(cgroup_mb "$pid")" >>"$dir/sj.cgroup"
      fi
      sleep 0.1
    done
    local sub
    sub=$(kubectl_ -n "$NS_L" logs --timestamps "$name-job" 2>/dev/null | awk '/ Submitted to Slurm as job / && !t { t = $1 } END { print t }' || true)
    echo "$name $t0 $rss $t_start $(iso_to_epoch "${sub:--}") $(kubectl_ -n "$NS_L" get slurmjob "$name" -o jsonpath='{.status.slurm.jobId}' 2>/dev/null || echo -)" >>"$dir/sj.rounds"
    # raw sbatch
    batch_script "$name" 'sleep 5' >"$rdir/$name.sh"
    chown "$TENANT_USER" "$rdir/$name.sh"
    random_pause
    t0=$EPOCHREALTIME
    id=$(raw_sbatch "$rdir" "$rdir/$name.sh")
    t_run=- t_done=-
    deadline=$((SECONDS + 120))
    while ((SECONDS < deadline)); do
      st=$(squeue --noheader --jobs="$id" --states=all --format=%T 2>/dev/null || true)
      [[ $t_run != - || $st != RUNNING && $st != COMPLETING && $st != COMPLETED ]] || t_run=$EPOCHREALTIME
      if [[ $st == COMPLETED || $st == FAILED || $st == CANCELLED || $st == TIMEOUT ]]; then t_done=$EPOCHREALTIME; break; fi
      sleep 0.1
    done
    echo "$name $t0 $(diff_s "$t0" "$t_run") $(diff_s "$t0" "$t_done") $st $id" >>"$dir/raw.rounds"
  done
  sleep 1
  stop_watches
  rm -rf "$rdir"
  report_latency "$dir"
}

report_latency() {
  local dir=$1 ctld_log
  sj_times "$dir/sj" | sort >"$dir/sj.times"
  # name t0 rss tStart tSub jobId created idSeen running done
  sort "$dir/sj.rounds" | join - "$dir/sj.times" >"$dir/sj.joined"
  # Slurm's side of each job (id submitted allocated), from slurmctld's log
  ctld_log=$(scontrol show config 2>/dev/null | awk '$1 == "SlurmctldLogFile" { print $3 }')
  # shellcheck disable=SC2046 # the ids are numbers
  slurm_waits "$ctld_log" $(awk '$6 ~ /^[0-9]+$/ { print $6 }' "$dir/sj.joined") | sort >"$dir/sj.slurm"
  # shellcheck disable=SC2046
  slurm_waits "$ctld_log" $(awk '$6 ~ /^[0-9]+$/ { print $6 }' "$dir/raw.rounds") | sort >"$dir/raw.slurm"
  # per round: "submitted-after-t0 slurm-wait running-after-t0" for each side
  awk 'NR == FNR { sub_[$1] = $2; alloc[$1] = $3; next }
    { s = sub_[$6]; a = alloc[$6]; r = ($9 == "-" ? "-" : $9 - $2)
      print (s ~ /^[0-9]/ ? s - $2 : "-"), (s ~ /^[0-9]/ && a ~ /^[0-9]/ ? a - s : "-"), r }' "$dir/sj.slurm" "$dir/sj.joined" >"$dir/sj.split"
  awk 'NR == FNR { sub_[$1] = $2; alloc[$1] = $3; next }
    { s = sub_[$6]; a = alloc[$6]
      print (s ~ /^[0-9]/ ? s - $2 : "-"), (s ~ /^[0-9]/ && a ~ /^[0-9]/ ? a - s : "-"), $3 }' "$dir/raw.slurm" "$dir/raw.rounds" >"$dir/raw.split"
  local a b c d e f g h i j k
  read -r a _ _ < <(awk '{ print ($8 == "-" ? "-" : $8 - $2) }' "$dir/sj.joined" | stats)
  read -r b _ _ < <(awk '{ print ($9 == "-" ? "-" : $9 - $2) }' "$dir/sj.joined" | stats)
  read -r c _ _ < <(awk '{ print ($10 == "-" || $10 ~ /^F/ ? "-" : $10 - $2) }' "$dir/sj.joined" | stats)
  read -r d _ _ < <(awk '{ print $3 }' "$dir/raw.rounds" | stats)
  read -r e _ _ < <(awk '{ print $4 }' "$dir/raw.rounds" | stats)
  read -r f _ _ < <(awk '{ print ($7 - $2) }' "$dir/sj.joined" | stats)
  read -r g _ _ < <(awk '{ print $1 }' "$dir/sj.split" | stats)
  read -r h _ _ < <(awk '{ print $1 }' "$dir/raw.split" | stats)
  read -r i _ _ < <(awk '{ print $2 }' "$dir/sj.split" | stats)
  read -r j _ _ < <(awk '{ print $2 }' "$dir/raw.split" | stats)
  read -r k _ _ < <(awk '{ print ($2 == "-" || $3 == "-" ? "-" : $3 - $2) }' "$dir/sj.split" | stats)
  local l
  read -r l _ _ < <(awk '{ print ($2 == "-" || $3 == "-" ? "-" : $3 - $2) }' "$dir/raw.split" | stats)
  say "latency: $LAT_JOBS rounds, a job of \`sleep 5\` each (p50, seconds from just before kubectl create / sbatch)"
  {
    printf 'step\tSlurmJob\traw sbatch\tdifference\tratio\n'
    printf 'slurmctld takes the submission\t%s\t%s\t%s\t\n' "$g" "$h" "$(diff_s "$h" "$g")"
    printf 'job id\t%s\t(sbatch returns it)\t\t\n' "$a"
    printf "Slurm's own wait (submit to allocation)\t%s\t%s\t\t\n" "$i" "$j"
    printf 'Running (Slurm RUNNING)\t%s\t%s\t%s\t%s\n' "$b" "$d" "$(diff_s "$d" "$b")" "$(awk -v x="$b" -v y="$d" 'BEGIN { printf "%.2fx", x / y }')"
    printf "Running, Slurm's own wait taken out\t%s\t%s\t%s\t\n" "$k" "$l" "$(diff_s "$l" "$k")"
    printf 'Succeeded (Slurm COMPLETED)\t%s\t%s\t%s\t%s\n' "$c" "$e" "$(diff_s "$e" "$c")" "$(awk -v x="$c" -v y="$e" 'BEGIN { printf "%.2fx", x / y }')"
  } | column -t -s $'\t'
  echo "goal: apply → Running within 1 s of sbatch → RUNNING: $(awk -v x="$b" -v y="$d" 'BEGIN { print (x - y <= 1 ? "met" : "not met") }') ($(diff_s "$d" "$b") s)"
  echo "Slurm's own wait is slurmctld's: a batch job starts at its scheduler's next pass, which its background loop runs once a second (and at most every batch_sched_delay after submissions)"
  echo "kubectl create → the SlurmJob seen by the watch: p50 $f s (kubectl's own start and the create)"
  awk '$3 != "-" { print $3 }' "$dir/sj.joined" | stats | awk '{ printf "a companion waiting on its running job: RSS p50 %s MB, max %s MB (%s companions)\n", $1, $2, $3 }'
  awk '$2 != "-" { print $2 }' "$dir/sj.cgroup" 2>/dev/null | stats |
    awk '{ printf "  its container'"'"'s memory as the kubelet counts it (cgroup): p50 %s MB, max %s MB (%s): VmRSS also counts the binary'"'"'s pages, shared by every companion on the node\n", $1, $2, $3 }'
  awk '$4 != "-" && $5 != "-" { print $5 - $4 }' "$dir/sj.joined" | stats |
    awk '{ printf "a companion from its process start to its \"Submitted to Slurm\" log line (GET, SubmitJob through red-box): p50 %s s, max %s s (%s)\n", $1, $2, $3 }'
  awk '$5 != "COMPLETED"' "$dir/raw.rounds" | sed 's/^/  raw job not COMPLETED: /'
  awk '$10 !~ /^[0-9]/' "$dir/sj.joined" | sed 's/^/  SlurmJob not Succeeded: /'
  return 0
}

# ---------------------------------------------------------------- main
cleanup() {
  stop_watches
  [[ -z ${KEEP:-} ]] || { log "KEEP: namespaces and $WORK left"; return 0; }
  clear_namespace "$NS_T" || true
  clear_namespace "$NS_L" || true
  rm -rf "$WORK"
}

main() {
  parse_args "$@"
  require_root
  find_kubectl
  ensure_packages jq bsdextrautils
  [[ -n $(daemon_pid kube-apiserver) && -n $(daemon_pid kubelet) ]] || die "the cluster is not running: ./build.sh cluster up"
  if ((INSTALL)); then "$HERE/demo.sh" install >/dev/null || die "scripts/demo.sh install failed"; fi
  NODE=$(awk '{ print $1 }' "$DAEMON_RUN_DIR/identity" 2>/dev/null)
  [[ -n $NODE ]] || die "no node name in $DAEMON_RUN_DIR/identity (scripts/cluster.sh up writes it)"
  CAP_CPU=$(kubectl_ get node "$NODE" -o jsonpath='{.status.capacity.slurm\.sylabs\.io/cpu}')
  MAX_PODS=$(kubectl_ get node "$NODE" -o jsonpath='{.status.capacity.pods}')
  [[ $CAP_CPU =~ ^[0-9]+$ ]] || die "node $NODE has no slurm.sylabs.io/cpu capacity (is resourced running?)"
  SLURM_CLUSTER=$(scontrol show config 2>/dev/null | awk '$1 == "ClusterName" { print $3 }')
  SLURM_CPUS=$(sinfo -h -o '%C' | awk -F/ '{ print $4 }')
  read_tenant
  # Slurm's CPUs are the raw side's budget as slurm.sylabs.io/cpu is the SlurmJobs': jobs of others already running
  # shrink both.
  local busy
  busy=$(sinfo -h -o '%C' | awk -F/ '{ print $1 }')
  ((busy == 0)) || log "WARNING: $busy of Slurm's $SLURM_CPUS CPUs are allocated to jobs already running: $(squeue -h -t R,CG -o '%i/%u' | paste -sd' ' -)"
  log "tenant of the bench namespaces: user $TENANT_USER, account $TENANT_ACCOUNT, work root $TENANT_ROOT"
  WORK=$(mktemp -d)
  trap cleanup EXIT
  local t0
  t0=$(now)
  if part throughput; then run_throughput; fi
  if part latency; then run_latency; fi
  log "build $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'); the bench took $(since "$t0") s"
}

main "$@"
