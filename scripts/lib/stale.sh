# shellcheck shell=bash
# Whether the published binary is older than the sources it is built from. Sourced; defines only the function.
#   stale_source ROOT BIN   prints the first source file under ROOT newer than BIN (nothing if none):
#                           *.cs, *.proto, *.csproj, *.props, *.json in SlurmK8s/ and protos/, and
#                           Directory.Build.props, global.json (bin/ and obj/ hold build output, not sources)
stale_source() {
  local root=$1 bin=$2
  find "$root/SlurmK8s" "$root/protos" "$root/Directory.Build.props" "$root/global.json" \
    \( -name bin -o -name obj \) -prune -o -type f \
    \( -name '*.cs' -o -name '*.proto' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) \
    -newer "$bin" -print -quit 2>/dev/null
}
