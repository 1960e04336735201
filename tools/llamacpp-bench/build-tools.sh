#!/usr/bin/env bash
# Builds llama.cpp's llama-bench, llama-quantize and llama-convert-llama2c-to-ggml for this machine
# (GGML_NATIVE=ON: -march=native, so AVX-512/VNNI where the CPU has them, as a user building llama.cpp
# for speed would) into $WORK/build-native/bin. The sources are the ones the goldens use
# (tools/llamacpp-reference/make-goldens.sh): llama.cpp v0.5.0 from the npm package node-llama-cpp@3.22.1.
# Each step is skipped when its result is there. Nothing lands in the repository.
#
# Needs: npm, git, cmake, ninja or make, g++ with OpenMP. Time: the three tools' 139 build steps took
# 4 minutes on this project's 2-core machine (2026-12-05); under a second once they are there.
#
# usage: tools/llamacpp-bench/build-tools.sh     (JOBS=2 and WORK=/tmp/llamacpp by default)
set -euo pipefail

PACKAGE_VERSION=3.22.1
JOBS=${JOBS:-2}
WORK=${WORK:-/tmp/llamacpp}
SOURCE="$WORK/src"
BUILD="$WORK/build-native"
TOOLS=(llama-bench llama-quantize llama-convert-llama2c-to-ggml)

mkdir -p "$WORK"
cd "$WORK"

# The same fetch as make-goldens.sh: the package carries llama.cpp's sources as a git bundle.
if [ ! -f "node-llama-cpp-$PACKAGE_VERSION.tgz" ]; then
    npm pack "node-llama-cpp@$PACKAGE_VERSION"
fi
if [ ! -d "$SOURCE/.git" ]; then
    rm -rf package "$SOURCE"
    tar xzf "node-llama-cpp-$PACKAGE_VERSION.tgz" package/llama
    git clone --quiet package/llama/gitRelease.bundle "$SOURCE"
fi

missing=()
for tool in "${TOOLS[@]}"; do
    [ -x "$BUILD/bin/$tool" ] || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    GENERATOR=()
    if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
    # Tools and examples on (llama-bench is a tool, the llama2.c converter an example); no server, tests,
    # curl or OpenSSL, so that nothing beyond a compiler is needed.
    cmake -S "$SOURCE" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=ON \
        -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
        -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_BUILD_MTMD=OFF
    cmake --build "$BUILD" --target "${missing[@]}" -j "$JOBS"
fi

echo "llama.cpp $(git -C "$SOURCE" rev-parse --short HEAD) tools in $BUILD/bin: ${TOOLS[*]}"
