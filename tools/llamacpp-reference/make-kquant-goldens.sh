#!/usr/bin/env bash
# Writes the random-dim256 files of tests/Codegen.Tests/Golden/llamacpp/: a seeded random Llama model of a shape
# no other test uses (dim 256, ffn 768, 2 layers, 4 query heads of 64, 2 key/value heads, vocabulary 512, a
# separate classifier), quantized by llama.cpp's own llama-quantize to Q4_1, Q5_1, Q2_K, Q3_K_M, Q4_K_S, Q5_K_M and
# Q6_K, and llama.cpp's logits and greedy ids for each; and all-4-bit Q4_0, Q4_1 and Q4_K files (step 8). Every row is a multiple of 256 wide, so the k-quant
# presets really store k-quant blocks (llama-quantize falls back to other types for rows that are not).
# The quantized GGUF files (0.7 to 1.5 MB each) are committed beside the goldens so that the tests need
# nothing untracked; the float32 checkpoint and F32 GGUF (7 MB each) stay in $WORK.
#
# What it does (each step is skipped when its result is already there):
#   1. make-goldens.sh, when its llama.cpp source, library or reference program is missing (it also rewrites the
#      stories260K goldens, which come out the same);
#   2. cmake + build of llama-quantize and llama-convert-llama2c-to-ggml (CPU, Release, no native tuning) into
#      $WORK/build-tools, unless $TOOLS already holds both;
#   3. make-random-llama2c.py (standard library only, seed 14): the llama2.c checkpoint random-dim256.bin;
#   4. llama-convert-llama2c-to-ggml with the vocabulary of shared/models/stories260K/tok512.bin: random-dim256-F32.gguf;
#   5. llama-quantize to each type (its default mixture for the preset, no importance matrix);
#   6. the reference program on each quantized file (logits and greedy ids), and dequantize-reference.cpp (ours,
#      beside this script, built against the same ggml library as the reference program): llama.cpp's own
#      dequantization of every tensor, as a hash of all the float32 bits and 16 sample values a tensor;
#   7. llama-quantize --allow-requantize to F32 (the quantized file's weights dequantized, stored as float32,
#      7 MB, kept in $WORK) and the reference program on that: *-as-F32.logits.txt and .greedy-100.ids, llama.cpp's
#      numbers for the same weights without its 8-bit rounding of the activations;
#   8. llama-quantize --pure to Q4_0, Q4_1 and Q4_K with a Q8_0 classifier and token embedding (1.2 MB each, committed),
#      and the reference program on each.
#
# usage: tools/llamacpp-reference/make-kquant-goldens.sh   (JOBS=2, WORK=/tmp/llamacpp, TOOLS=$WORK/build-tools/bin)
set -euo pipefail

JOBS=${JOBS:-2}
WORK=${WORK:-/tmp/llamacpp}
TOOLS=${TOOLS:-$WORK/build-tools/bin}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODELS=$(cd "$REPO/../shared/models/stories260K" && pwd)
GOLDEN="$REPO/tests/Codegen.Tests/Golden/llamacpp"
SOURCE="$WORK/src"
NAME=random-dim256
TYPES=(Q4_1 Q5_1 Q2_K Q3_K_M Q4_K_S Q5_K_M Q6_K)
PURE_TYPES=(Q4_0 Q4_1 Q4_K)

if [ ! -x "$WORK/llamacpp-reference" ] || [ ! -d "$SOURCE/.git" ]; then
    WORK="$WORK" JOBS="$JOBS" "$HERE/make-goldens.sh"
fi

if [ ! -x "$TOOLS/llama-quantize" ] || [ ! -x "$TOOLS/llama-convert-llama2c-to-ggml" ]; then
    TOOLS="$WORK/build-tools/bin"
    GENERATOR=()
    if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi
    cmake -S "$SOURCE" -B "$WORK/build-tools" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=ON \
        -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF
    cmake --build "$WORK/build-tools" --target llama-quantize llama-convert-llama2c-to-ggml -j "$JOBS"
fi

BUILD="$SOURCE/build"
if [ ! -x "$WORK/dequantize-reference" ] || [ "$HERE/dequantize-reference.cpp" -nt "$WORK/dequantize-reference" ]; then
    g++ -O2 -std=c++17 -I"$SOURCE/include" -I"$SOURCE/ggml/include" "$HERE/dequantize-reference.cpp" \
        "$BUILD/ggml/src/libggml.a" "$BUILD/ggml/src/libggml-cpu.a" "$BUILD/ggml/src/libggml-base.a" \
        -fopenmp -lpthread -ldl -o "$WORK/dequantize-reference"
fi

mkdir -p "$WORK/$NAME" "$GOLDEN"
cd "$WORK/$NAME"
if [ ! -f "$NAME.bin" ]; then
    python3 "$HERE/make-random-llama2c.py" "$NAME.bin" 14
fi
if [ ! -f "$NAME-F32.gguf" ]; then
    "$TOOLS/llama-convert-llama2c-to-ggml" --copy-vocab-from-model "$MODELS/tok512.bin" \
        --llama2c-model "$NAME.bin" --llama2c-output-model "$NAME-F32.gguf" > convert.log 2>&1
fi
for type in "${TYPES[@]}"; do
    model="$GOLDEN/$NAME-$type.gguf"
    if [ ! -f "$model" ]; then
        "$TOOLS/llama-quantize" "$NAME-F32.gguf" "$model" "$type" > "quantize-$type.log" 2>&1
    fi
    "$WORK/llamacpp-reference" "$model" "$GOLDEN/$NAME-$type.logits.txt" "$GOLDEN/$NAME-$type.greedy-100.ids"
    "$WORK/dequantize-reference" "$model" "$GOLDEN/$NAME-$type.dequantized.txt"
    if [ ! -f "$NAME-$type-as-F32.gguf" ]; then
        "$TOOLS/llama-quantize" --allow-requantize "$model" "$NAME-$type-as-F32.gguf" F32 > "requantize-$type.log" 2>&1
    fi
    "$WORK/llamacpp-reference" "$NAME-$type-as-F32.gguf" "$GOLDEN/$NAME-$type-as-F32.logits.txt" "$GOLDEN/$NAME-$type-as-F32.greedy-100.ids"
    echo "wrote $GOLDEN/$NAME-$type.*"
done

# All-4-bit files for WeightFormat.Q4 (LlamaCppFourBitGoldenTests): every matrix in the one type (--pure), the
# classifier and token embedding Q8_0, the way a Q4 declaration stores them, so that nothing is requantized.
for type in "${PURE_TYPES[@]}"; do
    model="$GOLDEN/$NAME-pure-$type.gguf"
    if [ ! -f "$model" ]; then
        "$TOOLS/llama-quantize" --pure --output-tensor-type q8_0 --token-embedding-type q8_0 "$NAME-F32.gguf" "$model" "$type" > "quantize-pure-$type.log" 2>&1
    fi
    "$WORK/llamacpp-reference" "$model" "$GOLDEN/$NAME-pure-$type.logits.txt" "$GOLDEN/$NAME-pure-$type.greedy-100.ids"
    echo "wrote $GOLDEN/$NAME-pure-$type.*"
done
