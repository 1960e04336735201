#!/usr/bin/env bash
# Writes tests/Codegen.Tests/Golden/llamacpp/: llama.cpp's own logits and greedy ids for the stories260K GGUF
# files in ../shared/models, the independent reference that LlamaCppGoldenTests compares our loading against.
#
# What it does (each step is skipped when its result is already there, so a rerun only reruns the program):
#   1. npm pack node-llama-cpp@3.22.1 (the npm registry is the one source needed); the package carries
#      llama.cpp's sources as a git bundle, llama/gitRelease.bundle (llama.cpp v0.5.0, the release the
#      quantized files were made with);
#   2. git clone of that bundle;
#   3. cmake: the static llama library only, CPU, Release, no native tuning, no curl/OpenSSL/tools/tests;
#   4. g++: reference.cpp (ours, beside this script) against it;
#   5. runs it on stories260K.gguf and the Q8_0, Q4_0, Q4_K_M files.
# Nothing of llama.cpp lands in the repository: it all stays in $WORK (default /tmp/llamacpp).
#
# Needs: npm, git, cmake, ninja or make, g++ with OpenMP. Time on 2 cores: 2m11s from nothing, of which
# 1m30s is the llama library; under a second once that is built (program and four runs); the npm
# download is 36 MB.
#
# usage: tools/llamacpp-reference/make-goldens.sh        (from anywhere; JOBS=2 and WORK=/tmp/llamacpp by default)
set -euo pipefail

PACKAGE_VERSION=3.22.1
JOBS=${JOBS:-2}
WORK=${WORK:-/tmp/llamacpp}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODELS=$(cd "$REPO/../shared/models/stories260K" && pwd)
GOLDEN="$REPO/tests/Codegen.Tests/Golden/llamacpp"
SOURCE="$WORK/src"
BUILD="$SOURCE/build"

mkdir -p "$WORK" "$GOLDEN"
cd "$WORK"

if [ ! -f "node-llama-cpp-$PACKAGE_VERSION.tgz" ]; then
    npm pack "node-llama-cpp@$PACKAGE_VERSION"
fi
if [ ! -d "$SOURCE/.git" ]; then
    rm -rf package "$SOURCE"
    tar xzf "node-llama-cpp-$PACKAGE_VERSION.tgz" package/llama
    git clone --quiet package/llama/gitRelease.bundle "$SOURCE"
fi
LLAMA_TAG=$(sed -n 's/.*"tag": *"\([^"]*\)".*/\1/p' package/llama/llama.cpp.info.json)
LLAMA_COMMIT=$(git -C "$SOURCE" rev-parse HEAD)

if [ ! -f "$BUILD/src/libllama.a" ]; then
    GENERATOR=()
    if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
    cmake -S "$SOURCE" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
        -DLLAMA_BUILD_APP=OFF
    cmake --build "$BUILD" --target llama -j "$JOBS"
fi

g++ -O2 -std=c++17 -I"$SOURCE/include" -I"$SOURCE/ggml/include" "$HERE/reference.cpp" \
    "$BUILD/src/libllama.a" "$BUILD/ggml/src/libggml.a" "$BUILD/ggml/src/libggml-cpu.a" "$BUILD/ggml/src/libggml-base.a" \
    -fopenmp -lpthread -ldl -o "$WORK/llamacpp-reference"

for model in stories260K.gguf gguf/stories260K-Q8_0.gguf gguf/stories260K-Q4_0.gguf gguf/stories260K-Q4_K_M.gguf; do
    name=$(basename "$model" .gguf)
    "$WORK/llamacpp-reference" "$MODELS/$model" "$GOLDEN/$name.logits.txt" "$GOLDEN/$name.greedy-100.ids"
    echo "wrote $GOLDEN/$name.*"
done

cat > "$GOLDEN/SOURCE.txt" <<INFO
Written by tools/llamacpp-reference/make-goldens.sh: llama.cpp $LLAMA_TAG (commit $LLAMA_COMMIT, from the npm
package node-llama-cpp@$PACKAGE_VERSION), CPU backend, 2 threads, K/V cache F32, flash attention off.
*.logits.txt: prompt [1, 403, 407, 261, 378] decoded as one batch; one line per position:
  position token logit[0] ... logit[511] (6 significant digits).
*.greedy-100.ids: 100 ids picked greedily (argmax) one after another from BOS (1), one decode per token.
random-dim256-*: written by tools/llamacpp-reference/make-kquant-goldens.sh from the same llama.cpp: a seeded random
  model (dim 256, ffn 768, 2 layers, 4 heads, 2 key/value heads, vocab 512) converted by llama-convert-llama2c-to-ggml
  and quantized by llama-quantize (*.gguf, committed), its logits and greedy ids as above, and *.dequantized.txt:
  ggml's to_float of every tensor, one line each: name type elements fnv1a64-of-the-float32-bits sum 16-samples.
random-dim256-pure-*: the same model quantized with --pure (every matrix Q4_0, Q4_1 or Q4_K) and a Q8_0 classifier
  and token embedding, for the WeightFormat.Q4 tests.
INFO
echo "llama.cpp $LLAMA_TAG $LLAMA_COMMIT"
