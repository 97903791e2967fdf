#!/usr/bin/env bash
# slurmk8s — one entry point for building, testing and trying it.
#   ./build.sh build      compile (warnings are errors)
#   ./build.sh publish    the Native AOT binary → out/slurmk8s
#   ./build.sh unit       the fast tests alone: no Slurm, no Kubernetes (not Integration, EndToEnd or Benchmark)
#   ./build.sh test       everything: installs what it needs, starts a real Slurm, publishes once, runs all tests
#                         (EndToEnd: on the local cluster, started and installed once, stopped again if it started it)
#                         Both end with the line "N passed, N failed, N skipped", read from the run's TRX file.
#   ./build.sh bench [PART]  every benchmark (red-box vs the raw Slurm commands…), or one part of them:
#                         memory: the memory of the companion and red-box, and the companion's start-up
#                         scale: the operator at 1k and 5k SlurmJobs on a private API server (SLURMK8S_SCALE_JOBS=20000 for more)
#                         cluster [--jobs N]: on the local cluster, N SlurmJobs against N raw sbatch, and latency, side by side
#                         (scripts/bench-cluster.sh; not part of the bare `bench`)
#   ./build.sh slurm up|down|status|purge   the local single-machine Slurm and its tenants' users and accounts (…-noacct: a second one, without accounting; …-second: node 2's, with accounting)
#   ./build.sh image [build|import|check]   the slurmk8s container image from out/slurmk8s, no registry (scripts/image.sh)
#   ./build.sh cluster up [--nodes 2]|down|status|check|purge|node2 …   a real one-machine Kubernetes + Slurm + red-box (scripts/cluster.sh); --nodes 2: a second node bound to a second Slurm cluster
#   ./build.sh demo       the seed's story on this machine: Slurm, Kubernetes, red-box, slurmk8s installed, a job (scripts/demo.sh)
#   ./build.sh chaos [--jobs N] [--faults a,b,…]   the fault matrix on the local cluster, N SlurmJobs in flight per
#                         fault: a table of succeeded / stuck / lost / duplicated and time to recover (scripts/chaos.sh)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
OUT=$ROOT/out
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

LOG_TAG=build.sh
# say, log, die, ensure_packages.
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

build() { dotnet build "$ROOT/SlurmK8s.slnx" -c Release -nologo -v quiet; }

publish() {
  ensure_packages --with-recommends clang zlib1g-dev   # Native AOT links with clang
  say "publishing the AOT binary"
  local started=$SECONDS
  dotnet publish "$ROOT/SlurmK8s/SlurmK8s.csproj" -c Release -r linux-x64 -o "$OUT" -nologo -v quiet
  echo "out/slurmk8s: $(du -h "$OUT/slurmk8s" | cut -f1), published in $((SECONDS - started)) s"
}

# dotnet_test NAME [ARG...]: the test project with ARGs, its results in out/NAME.trx; ends with the plain line
# "N passed, N failed, N skipped" (CI reads it), counted from the TRX file's Counters element, not from the console.
# No TRX (a build failure, a crash of the test host) or a nonzero exit with nothing failed counts as one failure.
dotnet_test() {
  local name=$1 rc=0; shift
  local trx=$OUT/$name.trx
  mkdir -p "$OUT"
  rm -f "$trx"
  dotnet test "$ROOT/SlurmK8s.Tests/SlurmK8s.Tests.csproj" -c Release -nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$trx" "$@" 2>&1 | tee "$OUT/$name.log" || rc=$?
  local passed=0 failed=0 skipped=0
  if [[ -s $trx ]]; then
    passed=$(trx_count "$trx" passed)
    failed=$(($(trx_count "$trx" failed) + $(trx_count "$trx" error) + $(trx_count "$trx" timeout) + $(trx_count "$trx" aborted)))
    # vstest leaves Ignore'd and Explicit tests out of notExecuted: whatever was found and not run is skipped.
    skipped=$(($(trx_count "$trx" total) - $(trx_count "$trx" executed) + $(trx_count "$trx" inconclusive)))
  fi
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi # a crash or build failure is a failure
  echo "$passed passed, $failed failed, $skipped skipped"
  ((rc == 0 && failed == 0))
}

# trx_count FILE ATTRIBUTE: that attribute of the <Counters .../> element (0 when absent).
trx_count() {
  local n
  n=$(tr '\n' ' ' <"$1" | grep -o '<Counters [^>]*>' | grep -oE " $2=\"[0-9]+\"" | grep -oE '[0-9]+' | head -n1)
  echo "${n:-0}"
}

unit() {
  say "running the unit tests (no Slurm, no Kubernetes)"
  local t0=$SECONDS rc=0
  dotnet_test unit --filter "Category!=Integration&Category!=EndToEnd&Category!=Benchmark" || rc=$?
  log "unit tests took $((SECONDS - t0)) s"
  return "$rc"
}

run_tests() {
  "$ROOT/scripts/slurm.sh" up
  # kube-apiserver (the Integration tests' API server) and the rest of the one-machine Kubernetes
  # (EndToEnd), in one make: cached outside the checkout, ~12.5 min once per machine.
  "$ROOT/scripts/cluster.sh" build
  publish   # before the EndToEnd fixture builds the slurmk8s image from out/slurmk8s
  export SLURMK8S_BIN="$OUT/slurmk8s"
  say "running tests"
  dotnet_test test
}

# bench [memory|scale|cluster]: every benchmark, or one part (SLURMK8S_BIN_BEFORE=<another build> measures it too, side by side).
bench() {
  local filter="Category=Benchmark"
  case "${1:-}" in
    "") "$ROOT/scripts/slurm.sh" up ;;
    memory) filter+="&FullyQualifiedName~MemoryBenchmark"; "$ROOT/scripts/slurm.sh" up ;;
    scale) filter+="&FullyQualifiedName~OperatorScaleBenchmark" ;;   # a private kube-apiserver + etcd, no Slurm
    cluster) shift; "$ROOT/scripts/bench-cluster.sh" "$@"; return ;;   # the local cluster, installed by demo.sh install
    *) die "bench: no part '$1' (memory, scale, cluster)" ;;
  esac
  publish
  export SLURMK8S_BIN="$OUT/slurmk8s"   # the benchmark measures the published binary
  dotnet test "$ROOT/SlurmK8s.Tests/SlurmK8s.Tests.csproj" -c Release -nologo \
    --filter "$filter" --logger "console;verbosity=detailed"
}

case "${1:-}" in
  build) build ;;
  publish) publish ;;
  unit) unit ;;
  test) run_tests ;;
  bench) shift; bench "$@" ;;
  slurm) shift; "$ROOT/scripts/slurm.sh" "$@" ;;
  image) shift; "$ROOT/scripts/image.sh" "$@" ;;
  cluster) shift; "$ROOT/scripts/cluster.sh" "$@" ;;
  demo) shift; "$ROOT/scripts/demo.sh" "$@" ;;
  chaos) shift; "$ROOT/scripts/chaos.sh" "$@" ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
