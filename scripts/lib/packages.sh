# shellcheck shell=bash
# Debian packages for the project's scripts. Sourced; the caller defines log().
#   ensure_packages PKG...  apt-get install what is missing (apt-get update only then: it is slow and needs the network)

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
