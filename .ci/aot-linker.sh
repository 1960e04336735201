# Sourced by .ci/aot-smoke.sh and .ci/package-smoke.sh: aot_linker <who> prints the clang that NativeAOT links with,
# installing clang and zlib1g-dev (its headers) with apt-get first when either is missing (run as root).
aot_linker() {
  local linker="" candidate
  for candidate in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$candidate" > /dev/null; then
      linker="$candidate"
      break
    fi
  done
  if [ -z "$linker" ] || [ ! -e /usr/include/zlib.h ]; then
    echo "$1: installing clang and zlib1g-dev" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev > /dev/null
    linker="${linker:-clang}"
  fi
  echo "$linker"
}
