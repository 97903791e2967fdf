#!/usr/bin/env bash
# slurmk8s on one machine: install it on the local cluster (scripts/cluster.sh) exactly as README's
# "Installing on a cluster" tells an administrator, and walk the seed's story on it.
#
#   scripts/demo.sh             ./build.sh demo: everything, from a fresh machine of this kind —
#                               publish (when stale), cluster up (Slurm, Kubernetes, red-box), install,
#                               then the story; prints how long each stage took. The cluster keeps
#                               running afterwards (./build.sh cluster down stops it).
#   scripts/demo.sh install     on a running cluster: make it run this checkout's build —
#                               out/slurmk8s published again when older than the sources, red-box
#                               restarted on a new binary, the slurmk8s image built and imported into
#                               the node's containerd, then `kubectl apply -k out/kustomize`: an
#                               overlay of manifests/ with this node's entry in slurm-config and the
#                               GID of red-box's socket group; waits until resourced and the operator
#                               are Ready (restarting them when the image changed). Idempotent; the
#                               end-to-end tests call it too.
#   scripts/demo.sh story       on an installed cluster: the story only (see run_story)
#   scripts/demo.sh slurm-config   on an installed cluster: only the overlay's slurm-config, written and applied
#                               (node 2's entry added or removed as node 2 is registered or not); nothing else
#                               changes (no publish, image or restart): what the two-node tests use;
#                               SLURM_CONFIG_NODE2=0 leaves node 2 out even when it is registered
#
# The overlay (scripts/templates/install/kustomization.yaml, written to out/kustomize/) says what
# manifests/kustomization.yaml asks a site to say:
#   slurm-config.yaml  manifests/slurm-config.yaml with node 1's name, plus its label cluster: slurmk8s; and, when the
#                      cluster has a second node (scripts/cluster.sh up --nodes 2), that node's entry
#                      (scripts/templates/install/slurm-config-node2.yaml: the second Slurm cluster's resources, gpu
#                      among them, and labels cluster: second, partition: big). Node 1 is the node named as this
#                      machine (scripts/cluster.sh's detect_node_name), node 2 the one named <node 1>-2.
#   socket-gid         the GID of red-box's socket group (slurmk8s-clients)
# and install creates the samples' results folder, /var/lib/slurmk8s/results, owned by the companion's
# UID/GID (1000:1000): the companion writes there, through the samples' hostPath volume. (The
# files themselves come, through red-box, from the job's own folder under its tenant's work root:
# /var/lib/slurmk8s/tenants/jobs/<namespace>/<slurmjob>-<uid> for the story's tenant, jobs, whose user
# sk8s-jobs runs it; /etc/slurmk8s/tenants.yaml, from manifests/tenants.yaml, says so.)
#
# Needs root (as scripts/cluster.sh). kubectl: KUBECONFIG=/var/lib/slurmk8s-cluster/admin.kubeconfig.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$ROOT/out
BIN=$OUT/slurmk8s
ARCHIVE=$OUT/slurmk8s-image.tar
RESULTS_DIR=/var/lib/slurmk8s/results
COMPANION_UID=1000
COMPANION_GID=1000
SAMPLE=$ROOT/samples/hello.yaml
JOB=hello

OVERLAY=$OUT/kustomize
LOG_TAG=demo.sh
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/kube-build.sh
source "$HERE/lib/kube-build.sh" # KUBE_BIN_DIR
# shellcheck source=SCRIPTDIR/lib/cluster-env.sh
source "$HERE/lib/cluster-env.sh" # CLUSTER_DIR, ADMIN_KUBECONFIG, REDBOX_BIN, SOCKET_GROUP, find_kubectl, kubectl_
# shellcheck source=SCRIPTDIR/lib/stale.sh
source "$HERE/lib/stale.sh" # stale_source

# Stage timings, printed at the end: "name|seconds".
STAGES=()
stage_done() { STAGES+=("$1|$(since "$2")"); }

need_kubectl() {
  find_kubectl
  [[ -x $KUBECTL ]] || die "no kubectl (scripts/cluster.sh build builds one where the machine has none)"
}

# wait_for SECONDS WHAT COMMAND...: common.sh's wait_until, fatal on timeout.
wait_for() { wait_until "$@" || die "gave up waiting for $2"; }

