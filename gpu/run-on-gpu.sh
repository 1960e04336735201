#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and its driver: build, run the GPU tests on CUDA (the same tests CI runs
# on the ILGPU CPU accelerator: logits within 1e-4 of the CPU session's, identical greedy tokens), then time
# greedy decoding of stories260K with the sample on the GPU and on the CPU.
# Usage: gpu/run-on-gpu.sh [steps]   (steps: positions to decode, at most 512; default 512)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
steps="${1:-512}"

if ! command -v nvidia-smi > /dev/null || ! nvidia-smi -L; then
  echo "run-on-gpu: no NVIDIA GPU visible (nvidia-smi); this script is for a GPU machine" >&2
  exit 1
fi

dotnet build Codegen.sln -c Release

echo "== GPU tests on CUDA"
CODEGEN_GPU_TEST_DEVICE=cuda dotnet test tests/Codegen.Tests -c Release --no-build \
  --filter "FullyQualifiedName~Codegen.Tests.Gpu" --logger "console;verbosity=normal"

echo "== Decode benchmark: stories260K, greedy, $steps positions (tokens/s on stderr)"
for backend in gpu cpu; do
  echo "-- backend $backend"
  dotnet run -c Release --no-build --project samples/TinyStories -- --backend "$backend" --device cuda --steps "$steps" > /dev/null
done
