#!/usr/bin/env bash
# Benchmarks our generated models beside llama.cpp's llama-bench on the same GGUF files, in one sitting:
# builds the llama.cpp tools and the files if missing, then one process runs every row of
# benchmarks/LlamaCpp/BesideRows.cs (llama-bench, then ours, per shape and type) and the machine's read
# bandwidth before and after, and prints the markdown table (also written to $WORK/bench/beside-llamacpp.md).
#
# usage: tools/llamacpp-bench/run.sh [--rounds N]   (default 5; WORK=/tmp/llamacpp by default)
# Run it on an otherwise idle machine: both sides use every core.
set -euo pipefail

WORK=${WORK:-/tmp/llamacpp}
export WORK
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

"$HERE/build-tools.sh"
"$HERE/prepare-models.sh"
dotnet build -c Release "$REPO/benchmarks" >/dev/null
dotnet run -c Release --no-build --project "$REPO/benchmarks" -- --beside-llamacpp \
    --llama-bench "$WORK/build-native/bin/llama-bench" --models "$WORK/bench" "$@" | tee "$WORK/bench/beside-llamacpp.md"
