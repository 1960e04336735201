#!/usr/bin/env bash
# Writes the GGUF files that tools/llamacpp-bench/run.sh measures, into $WORK/bench:
#   <shape>-seed<seed>-{F32,Q8_0,Q4_0,Q4_K_M}.gguf for the 15M and 110M TinyStories shapes,
# from the SAME seeded random llama2.c checkpoints the cpu benchmarks load (the benchmark project writes them,
# --random-checkpoints), converted by llama.cpp's llama-convert-llama2c-to-ggml and quantized by llama-quantize.
# Each file is skipped when it is there.
#
# Two details of the converter: it needs a GGUF to copy the vocabulary from (the shapes have Llama 2's 32000
# tokens; ../shared/models/gguf-tiny-random carries them), and it writes llama.context_length = 128 whatever the
# checkpoint says. Our loader refuses a file shorter than the declared Context, so every output file, F32 too
# (llama-quantize to F32 is a copy), gets the shape's context through --override-kv.
#
# usage: tools/llamacpp-bench/prepare-models.sh   (after build-tools.sh; WORK=/tmp/llamacpp by default)
set -euo pipefail

WORK=${WORK:-/tmp/llamacpp}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN="$WORK/build-native/bin"
OUT="$WORK/bench"
VOCAB="$REPO/../shared/models/gguf-tiny-random/llama-2-tiny-random.gguf"
TYPES=(F32 Q8_0 Q4_0 Q4_K_M)

mkdir -p "$OUT"
declare -A CONTEXT=([stories15M]=256 [stories110M]=1024)

# "name path" a line: the checkpoints, written first if missing (into CODEGEN_BENCHMARK_DATA or the temp folder).
dotnet run -c Release --project "$REPO/benchmarks" -- --random-checkpoints | while read -r name checkpoint; do
    base="$OUT/$(basename "$checkpoint" .bin)"
    converted="$base-converted.gguf"
    if [ ! -f "$converted" ]; then
        "$BIN/llama-convert-llama2c-to-ggml" --copy-vocab-from-model "$VOCAB" \
            --llama2c-model "$checkpoint" --llama2c-output-model "$converted.partial"
        mv "$converted.partial" "$converted"
    fi
    for type in "${TYPES[@]}"; do
        file="$base-$type.gguf"
        if [ ! -f "$file" ]; then
            "$BIN/llama-quantize" --override-kv "llama.context_length=int:${CONTEXT[$name]}" \
                "$converted" "$file.partial" "$type"
            mv "$file.partial" "$file"
        fi
    done
    echo "$name: $(cd "$OUT" && ls "$(basename "$base")"-*.gguf | tr '\n' ' ')"
done
