#!/usr/bin/env bash
# The `slurmk8s` container image, built without a registry or a Docker engine.
#
#   scripts/image.sh build          out/slurmk8s → out/slurmk8s-image.tar (docker-save archive)
#   scripts/image.sh import [SOCK]  ctr -n k8s.io images import it into the containerd at SOCK
#                                   (default /run/containerd/containerd.sock)
#   scripts/image.sh check          prove it on a private, throw-away containerd (see cmd_check)
#
# The image is distroless-style: a root filesystem assembled with `dpkg -x` from Debian's own
# packages, holding only what the Native-AOT binary loads —
#   /slurmk8s                        the entry point (roles chosen by its arguments)
#   ld.so, libc.so.6, libm.so.6      its ELF dependencies (readelf NEEDED, resolved transitively)
#   libssl.so.3 (+ libcrypto.so.3)   dlopened by .NET's System.Security.Cryptography.Native for TLS
#                                    (the API server, gRPC over TLS): `ldd` does not show them
#   /etc/ssl/certs/ca-certificates.crt  Debian's Mozilla CA bundle (what update-ca-certificates
#                                    builds from the package), with OpenSSL's default paths
#                                    /usr/lib/ssl/{cert.pem,certs} pointing at it as on Debian
#   /etc/passwd, /etc/group          root, nonroot (65532, the default user), companion (1000, the
#                                    companion pods' default uid/gid), nobody
#   /tmp (1777), /home/nonroot, /home/companion, /etc/nsswitch.conf
#   /usr/share/doc/*/copyright, /var/lib/dpkg/status.d/*  licences and versions of what is shipped
# No shell, no ICU (InvariantGlobalization), no zlib (.NET links its own), nothing from the host's /lib.
# The name is docker.io/library/slurmk8s:local: what Kubernetes resolves `image: slurmk8s:local` to
# (use imagePullPolicy: Never).
#
# Environment:
#   IMAGE_NAME   default docker.io/library/slurmk8s:local
#   IMAGE_CACHE  where the downloaded .deb files are kept (default /var/cache/slurmk8s/image);
#                the candidate version of each package is downloaded once (apt-get download)
# Files: out/slurmk8s-image.tar, out/image-rootfs/ (the root filesystem, kept for inspection).
# Needs root (apt-get; the rootfs has files owned by 65532 and 1000).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/out
BIN=$OUT/slurmk8s
ARCHIVE=$OUT/slurmk8s-image.tar
ROOTFS=$OUT/image-rootfs
IMAGE_NAME=${IMAGE_NAME:-docker.io/library/slurmk8s:local}
IMAGE_CACHE=${IMAGE_CACHE:-/var/cache/slurmk8s/image}
# Debian packages the libraries and certificates come from.
PACKAGES=(libc6 libssl3 ca-certificates)
# Loaded with dlopen, so absent from the binary's NEEDED list: .NET's crypto shim probes
# libssl.so.3 first (then 1.1, 1.0.x); libssl.so.3 brings libcrypto.so.3 as its own NEEDED.
DLOPENED=(libssl.so.3)
# The image's default user (distroless's "nonroot"); the companion pods run as 1000.
NONROOT=65532
COMPANION=1000

LOG_TAG=image.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/image-archive.sh
source "$ROOT/scripts/lib/image-archive.sh"
# find_kubectl (the machine's kubectl, else the one scripts/cluster.sh build made in $KUBE_BIN_DIR).
# shellcheck source-path=SCRIPTDIR source=lib/kube-build.sh
source "$ROOT/scripts/lib/kube-build.sh"
# shellcheck source-path=SCRIPTDIR source=lib/cluster-env.sh
source "$ROOT/scripts/lib/cluster-env.sh"
# shellcheck source-path=SCRIPTDIR source=lib/ports.sh
source "$ROOT/scripts/lib/ports.sh" # free_port
# shellcheck source-path=SCRIPTDIR source=lib/stale.sh
source "$ROOT/scripts/lib/stale.sh"

