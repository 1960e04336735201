#!/usr/bin/env bash
# The whole GPU run, on a machine with an NVIDIA GPU and its driver, in one command:
#  1. build everything;
#  2. the GPU tests on CUDA (the same tests CI runs on the ILGPU CPU accelerator: logits within 1e-4
#     of the CPU session's, identical greedy tokens);
#  3. the sample on both backends (the same story, and each backend's decode speed);
#  4. the GPU benchmarks (BenchmarkDotNet, category "gpu"): decode and prefill of stories260K, the 15M
#     and 110M TinyStories shapes and GPT-2 small on ILGPU CUDA. Results land in
#     BenchmarkDotNet.Artifacts/results; copy the table into benchmarks/RESULTS.md with the device name.
# Usage: gpu/run-on-gpu.sh [steps]   (steps: positions the sample decodes, at most 512; default 512)
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

echo "== The sample on both backends: stories260K, greedy, $steps positions (tokens/s on stderr)"
gpu_story="$(dotnet run -c Release --no-build --project samples/TinyStories -- --backend gpu --device cuda --steps "$steps")"
cpu_story="$(dotnet run -c Release --no-build --project samples/TinyStories -- --backend cpu --steps "$steps")"
echo "$gpu_story"
if [ "$gpu_story" != "$cpu_story" ]; then
  echo "run-on-gpu: FAILED: the GPU and CPU backends told different stories" >&2
  exit 1
fi
echo "-- the same story on both backends"

echo "== GPU benchmarks on CUDA"
CODEGEN_GPU_DEVICE=cuda dotnet run -c Release --project benchmarks -- --anyCategories gpu --filter '*'
