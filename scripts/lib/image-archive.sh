# shellcheck shell=bash
# write_image_archive — a one-layer container image from a root filesystem folder, as a
# docker-save archive (manifest.json + image config + one layer tar) that
# `ctr -n k8s.io images import FILE` accepts. No registry, no Docker engine: bash, GNU tar, sha256sum.
# Source this file; it defines only the function.
#
#   write_image_archive ROOTFS NAME OUT.tar CONFIG_JSON
#     ROOTFS       folder that becomes / in the container (owners and modes are kept as numbers)
#     NAME         full reference, e.g. docker.io/library/slurmk8s:local — what Kubernetes resolves
#                  the short `image: slurmk8s:local` to (with imagePullPolicy: Never)
#     OUT.tar      the archive to write (replaced atomically)
#     CONFIG_JSON  the image config's "config" object, e.g. '{"Entrypoint":["/x"],"User":"65532:65532"}'
#
# The layer is reproducible (sorted names, mtime 0, numeric owners): the same folder gives the
# same image id, so a re-import of an unchanged image is a no-op.
write_image_archive() {
  local rootfs=${1:?rootfs folder} name=${2:?image name} out=${3:?archive path} config=${4:?config JSON}
  [[ -d $rootfs ]] || { echo "write_image_archive: $rootfs is not a folder" >&2; return 1; }
  local work layer_sha config_sha entries=()
  work=$(mktemp -d "${TMPDIR:-/tmp}/image-archive.XXXXXX")
  # Top-level names without a "./" prefix, as `docker save` writes them.
  mapfile -t entries < <(cd "$rootfs" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
  tar --create --file="$work/layer.tar" --directory="$rootfs" --format=gnu --sort=name \
    --mtime=@0 --numeric-owner "${entries[@]}" || { rm -rf "$work"; return 1; }
  layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir "$work/$layer_sha" && mv "$work/layer.tar" "$work/$layer_sha/layer.tar"
  # created is fixed (epoch) so the config, and thus the image id, depends only on the content.
  printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"write_image_archive"}]}' \
    "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$config" "$layer_sha" >"$work/config.json"
  config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$name" "$layer_sha" >"$work/manifest.json"
  tar --create --file="$out.tmp" --directory="$work" --format=gnu --sort=name --mtime=@0 \
    --owner=0 --group=0 --numeric-owner manifest.json "$config_sha.json" "$layer_sha" \
    && mv "$out.tmp" "$out"
  local rc=$?
  rm -rf "$work"
  return $rc
}
