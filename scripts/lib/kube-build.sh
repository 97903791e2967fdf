# shellcheck shell=bash
# Shared by scripts/kube-apiserver.sh and scripts/cluster.sh (sourced; needs scripts/lib/common.sh):
# building Kubernetes v1.20.2 binaries from Debian bookworm's `kubernetes` source package into
# $KUBE_CACHE/bin, once per machine. One unpacked tree, one version file and one Go build cache
# (make keeps it in the tree's _output/local/go/cache) serve every binary.
#
#   kube_build NAME...   build cmd/NAME for each NAME not yet in $KUBE_CACHE/bin (one `make` for all)
#
# Environment: KUBE_CACHE (default /var/cache/slurmk8s/kube), outside the checkout so that
# `git clean` does not throw away a build of several minutes.

KUBE_CACHE=${KUBE_CACHE:-/var/cache/slurmk8s/kube}
KUBE_BIN_DIR=$KUBE_CACHE/bin
KUBE_BUILD_PKGS=(golang-go rsync jq make golang-github-modern-go-reflect2-dev dpkg-dev)
KUBE_REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2


# `apt-get source` needs a deb-src entry; add one mirroring the first deb stanza
# of debian.sources (same URIs/Suites/Components/Signed-By) if none exists yet.
ensure_deb_src() {
  local f=/etc/apt/sources.list.d/debian.sources
  if grep -qs '^Types:.*deb-src' "$f" /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
    || grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    return 0
  fi
  [[ -f $f ]] || die "$f not found: cannot add a deb-src entry"
  log "adding a deb-src entry to $f"
  # First stanza (up to the first blank line), with Types: rewritten.
  { echo; awk 'BEGIN{RS=""} NR==1{print; exit}' "$f" | sed 's/^Types:.*/Types: deb-src/'; } >>"$f"
  apt-get update -qq
}

# The unpacked, patched source tree (downloaded and unpacked on first use); its path on stdout.
kube_source_tree() {
  mkdir -p "$KUBE_CACHE/src"
  (
    cd "$KUBE_CACHE/src" || exit 1
    if ! ls kubernetes_*.dsc >/dev/null 2>&1; then
      ensure_deb_src
      log "downloading the kubernetes source package"
      # Index may predate the deb-src entry (e.g. added by hand): retry after an update.
      apt-get source --download-only kubernetes >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get source --download-only kubernetes >/dev/null; }
    fi
    local dsc tree
    dsc=$(ls kubernetes_*.dsc | sort -V | tail -n1)
    # dpkg-source names the tree <source>-<upstream version>.
    tree=$KUBE_CACHE/src/$(basename "$dsc" .dsc | sed -E 's/^kubernetes_([^-]*)(-.*)?$/kubernetes-\1/')
    if [[ ! -d $tree ]]; then
      log "unpacking $dsc"
      dpkg-source --no-check -x "$dsc" "$tree" >/dev/null
    fi

    # PITFALL: vendored reflect2 v1.0.1 crashes under Go >= 1.18 ("fatal error: fault" on
    # the first custom-resource create). Debian's 1.0.2 works; copy sources, not tests.
    local vr=$tree/vendor/github.com/modern-go/reflect2
    if ! cmp -s "$KUBE_REFLECT2_SRC/reflect2.go" "$vr/reflect2.go"; then
      log "replacing vendored reflect2 with Debian's 1.0.2"
      rm -rf "$vr" && mkdir -p "$vr"
      find "$KUBE_REFLECT2_SRC" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' \
        -exec cp {} "$vr/" \;
    fi

    # No .git in the tree: hand the version to hack/lib/version.sh directly.
    cat >"$KUBE_CACHE/version.env" <<'VERSION'
KUBE_GIT_VERSION='v1.20.2'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_COMMIT='faecb196815e248d3ecfb03c680a4507229c2a56'
VERSION
    echo "$tree"
  )
}

kube_build() {
  local missing=() name
  for name in "$@"; do [[ -x $KUBE_BIN_DIR/$name ]] || missing+=("$name"); done
  if ((${#missing[@]} == 0)); then
    log "already built: $*"
    return 0
  fi
  local t0=$SECONDS tree what=""
  ensure_packages "${KUBE_BUILD_PKGS[@]}"
  tree=$(kube_source_tree)
  mkdir -p "$KUBE_BIN_DIR"
  for name in "${missing[@]}"; do what+=" cmd/$name"; done
  log "building ${missing[*]} (cold, on 2 cores: ~6 min for kube-apiserver, ~7 min for the four node/controller binaries)"
  # One build at a time per tree: two makes in the same _output would trip over each other.
  (
    flock 9
    make -C "$tree" WHAT="${what# }" KUBE_GIT_VERSION_FILE="$KUBE_CACHE/version.env"
  ) 9>"$KUBE_CACHE/build.lock"
  for name in "${missing[@]}"; do
    # Copy then rename, so an interrupted copy never looks like a finished build.
    cp "$tree/_output/bin/$name" "$KUBE_BIN_DIR/$name.tmp" && mv "$KUBE_BIN_DIR/$name.tmp" "$KUBE_BIN_DIR/$name"
  done
  "$KUBE_BIN_DIR/${missing[0]}" --version
  log "built ${missing[*]} in $((SECONDS - t0)) s"
}
