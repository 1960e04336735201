#!/usr/bin/env bash
# NativeAOT smoke test: a CPU-only consumer of the generated code publishes as a native executable with
# no trim or AOT warnings, and tells the stories260K story. samples/TinyStories leaves the GPU runtime
# (ILGPU, which compiles kernels from IL at run time) out when PublishAot is true; -p:CodegenNativeAot=true
# turns PublishAot on in the sample alone (as a global property it would also reach the netstandard2.0 generator).
# Needs the .NET SDK, clang (NativeAOT's linker driver) and zlib headers; installs the last two with
# apt-get when they are missing (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

source .ci/aot-linker.sh  # the working directory is the repository root (cd above)
linker="$(aot_linker aot-smoke)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Own artifacts folder, so the AOT restore (without the GPU runtime) never touches the normal obj/ folders.
dotnet publish samples/TinyStories -c Release -r linux-x64 \
  -p:CodegenNativeAot=true -p:CppCompilerAndLinker="$linker" \
  --artifacts-path "$work/artifacts" -o "$work/publish" 2>&1 | tee "$work/publish.log"

# Trim (IL2xxx) and AOT (IL3xxx) analysis warnings: there must be none.
if grep -E "warning IL[23][0-9]{3}" "$work/publish.log"; then
  echo "aot-smoke: FAILED: trim/AOT warnings above" >&2
  exit 1
fi

if grep -qi "ILGPU" "$work/publish.log" || ls "$work/publish" | grep -qi "ILGPU\|Codegen.Runtime.Gpu"; then
  echo "aot-smoke: FAILED: the native build pulled in the GPU runtime" >&2
  exit 1
fi

story="$("$work/publish/TinyStories" --steps 64)"
echo "$story"
case "$story" in
  "Once upon a time"*) echo "aot-smoke: passed (native binary $(du -h "$work/publish/TinyStories" | cut -f1), no trim/AOT warnings)" ;;
  *) echo "aot-smoke: FAILED: the story does not start with 'Once upon a time'" >&2; exit 1 ;;
esac