cluster_runs() { "$HERE/cluster.sh" status >/dev/null 2>&1; }

# ---------------------------------------------------------------- install
# Node 1: the node named as this machine (scripts/cluster.sh), else the first the API lists.
node1_name() {
  local n=${NODE_NAME:-$(hostname -s)}
  n=${n,,}
  if kubectl_ get node "$n" >/dev/null 2>&1; then echo "$n"; else kubectl_ get nodes -o jsonpath='{.items[0].metadata.name}'; fi
}

# The overlay's slurm-config: manifests/slurm-config.yaml for node 1 (with its label cluster: slurmk8s), and node 2's
# entry when that node is registered.
local_slurm_config() {
  local NODE_NAME=$1 NODE2_NAME=$2
  render "$ROOT/manifests/slurm-config.yaml" NODE_NAME | sed 's/^\( *\)containers: singularity$/&\n\1cluster: slurmk8s/'
  if [[ ${SLURM_CONFIG_NODE2:-1} != 0 ]] && kubectl_ get node "$NODE2_NAME" >/dev/null 2>&1; then
    render install/slurm-config-node2.yaml NODE2_NAME
  fi
}

PUBLISH_CHECKED=0
publish_if_stale() {
  local t0 why="" newer
  ((PUBLISH_CHECKED == 0)) || return 0
  PUBLISH_CHECKED=1
  t0=$(now)
  if [[ ! -x $BIN ]]; then
    why="missing"
  else
    newer=$(stale_source "$ROOT" "$BIN" || true)
    [[ -z $newer ]] || why="older than ${newer#"$ROOT"/}"
  fi
  if [[ -n $why ]]; then
    log "out/slurmk8s $why: publishing it"
    "$ROOT/build.sh" publish >&2
    stage_done "publish the AOT binary" "$t0"
  else
    log "out/slurmk8s is up to date with the sources"
  fi
}

# The image id (the config's digest) the archive holds.
archive_image_id() { echo "sha256:$(tar -xOf "$ARCHIVE" manifest.json | sed -n 's/.*"Config":"\([0-9a-f]*\)\.json".*/\1/p')"; }

image_up_to_date() {
  [[ -s $ARCHIVE && $ARCHIVE -nt $BIN && $ARCHIVE -nt $HERE/image.sh && $ARCHIVE -nt $HERE/lib/image-archive.sh ]]
}