# The .deb of apt's candidate version of $1 in $IMAGE_CACHE/debs, downloaded once.
deb_of() {
  local pkg=$1 ver file
  ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
  [[ -n $ver && $ver != "(none)" ]] || { apt-get update -qq; ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}'); }
  [[ -n $ver && $ver != "(none)" ]] || die "apt knows no package $pkg"
  # File names spell an epoch's ':' as %3a.
  file=$(find "$IMAGE_CACHE/debs" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -n1)
  if [[ -z $file ]]; then
    log "downloading $pkg $ver"
    # An old package list may name a version the mirror no longer has: update once and retry.
    (cd "$IMAGE_CACHE/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null 2>&1) \
      || { apt-get update -qq && ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}') \
        && (cd "$IMAGE_CACHE/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null); } \
      || die "could not download $pkg"
    file=$(find "$IMAGE_CACHE/debs" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -n1)
  fi
  [[ -n $file ]] || die "no .deb for $pkg $ver in $IMAGE_CACHE/debs"
  echo "$file"
}

# Path (relative to $1) of the library with soname $2 in the unpacked packages, or nothing.
find_lib() {
  local tree=$1 so=$2 dir
  for dir in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu lib64 lib usr/lib; do
    [[ -e $tree/$dir/$so ]] && { echo "$dir/$so"; return 0; }
  done
  return 1
}

