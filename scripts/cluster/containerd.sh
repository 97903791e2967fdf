# shellcheck shell=bash
# scripts/cluster.sh: containerd (the node's runtime, with runc) and its images — the pause image (sandbox_image,
# built here from scripts/lib/pause.c) and the smoke check's image (busybox + curl). No registry: images are
# docker-save archives (scripts/lib/image-archive.sh) imported with ctr. Sourced by cluster.sh after its settings.
#
#   write_containerd_config  templates/cluster/containerd.toml → $CLUSTER_DIR/containerd.toml
#   start_containerd         start it, wait until it answers, make sure of the two images
#   ctr_k8s ARG...           ctr on our containerd, namespace k8s.io
#   cmd_import_image FILE    load a docker-save archive
#   containerd_teardown      kill and delete every task and container the kubelet left, stop containerd and its shims

write_containerd_config() {
  put_config "$CLUSTER_DIR/containerd.toml" 644 containerd \
    < <(render cluster/containerd.toml CTR_ROOT CTR_STATE CTR_SOCK CLUSTER_DIR PAUSE_IMAGE RUN_DIR CNI_CONF_DIR)
}

start_containerd() {
  daemon_start containerd containerd --config "$CLUSTER_DIR/containerd.toml"
  wait_until --daemon containerd 30 containerd ctr_k8s version || die "containerd did not answer"
  ensure_images
}

ctr_k8s() { ctr --address "$CTR_SOCK" -n k8s.io "$@"; }

cmd_import_image() {
  local file=${1:?usage: import-image FILE.tar}
  [[ -S $CTR_SOCK ]] || die "containerd is not running (run '$0 up' first)"
  ctr_k8s images import "$file" >&2
  node2_import_image "$file"
}

# The pause image: one static binary, nothing else.
build_pause_image() {
  local out=$CLUSTER_DIR/images/pause.tar src=$SCRIPTS_DIR/lib/pause.c
  if [[ -s $out && $out -nt $src ]]; then return 0; fi
  local rootfs
  rootfs=$(mktemp -d)
  gcc -static -Os -s -o "$rootfs/pause" "$src"
  write_image_archive "$rootfs" "$PAUSE_IMAGE" "$out" '{"Entrypoint":["/pause"]}'
  rm -rf "$rootfs"
}

# BIN and the shared libraries it loads (ldd), with their paths, into ROOTFS: an image gets exactly
# what the binary needs, not the host's whole /lib.
copy_with_libs() {
  local bin=$1 rootfs=$2 lib
  install -D -m 0755 "$bin" "$rootfs$bin"
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+' | sort -u); do
    [[ -e $rootfs$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}

# The smoke check's image: busybox's shell and tools and curl with exactly the libraries it loads.
build_check_image() {
  local out=$CLUSTER_DIR/images/check.tar
  [[ -s $out ]] && return 0
  local rootfs a
  rootfs=$(mktemp -d)
  install -D -m 0755 /bin/busybox "$rootfs/bin/busybox"
  for a in sh cat grep echo sed hostname; do ln -s busybox "$rootfs/bin/$a"; done
  copy_with_libs /usr/bin/curl "$rootfs"
  write_image_archive "$rootfs" "$CHECK_IMAGE" "$out" '{"Entrypoint":["/bin/sh"],"Env":["PATH=/usr/bin:/bin"]}'
  rm -rf "$rootfs"
}

image_present() { ctr_k8s images ls -q 2>/dev/null | grep -qx "$1"; }

ensure_images() {
  install -d -m 0755 "$CLUSTER_DIR/images"
  build_pause_image
  build_check_image
  image_present "$PAUSE_IMAGE" || ctr_k8s images import "$CLUSTER_DIR/images/pause.tar" >/dev/null
  image_present "$CHECK_IMAGE" || ctr_k8s images import "$CLUSTER_DIR/images/check.tar" >/dev/null
}


tasks_running() { ctr_k8s tasks ls 2>/dev/null | awk 'NR > 1 && $3 != "STOPPED" {found = 1} END {exit !found}'; }
no_tasks_running() { ! tasks_running; }

containerd_teardown() {
  if [[ -n $(daemon_pid containerd) ]]; then
    # Whatever the kubelet left: kill the tasks, wait until they stopped, delete them and their containers.
    local c
    for c in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
    wait_until 10 "containerd's tasks to stop" no_tasks_running || true
    for c in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete "$c" >/dev/null 2>&1 || true; done
    for c in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$c" >/dev/null 2>&1 || true; done
  fi
  daemon_stop containerd
  # Shims of this containerd that outlived it (found by its socket, never by name alone).
  local p
  for p in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $CTR_SOCK" || true); do
    kill -KILL "$p" 2>/dev/null || true
  done
}
