# shellcheck shell=bash
# Container images without a registry or a Docker engine (sourced).
#
#   make_image_archive NAME:TAG ROOTFS_DIR OUT.tar [ENTRYPOINT [ARG...]]
#       writes a docker-save archive (manifest.json, the image config, one layer.tar of ROOTFS_DIR)
#       that `ctr -n k8s.io images import OUT.tar` loads into containerd. NAME is normalised the
#       way Docker and the kubelet do it: `slurmk8s:local` is docker.io/library/slurmk8s:local, so
#       a pod asks for `image: slurmk8s:local` with `imagePullPolicy: Never`.
#       IMAGE_USER (e.g. 65532:65532), IMAGE_WORKDIR and IMAGE_ENV (newline-separated K=V; PATH is
#       always set) go into the image config when given.
#   copy_with_libs BIN ROOTFS [DEST]  BIN and the shared libraries it loads (ldd), into ROOTFS.
#
# The layer is reproducible: sorted names, owner root, mtime 0 — the same ROOTFS_DIR always
# gives the same image id. Files keep their modes; ownership is root's inside the image.

json_string() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}

# JSON array of the arguments as strings.
json_array() {
  local out="" a
  for a in "$@"; do out+="${out:+,}$(json_string "$a")"; done
  printf '[%s]' "$out"
}

make_image_archive() {
  local ref=${1:?usage: make_image_archive NAME:TAG ROOTFS_DIR OUT.tar [ENTRYPOINT...]}
  local rootfs=${2:?rootfs dir} out=${3:?output tar}
  shift 3
  [[ -d $rootfs ]] || { echo "make_image_archive: $rootfs is not a directory" >&2; return 1; }
  [[ $ref == *:* ]] || ref+=":latest"
  local stage layer_sha config config_sha env=() line
  stage=$(mktemp -d)
  # --numeric-owner + --owner/--group 0: the layer never depends on this host's users.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$rootfs" -cf "$stage/layer.tar" .
  layer_sha=$(sha256sum "$stage/layer.tar" | cut -d' ' -f1)
  mkdir "$stage/$layer_sha"
  mv "$stage/layer.tar" "$stage/$layer_sha/layer.tar"

  env=("PATH=/usr/local/bin:/usr/bin:/bin")
  if [[ -n ${IMAGE_ENV:-} ]]; then
    while IFS= read -r line; do [[ -n $line ]] && env+=("$line"); done <<<"$IMAGE_ENV"
  fi
  config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\""
  config+=",\"config\":{\"Env\":$(json_array "${env[@]}")"
  (($# > 0)) && config+=",\"Entrypoint\":$(json_array "$@")"
  [[ -n ${IMAGE_USER:-} ]] && config+=",\"User\":$(json_string "$IMAGE_USER")"
  config+=",\"WorkingDir\":$(json_string "${IMAGE_WORKDIR:-/}")}"
  config+=",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_sha\"]}"
  config+=",\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"slurmk8s scripts/lib/image.sh\"}]}"
  printf '%s' "$config" >"$stage/config.json"
  config_sha=$(sha256sum "$stage/config.json" | cut -d' ' -f1)
  mv "$stage/config.json" "$stage/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$(json_string "$ref")" "$layer_sha" >"$stage/manifest.json"

  mkdir -p "$(dirname "$out")"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  rm -rf "$stage"
}

# Shared libraries BIN loads (from ldd), copied with their paths into ROOTFS, plus the loader:
# an image gets exactly what the binary needs, not the host's whole /lib.
copy_with_libs() {
  local bin=${1:?binary} rootfs=${2:?rootfs dir} dest=${3:-$1} lib
  install -D -m 0755 "$bin" "$rootfs$dest"
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+' | sort -u); do
    [[ -e $rootfs$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done
}