# Copies $2 (relative path) from the unpacked tree $1 into the rootfs, following a symlink to
# its target so the soname link and the real file both arrive.
copy_from_tree() {
  local tree=$1 rel=$2 target
  mkdir -p "$ROOTFS/$(dirname "$rel")"
  cp -a "$tree/$rel" "$ROOTFS/$rel"
  if [[ -L $tree/$rel ]]; then
    target=$(readlink "$tree/$rel")
    [[ $target == /* ]] && target=${target#/} || target=$(dirname "$rel")/$target
    [[ -e $ROOTFS/$target ]] || copy_from_tree "$tree" "$target"
  fi
}

# NEEDED sonames of an ELF file.
needed_of() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

cmd_build() {
  [[ -x $BIN ]] || die "$BIN missing: run ./build.sh publish first"
  local newer
  newer=$(stale_source "$ROOT" "$BIN" || true)
  [[ -z $newer ]] || log "WARNING: $BIN is older than $newer: run ./build.sh publish for an up-to-date image"
  ensure_packages binutils   # readelf
  local t0=$SECONDS pkg deb
  mkdir -p "$IMAGE_CACHE/debs" "$OUT"
  BUILD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/slurmk8s-image.XXXXXX")
  trap 'rm -rf "$BUILD_DIR"' EXIT
  local tree=$BUILD_DIR/tree   # the packages, unpacked; only some files go into the rootfs
  mkdir -p "$tree"
  rm -rf "$ROOTFS"
  mkdir -p "$ROOTFS/var/lib/dpkg/status.d"
  for pkg in "${PACKAGES[@]}"; do
    deb=$(deb_of "$pkg")
    dpkg-deb -x "$deb" "$tree"
    # Versions for image scanners (distroless keeps the same), licences as Debian ships them.
    dpkg-deb -f "$deb" >"$ROOTFS/var/lib/dpkg/status.d/$pkg"
    install -D -m 0644 "$tree/usr/share/doc/$pkg/copyright" "$ROOTFS/usr/share/doc/$pkg/copyright"
  done

  install -m 0755 "$BIN" "$ROOTFS/slurmk8s"

  # The ELF interpreter, at the path the binary names.
  local interp
  interp=$(readelf -l "$BIN" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
  [[ -n $interp ]] || die "$BIN names no ELF interpreter"
  copy_from_tree "$tree" "${interp#/}"

  # The binary's NEEDED libraries and the dlopened ones, each with its own NEEDED, transitively.
  local queue=() seen=" " so rel
  mapfile -t queue < <(needed_of "$BIN")
  queue+=("${DLOPENED[@]}")
  while ((${#queue[@]})); do
    so=${queue[0]}; queue=("${queue[@]:1}")
    [[ $seen == *" $so "* ]] && continue
    seen+="$so "
    rel=$(find_lib "$tree" "$so") || die "$so is in none of: ${PACKAGES[*]}"
    copy_from_tree "$tree" "$rel"
    mapfile -t -O "${#queue[@]}" queue < <(needed_of "$ROOTFS/$rel")
  done

  # The CA bundle as update-ca-certificates builds it: every certificate the package ships.
  mkdir -p "$ROOTFS/etc/ssl/certs" "$ROOTFS/usr/lib/ssl"
  local crt
  find "$tree/usr/share/ca-certificates" -name '*.crt' -print0 | LC_ALL=C sort -z \
    | while IFS= read -r -d '' crt; do
      cat "$crt"
      [[ -z $(tail -c1 "$crt") ]] || echo   # a file without a final newline
    done >"$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  chmod 0644 "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  # OpenSSL's defaults (OPENSSLDIR=/usr/lib/ssl), which .NET reads the trusted roots from.
  ln -s /etc/ssl/certs/ca-certificates.crt "$ROOTFS/usr/lib/ssl/cert.pem"
  ln -s /etc/ssl/certs "$ROOTFS/usr/lib/ssl/certs"

  cat >"$ROOTFS/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:$NONROOT:$NONROOT:nonroot:/home/nonroot:/sbin/nologin
companion:x:$COMPANION:$COMPANION:companion:/home/companion:/sbin/nologin
EOF
  cat >"$ROOTFS/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
nonroot:x:$NONROOT:
companion:x:$COMPANION:
EOF
  # /etc/hosts (written by the kubelet) before DNS; users and groups from the files above.
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
  chmod 0644 "$ROOTFS/etc/passwd" "$ROOTFS/etc/group" "$ROOTFS/etc/nsswitch.conf"
  install -d -m 0700 "$ROOTFS/root"
  install -d -m 0700 -o "$NONROOT" -g "$NONROOT" "$ROOTFS/home/nonroot"
  install -d -m 0700 -o "$COMPANION" -g "$COMPANION" "$ROOTFS/home/companion"
  install -d -m 1777 "$ROOTFS/tmp"

  write_image_archive "$ROOTFS" "$IMAGE_NAME" "$ARCHIVE" \
    "$(config_json "$NONROOT:$NONROOT")"
  log "$IMAGE_NAME → ${ARCHIVE#"$ROOT"/}: $(du -h "$ARCHIVE" | cut -f1) ($(du -sh --apparent-size "$ROOTFS" | cut -f1) root filesystem) in $((SECONDS - t0)) s"
  log "libraries: $(cd "$ROOTFS" && find . -name '*.so*' | sed 's|^\./|/|' | LC_ALL=C sort | tr '\n' ' ')"
}

# The image config: entry point, user, a PATH for tools mounted in, and OCI labels.
config_json() {
  # (No file-watch switch here: the binary's hosts watch no files whatever the working directory; see Cli/SlimHost.cs.)
  printf '{"User":"%s","Entrypoint":["/slurmk8s"],"Env":["PATH=/usr/local/bin:/usr/bin:/bin"],"WorkingDir":"/","Labels":{"org.opencontainers.image.title":"slurmk8s","org.opencontainers.image.description":"slurmk8s: operator, resourced, companion and redbox roles in one Native-AOT binary"}}' "$1"
}

cmd_import() {
  local sock=${1:-/run/containerd/containerd.sock}
  [[ -f $ARCHIVE ]] || die "$ARCHIVE missing: run '$0 build' first"
  ctr --address "$sock" -n k8s.io images import "$ARCHIVE"
}

# ---- check: the image on a private containerd, no cluster ------------------------------------
# Starts its own containerd (own root, state and socket under a temp folder, so nothing else on
# the machine is touched), imports the archive with ctr, and runs the image with `ctr run`:
#   --version and --help; `id`, a write to /tmp as the default user 65532 and as 1000 (the same
#   layer under a second tag whose config says User 1000:1000; busybox-static bind-mounted for
#   `id` only); then the operator, in the container with host networking and a read-only root,
#   against a real API server (scripts/kube-apiserver.sh) over TLS that is VERIFIED: the kubeconfig
#   has no CA and no insecure-skip, so trust can only come from the image's CA bundle —
#     1. with the image's own bundle: the handshake must fail (the API server's CA is private);
#     2. with that bundle plus the API server's CA mounted over /etc/ssl/certs/ca-certificates.crt:
#        it must sync and create the companion pod of a SlurmJob, and answer /healthz.
# Everything it started is stopped and removed at the end, also on failure.
CHECK_DIR=

check_cleanup() {
  local rc=$?
  set +e   # clean up as much as possible, whatever fails
  [[ -n $CHECK_DIR ]] || return 0
  if [[ -S $CHECK_DIR/containerd.sock ]]; then
    local c
    for c in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks kill -s KILL "$c" >/dev/null 2>&1 || true; done
    sleep 0.5
    for c in $(ctrc containers ls -q 2>/dev/null); do
      ctrc tasks delete -f "$c" >/dev/null 2>&1 || true
      ctrc containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  daemon_stop containerd 10
  "$ROOT/scripts/kube-apiserver.sh" down "$CHECK_DIR/api" >/dev/null 2>&1 || true
  # Snapshot mounts left by a killed shim would keep the folder busy.
  grep -o " $CHECK_DIR/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$CHECK_DIR"
  if ((rc == 0)); then log "check passed; private containerd stopped, $CHECK_DIR removed"
  else log "check FAILED (exit $rc); private containerd stopped, $CHECK_DIR removed"; fi
}

ctrc() { ctr --address "$CHECK_DIR/containerd.sock" -n k8s.io "$@"; }

# Runs the image to completion, printing its output; extra ctr flags before `--`.
run_image() {
  local ref=$1 id=$2; shift 2
  local flags=()
  while (($#)) && [[ $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  ctrc run --rm --snapshotter overlayfs "${flags[@]}" "$ref" "$id" "$@"
}

expect() { # expect DESCRIPTION PATTERN TEXT
  if grep -qE -- "$2" <<<"$3"; then log "ok: $1"; else log "FAILED: $1 (no /$2/ in:)"; echo "$3" >&2; return 1; fi
}

task_not_running() { [[ $(ctrc tasks ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}') != RUNNING ]]; }

# Runs the operator detached for up to $4 seconds, until $5 (a command) succeeds; leaves its log in $3.
run_operator() {
  local ref=$1 id=$2 logfile=$3 seconds=$4 until=$5; shift 5
  local flags=("$@")
  ctrc run -d --snapshotter overlayfs --net-host --read-only --log-uri "file://$logfile" \
    --mount "type=bind,src=$CHECK_DIR/verify.kubeconfig,dst=/etc/slurmk8s/kubeconfig,options=rbind:ro" \
    "${flags[@]}" "$ref" "$id" /slurmk8s operator --kubeconfig /etc/slurmk8s/kubeconfig --namespace check \
    --leader-elect=false --companion-image slurmk8s:local --companion-image-pull-policy Never \
    --health-port "$HEALTH_PORT" --log-format text >/dev/null
  wait_until "$seconds" "the operator ($id)" bash -c "$until" || true
  ctrc tasks kill -s TERM "$id" >/dev/null 2>&1 || true
  wait_until 10 "the operator ($id) to stop" task_not_running "$id" || true
  ctrc tasks delete -f "$id" >/dev/null 2>&1 || true
  ctrc containers delete "$id" >/dev/null 2>&1 || true
}

cmd_check() {
  [[ -f $ARCHIVE && -d $ROOTFS ]] || die "$ARCHIVE or $ROOTFS missing: run '$0 build' first"
  ensure_packages containerd runc busybox-static curl
  find_kubectl
  [[ -x $KUBECTL ]] || die "kubectl missing"
  "$ROOT/scripts/kube-apiserver.sh" build >/dev/null
  CHECK_DIR=$(mktemp -d /tmp/slurmk8s-image-check.XXXXXX)
  chmod 0711 "$CHECK_DIR"   # the container users (65532, 1000) read the mounted kubeconfig
  trap check_cleanup EXIT
  local t0=$SECONDS out

  render image/check-containerd.toml CHECK_DIR >"$CHECK_DIR/config.toml"
  DAEMON_RUN_DIR=$CHECK_DIR DAEMON_LOG_DIR=$CHECK_DIR
  daemon_start containerd containerd --config "$CHECK_DIR/config.toml"
  wait_until --daemon containerd 10 "the private containerd" ctrc version || die "private containerd did not start"
  log "private containerd $(containerd --version | awk '{print $3}') on $CHECK_DIR/containerd.sock"

  log "\$ ctr --address $CHECK_DIR/containerd.sock -n k8s.io images import ${ARCHIVE#"$ROOT"/}"
  cmd_import "$CHECK_DIR/containerd.sock"
  # Same layer, config User 1000:1000: how the companion pods run (runAsUser 1000).
  local uid_ref=docker.io/library/slurmk8s:check-uid1000
  write_image_archive "$ROOTFS" "$uid_ref" "$CHECK_DIR/uid1000.tar" "$(config_json "$COMPANION:$COMPANION")"
  ctrc images import "$CHECK_DIR/uid1000.tar" >/dev/null
  ctrc images ls | awk 'NR == 1 || /slurmk8s/'

  log "\$ slurmk8s --version"
  out=$(run_image "$IMAGE_NAME" v -- /slurmk8s --version 2>&1); echo "$out"
  expect "--version" '[0-9]+\.[0-9]+' "$out"
  log "\$ slurmk8s --help"
  out=$(run_image "$IMAGE_NAME" h -- /slurmk8s --help 2>&1); echo "$out"
  expect "--help lists the roles" 'operator' "$out"

  local busybox=(--mount "type=bind,src=$(readlink -f /bin/busybox),dst=/busybox,options=rbind:ro")
  local ref who
  for ref in "$IMAGE_NAME" "$uid_ref"; do
    log "as the user of $ref: id; a file in /tmp; --version"
    out=$(run_image "$ref" u "${busybox[@]}" -- /busybox sh -c 'id && echo hi >/tmp/probe && ls -ln /tmp/probe; /slurmk8s --version' 2>&1)
    echo "$out"
    who=$([[ $ref == "$uid_ref" ]] && echo 'uid=1000\(companion\) gid=1000\(companion\)' || echo 'uid=65532\(nonroot\) gid=65532\(nonroot\)')
    expect "runs as $who, /tmp writable" "$who" "$out"
  done

  log "starting a real API server"
  "$ROOT/scripts/kube-apiserver.sh" up "$CHECK_DIR/api" >/dev/null
  local admin=$CHECK_DIR/api/kubeconfig port token
  # shellcheck source=/dev/null
  port=$(source "$CHECK_DIR/api/ports" && echo "$APISERVER_PORT")
  token=$(cut -d, -f1 "$CHECK_DIR/api/tokens.csv")
  # No certificate-authority, no insecure-skip-tls-verify: only the system trust store can vouch.
  KUBE_CLUSTER=local KUBE_USER=admin SERVER=https://127.0.0.1:$port TLS="" TOKEN=$token \
    render kubeconfig.yaml KUBE_CLUSTER SERVER TLS KUBE_USER TOKEN >"$CHECK_DIR/verify.kubeconfig"
  chmod 0644 "$CHECK_DIR/verify.kubeconfig"
  # The API server's self-made CA is the last certificate of its serving chain.
  awk '/BEGIN CERTIFICATE/ {c = ""} {c = c $0 "\n"} END {printf "%s", c}' "$CHECK_DIR/api/certs/apiserver.crt" >"$CHECK_DIR/api-ca.crt"
  cat "$ROOTFS/etc/ssl/certs/ca-certificates.crt" "$CHECK_DIR/api-ca.crt" >"$CHECK_DIR/ca-bundle.crt"
  chmod 0644 "$CHECK_DIR/ca-bundle.crt"
  "$KUBECTL" --kubeconfig "$admin" apply -f "$ROOT/manifests/crds/" >/dev/null
  "$KUBECTL" --kubeconfig "$admin" create namespace check >/dev/null
  "$KUBECTL" --kubeconfig "$admin" wait --for condition=established --timeout=30s crd/slurmjobs.slurm.sylabs.io >/dev/null
  "$KUBECTL" --kubeconfig "$admin" -n check apply -f - >/dev/null <<EOF
apiVersion: slurm.sylabs.io/v1alpha1
kind: SlurmJob
metadata:
  name: hello
spec:
  batch: |
    #!/bin/sh
    echo hello
EOF
  HEALTH_PORT=$(free_port)

  log "operator with the image's own CA bundle: the API server's private CA must be refused"
  run_operator "$IMAGE_NAME" op-refused "$CHECK_DIR/op-refused.log" 8 \
    "grep -qiE 'UntrustedRoot|certificate|SSL connection' '$CHECK_DIR/op-refused.log'"
  out=$(cat "$CHECK_DIR/op-refused.log"); grep -iE 'certificate|UntrustedRoot|ssl' <<<"$out" | head -5
  expect "TLS verified and refused" 'UntrustedRoot|certificate|SSL connection could not be established' "$out"
  ! "$KUBECTL" --kubeconfig "$admin" -n check get pod hello-job >/dev/null 2>&1 || die "a pod exists although TLS failed"

  local healthz=$CHECK_DIR/healthz oplog
  for ref in "$IMAGE_NAME" "$uid_ref"; do
    "$KUBECTL" --kubeconfig "$admin" -n check delete pod hello-job --ignore-not-found --wait=false >/dev/null
    log "operator as the user of $ref with the API server's CA in the bundle: must sync and act"
    rm -f "$healthz"
    oplog=$CHECK_DIR/op-trusted-${ref##*:}.log
    run_operator "$ref" op-trusted "$oplog" 30 \
      "curl -sf http://127.0.0.1:$HEALTH_PORT/healthz >'$healthz' && '$KUBECTL' --kubeconfig '$admin' -n check get pod hello-job >/dev/null 2>&1" \
      --mount "type=bind,src=$CHECK_DIR/ca-bundle.crt,dst=/etc/ssl/certs/ca-certificates.crt,options=rbind:ro"
    out=$(cat "$oplog"); echo "$out" | head -20
    expect "operator created the companion pod" 'Created companion pod check/hello-job' "$out"
    ! grep -qiE 'UntrustedRoot|SslException|DllNotFound|libssl|libcrypto' <<<"$out" || die "TLS or library error in the log"
    "$KUBECTL" --kubeconfig "$admin" -n check get pod hello-job -o jsonpath='{.spec.containers[0].image}{"\n"}'
    log "/healthz answered: $(cat "$healthz" 2>/dev/null)"
    [[ -s $healthz ]] || die "/healthz did not answer"
  done
  log "check took $((SECONDS - t0)) s"
}

case "${1:-build}" in
  build) cmd_build ;;
  import) shift; cmd_import "$@" ;;
  check) shift; cmd_check "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
