#!/usr/bin/env bash
# slurmk8s — one entry point for building, testing and trying it.
#   ./build.sh build      compile (warnings are errors)
#   ./build.sh publish    the Native AOT binary → out/slurmk8s
#   ./build.sh test       everything: installs what it needs, starts a real Slurm, publishes once, runs all tests
#                         (EndToEnd: on the local cluster, started and installed once, stopped again if it started it)
#   ./build.sh bench      red-box vs the raw Slurm commands, side by side on the real Slurm
#   ./build.sh slurm up|down|status|purge   the local single-machine Slurm and its tenants' users and accounts (…-noacct: a second one, without accounting)
#   ./build.sh image [build|import|check]   the slurmk8s container image from out/slurmk8s, no registry (scripts/image.sh)
#   ./build.sh cluster up|down|status|check|purge   a real one-machine Kubernetes + Slurm + red-box (scripts/cluster.sh)
#   ./build.sh demo       the seed's story on this machine: Slurm, Kubernetes, red-box, slurmk8s installed, a job (scripts/demo.sh)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
OUT=$ROOT/out
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\n== %s\n' "$*"; }

# apt packages by the command they provide; apt-get update runs once, only if something is missing.
apt_updated=0
need_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  if [ $apt_updated -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() { dotnet build "$ROOT/SlurmK8s.slnx" -c Release -nologo -v quiet; }

publish() {
  need_packages clang zlib1g-dev   # Native AOT links with clang
  say "publishing the AOT binary"
  local started=$SECONDS
  dotnet publish "$ROOT/SlurmK8s/SlurmK8s.csproj" -c Release -r linux-x64 -o "$OUT" -nologo -v quiet
  echo "out/slurmk8s: $(du -h "$OUT/slurmk8s" | cut -f1), published in $((SECONDS - started)) s"
}

run_tests() {
  "$ROOT/scripts/slurm.sh" up
  # kube-apiserver (the Integration tests' API server) and the rest of the one-machine Kubernetes
  # (EndToEnd), in one make: cached outside the checkout, ~12.5 min once per machine.
  "$ROOT/scripts/cluster.sh" build
  publish   # before the EndToEnd fixture builds the slurmk8s image from out/slurmk8s
  export SLURMK8S_BIN="$OUT/slurmk8s"
  say "running tests"
  local log="$OUT/test.log" rc=0
  mkdir -p "$OUT"
  dotnet test "$ROOT/SlurmK8s.Tests/SlurmK8s.Tests.csproj" -c Release -nologo \
    --logger "console;verbosity=normal" 2>&1 | tee "$log" || rc=$?
  # dotnet test's own summary ("Failed: 0, Passed: N") is not a closing line CI reads: print the plain one.
  local passed failed skipped
  passed=$(grep -oE 'Passed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  failed=$(grep -oE 'Failed: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  if [ "$rc" -ne 0 ] && [ "$failed" = 0 ]; then failed=1; fi   # a crash or build failure is a failure
  echo "$passed passed, $failed failed, $skipped skipped"
  return "$rc"
}

bench() {
  "$ROOT/scripts/slurm.sh" up
  publish
  export SLURMK8S_BIN="$OUT/slurmk8s"   # the benchmark measures the published binary
  dotnet test "$ROOT/SlurmK8s.Tests/SlurmK8s.Tests.csproj" -c Release -nologo \
    --filter "Category=Benchmark" --logger "console;verbosity=detailed"
}

case "${1:-}" in
  build) build ;;
  publish) publish ;;
  test) run_tests ;;
  bench) bench ;;
  slurm) shift; "$ROOT/scripts/slurm.sh" "$@" ;;
  image) shift; "$ROOT/scripts/image.sh" "$@" ;;
  cluster) shift; "$ROOT/scripts/cluster.sh" "$@" ;;
  demo) shift; "$ROOT/scripts/demo.sh" "$@" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