# resourced's and the operator's pods (not those on their way out): "name app imageID ready".
workload_pods() {
  kubectl_ -n default get pods -l 'app.kubernetes.io/name in (resourced,slurm-operator)' -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null)
      | [.metadata.name, .metadata.labels["app.kubernetes.io/name"], (.status.containerStatuses[0].imageID // "-"),
         ((.status.conditions // []) | map(select(.type == "Ready")) | .[0].status // "False")] | join(" ")'
}

# Pods that started from another image than IMAGE_ID (same tag, older content).
pods_on_other_image() { workload_pods | awk -v id="$1" '$3 != "-" && $3 != id { print $1 }'; }

# One resourced and one operator, both on IMAGE_ID and Ready.
workloads_current() {
  workload_pods | awk -v id="$1" '$3 == id && $4 == "True" { ok[$2] = 1 } END { exit !(ok["resourced"] && ok["slurm-operator"]) }' &&
    [[ -z $(pods_on_other_image "$1") ]]
}

cmd_install() {
  require_root
  need_kubectl
  ensure_packages gettext-base jq # envsubst (render); jq for the story
  cluster_runs || die "the cluster is not running: start it with './build.sh cluster up' (or run './build.sh demo')"
  local t0 t image_id
  t0=$(now)
  publish_if_stale
  # red-box runs a copy of out/slurmk8s: `up` replaces it (and restarts red-box) when it differs.
  if ! cmp -s "$BIN" "$REDBOX_BIN"; then
    log "red-box runs an older build: restarting it with out/slurmk8s"
    CLUSTER_CHECK=0 "$HERE/cluster.sh" up >&2
    # Node 2's red-box runs the same copy.
    if kubectl_ get node "$(node1_name)-2" >/dev/null 2>&1; then "$HERE/cluster.sh" node2 up >&2; fi
  fi

  t=$(now)
  if image_up_to_date; then
    log "out/slurmk8s-image.tar is up to date"
  else
    "$HERE/image.sh" build >&2
  fi
  "$HERE/cluster.sh" import-image "$ARCHIVE" 2>&1 | sed 's/^/  /' >&2
  image_id=$(archive_image_id)
  stage_done "image built and imported" "$t"

  install -d -o "$COMPANION_UID" -g "$COMPANION_GID" -m 0755 "$RESULTS_DIR"

  # README, "Install it": the base manifests/ with this cluster's values in an overlay.
  t=$(now)
  local NODE_NAME SOCKET_GID NODE2_NAME
  NODE_NAME=$(node1_name)
  NODE2_NAME=$NODE_NAME-2
  SOCKET_GID=$(getent group "$SOCKET_GROUP" | cut -d: -f3)
  [[ -n $SOCKET_GID ]] || die "group $SOCKET_GROUP missing (scripts/cluster.sh up creates it with red-box)"
  install -d -m 0755 "$OVERLAY"
  put_file "$OVERLAY/kustomization.yaml" 0644 < <(render install/kustomization.yaml SOCKET_GID) || true
  put_file "$OVERLAY/slurm-config.yaml" 0644 < <(local_slurm_config "$NODE_NAME" "$NODE2_NAME") || true
  # Objects of resourced under its names before it was called resourced everywhere (slurm-rd): one daemon per node.
  kubectl_ -n default delete daemonset/slurm-rd serviceaccount/slurm-rd role/slurm-rd-events rolebinding/slurm-rd-events \
    --ignore-not-found >/dev/null
  kubectl_ delete clusterrole/slurm-rd clusterrolebinding/slurm-rd --ignore-not-found >/dev/null
  echo "\$ cat out/kustomize/kustomization.yaml"
  sed -n '/^apiVersion/,$p' "$OVERLAY/kustomization.yaml"
  echo "\$ kubectl apply -k out/kustomize     # = manifests/ + the slurm-config entries of $(grep -cE '^    [^ #][^:]*:$' "$OVERLAY/slurm-config.yaml") node(s) + socket-gid $SOCKET_GID"
  kubectl_ apply -k "$OVERLAY"
  kubectl_ wait --for condition=established --timeout=60s crd/slurmjobs.slurm.sylabs.io >/dev/null

  kubectl_ -n default rollout status daemonset/resourced --timeout=120s >/dev/null
  kubectl_ -n default rollout status deployment/slurm-operator --timeout=120s >/dev/null
  # Same tag, new content: pods keep the image they started with, so those on an older one are
  # replaced (their controllers recreate them from the imported image).
  local stale
  stale=$(pods_on_other_image "$image_id")
  if [[ -n $stale ]]; then
    log "replacing pods started from an older slurmk8s:local: $(echo "$stale" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # pod names
    kubectl_ -n default delete pod $stale --wait=false >/dev/null
  fi
  wait_for 120 "resourced and the operator to run $image_id and be Ready" workloads_current "$image_id"
  stage_done "manifests applied, resourced and the operator Ready" "$t"
  echo "\$ kubectl get pods -n default -l app.kubernetes.io/part-of=slurmk8s"
  kubectl_ -n default get pods -l app.kubernetes.io/part-of=slurmk8s
  log "installed in $(since "$t0") s (image $image_id)"
}

cmd_slurm_config() {
  require_root
  need_kubectl
  local node
  node=$(node1_name)
  install -d -m 0755 "$OVERLAY"
  put_file "$OVERLAY/slurm-config.yaml" 0644 < <(local_slurm_config "$node" "$node-2") || true
  kubectl_ apply -f "$OVERLAY/slurm-config.yaml"
}

# ---------------------------------------------------------------- the story
STORY_T0=
# A line stamped with the seconds since the story began.
stamp() { printf '[+%5.1fs] %s\n' "$(since "$STORY_T0")" "$*"; }

show() {
  echo
  echo "\$ kubectl $*"
  kubectl_ "$@"
}


node_labelled() {
  [[ $(kubectl_ get node "$1" -o jsonpath='{.metadata.labels.slurm\.sylabs\.io/workload-manager}') == slurm ]] &&
    [[ -n $(kubectl_ get node "$1" -o jsonpath='{.status.capacity.slurm\.sylabs\.io/cpu}') ]]
}

phase_of() { kubectl_ get slurmjob "$JOB" -o jsonpath='{.status.phase}' 2>/dev/null; }
job_id() { kubectl_ get slurmjob "$JOB" -o jsonpath='{.status.slurm.jobId}' 2>/dev/null; }
is_finished() { [[ $(phase_of) =~ ^(Succeeded|Failed|Cancelled)$ ]]; }
container_started() {
  [[ -n $(kubectl_ get pod "$JOB-job" -o jsonpath='{.status.containerStatuses[0].state.running.startedAt}{.status.containerStatuses[0].state.terminated.startedAt}' 2>/dev/null) ]]
}

has_job_id() { [[ -n $(job_id) ]]; }

# Lines of `kubectl get slurmjob -w`, each change once, stamped.
stamp_phases() {
  local line key last=""
  while IFS= read -r line; do
    key=${line% *} # the AGE column changes on its own: compare the rest
    [[ $key == "$last" ]] && continue
    last=$key
    stamp "sj   | $line"
  done
}

# Lines of `kubectl logs -f`: the Slurm job's output as it arrives, stamped, and the companion's own
# short lines (marked [slurmk8s]) as they are. The first output line is checked against Slurm.
stamp_log() {
  local line first=1 id state phase
  while IFS= read -r line; do
    if [[ $line == '[slurmk8s] '* ]]; then
      stamp "log  | $line"
      continue
    fi
    stamp "log  | $line"
    if ((first)); then
      first=0
      id=$(job_id)
      state=$(squeue --noheader --jobs="$id" --format=%T 2>/dev/null || true)
      phase=$(phase_of)
      stamp "       ^ the first output line of Slurm job $id is in the pod log; at this moment Slurm (squeue) says ${state:-?}, the SlurmJob is ${phase:-?}"
      echo "${state:-?}" >"$STORY_DIR/first-line-state"
      since "$STORY_T0" >"$STORY_DIR/first-line-at"
    fi
  done
}

WATCH_PID=
run_story() {
  require_root
  need_kubectl
  local node t id
  node=$(node1_name)
  STORY_DIR=$(mktemp -d)
  trap '[[ -z $WATCH_PID ]] || kill "$WATCH_PID" 2>/dev/null; rm -rf "$STORY_DIR"' EXIT

  # A fresh start for the sample: an earlier demo's job, pod and results go first.
  if kubectl_ get slurmjob "$JOB" >/dev/null 2>&1; then
    log "removing the previous demo's SlurmJob $JOB"
    kubectl_ delete slurmjob "$JOB" --wait=true --timeout=120s >/dev/null
  fi
  # Its pod goes by garbage collection anyway, but that can take a while (~20 s seen).
  kubectl_ delete pod "$JOB-job" --ignore-not-found --wait=true --timeout=60s >/dev/null
  rm -rf "${RESULTS_DIR:?}/$JOB-job"

  echo
  echo "== 1. The node, as resourced set it from the slurm-config ConfigMap"
  t=$(now)
  wait_for 90 "resourced to label node $node" node_labelled "$node"
  stage_done "node labelled (slurm.sylabs.io/...) and its capacity set" "$t"
  echo "\$ kubectl get configmap slurm-config -o jsonpath='{.data.config}'"
  kubectl_ get configmap slurm-config -o jsonpath='{.data.config}'
  echo "\$ kubectl describe node $node   (Labels and Capacity)"
  kubectl_ describe node "$node" | sed -n '/^Labels:/,/^Annotations:/p; /^Capacity:/,/^Allocatable:/p' | grep -v '^Annotations:\|^Allocatable:'

  echo
  echo "== 2. A SlurmJob: samples/hello.yaml (prints a timestamped line every second for 15 s)"
  echo "\$ kubectl apply -f samples/hello.yaml"
  STORY_T0=$(now)
  kubectl_ apply -f "$SAMPLE"
  echo
  echo "== 3. kubectl get slurmjob $JOB -w (sj) and kubectl logs -f $JOB-job (log), as they happen"
  mkfifo "$STORY_DIR/watch"
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" get slurmjob "$JOB" -w >"$STORY_DIR/watch" 2>/dev/null &
  WATCH_PID=$!
  stamp_phases <"$STORY_DIR/watch" &
  local phases=$!
  wait_for 60 "a Slurm job id in the SlurmJob's status" has_job_id
  id=$(job_id)
  stage_done "applied -> Slurm job $id submitted" "$STORY_T0"
  wait_for 60 "the companion's container to start" container_started
  kubectl_ logs -f "$JOB-job" 2>&1 | stamp_log
  if [[ -s $STORY_DIR/first-line-at ]]; then
    STAGES+=("applied -> first output line in the pod log (Slurm: $(cat "$STORY_DIR/first-line-state"))|$(cat "$STORY_DIR/first-line-at")")
  fi
  # The log ends when the companion exits: after the job ended and the results were collected.
  wait_for 30 "the SlurmJob to finish" is_finished
  stage_done "applied -> SlurmJob $(phase_of)" "$STORY_T0"
  sleep 0.5 # the watch's last line
  kill "$WATCH_PID" 2>/dev/null || true
  wait "$phases" 2>/dev/null || true
  WATCH_PID=

  show get slurmjob "$JOB"
  show get pod "$JOB-job"
  # The SlurmJob's events: the operator's, one when the pod is created and one at the end (and any warning).
  echo
  echo "\$ kubectl get events --field-selector involvedObject.kind=SlurmJob,involvedObject.name=$JOB"
  kubectl_ get events --field-selector "involvedObject.kind=SlurmJob,involvedObject.name=$JOB" \
    --sort-by=.metadata.creationTimestamp -o custom-columns=TYPE:.type,REASON:.reason,FROM:.source.component,MESSAGE:.message || true
  echo "\$ kubectl get pod $JOB-job -o jsonpath='{.status.containerStatuses[0].state.terminated.message}'   (its termination message)"
  kubectl_ get pod "$JOB-job" -o jsonpath='{.status.containerStatuses[0].state.terminated.message}{"\n"}' || true
  # Who ran it, as Slurm saw it: the tenant's user and account, in the job's own folder under the tenant's work root.
  echo
  echo "\$ sacct -X -j $id --format=JobID,User,Account,State,WorkDir%70"
  sacct -X -j "$id" --format=JobID,User,Account,State,WorkDir%70 || true
  echo
  echo "== 4. The results, collected by the companion into the sample's hostPath on the node"
  wait_for 30 "the results folder" test -d "$RESULTS_DIR/$JOB-job"
  stage_done "applied -> results on the node" "$STORY_T0"
  echo "\$ ls -l $RESULTS_DIR/$JOB-job/"
  ls -l "$RESULTS_DIR/$JOB-job/"
  local f
  for f in "$RESULTS_DIR/$JOB-job"/*; do
    echo "\$ cat $f"
    cat "$f"
  done
  [[ $(phase_of) == Succeeded ]] || die "SlurmJob $JOB ended $(phase_of)"
}

print_stages() {
  echo
  echo "== How long each stage took"
  local s
  for s in "${STAGES[@]}"; do
    printf '  %-72s %6.1f s\n' "${s%|*}" "${s##*|}"
  done
}

cmd_demo() {
  require_root
  local t0 t
  t0=$(now)
  echo "== 0. Set-up: Slurm, a one-machine Kubernetes, red-box, and slurmk8s installed on it"
  publish_if_stale
  t=$(now)
  "$HERE/cluster.sh" up
  stage_done "cluster up (Kubernetes, Slurm, red-box; builds Kubernetes the first time)" "$t"
  cmd_install
  run_story
  stage_done "the whole demo" "$t0"
  print_stages
  cat <<EOF

The cluster keeps running. Try it yourself:
  export KUBECONFIG=$ADMIN_KUBECONFIG
  kubectl get slurmjobs; kubectl apply -f samples/failing.yaml; kubectl logs -f failing-job
Stop everything with: ./build.sh cluster down
EOF
}

case "${1:-}" in
  "") cmd_demo ;;
  install) cmd_install; print_stages ;;
  story) run_story; print_stages ;;
  slurm-config) cmd_slurm_config ;;
  *) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
