#!/usr/bin/env bash
# Package smoke test: what a newcomer does with the packages. Packs Codegen and Codegen.Gpu into a temporary folder
# feed, creates brand-new console projects outside the repository (so no project reference and no Directory.Build.props
# of this repository can reach them), adds the package with `dotnet add package Codegen`, declares stories260K as
# samples/TinyStories does, and checks that each tells the reference greedy story
# (../shared/models/stories260K/expected-greedy-200.txt) exactly:
#   - net10.0 (on the installed .NET 10),
#   - net8.0, self-contained (its own .NET 8 runtime from the runtime pack: it really runs on .NET 8),
#   - net10.0 published with NativeAOT (no trim/AOT warnings),
#   - and a project that references only Codegen.Gpu builds (the generator and the build files come through it).
# The consumers also declare a model from a config.json inside the project folder without listing it as
# AdditionalFiles: the package's buildTransitive targets add it (the net8.0 one lists it too: it must not be added twice).
# The packages get a version of their own (0.1.0-smoke.<time>.<pid>), so that restore cannot take a stale copy from
# the global packages folder; everything else restores from the usual sources. The copies are removed at exit.
# Packing uses its own artifacts folder, so the repository's bin/ and obj/ are not touched.
# Needs the .NET SDK; the NativeAOT step needs clang and zlib headers (installed with apt-get when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

models="$(cd ../shared/models && pwd)"
expected="$models/stories260K/expected-greedy-200.txt"

work="$(mktemp -d)"
suffix="smoke.$(date +%Y%m%d%H%M%S).$$"
prefix="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)"
version="$prefix-$suffix"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cleanup() {
  rm -rf "$work" "$packages/codegen/$version" "$packages/codegen.gpu/$version"
  rmdir "$packages/codegen" "$packages/codegen.gpu" 2> /dev/null || true
}
trap cleanup EXIT

echo "package-smoke: packing $version"
for project in runtime/Codegen.Runtime.csproj runtime/Gpu/Codegen.Runtime.Gpu.csproj; do
  dotnet pack "$project" -c Release -p:VersionSuffix="$suffix" --artifacts-path "$work/artifacts" -o "$work/feed" 2>&1 | tee -a "$work/pack.log"
done
if grep -E "warning NU5[0-9]{3}" "$work/pack.log"; then
  echo "package-smoke: FAILED: NuGet pack warnings above" >&2
  exit 1
fi
for package in "Codegen.$version.nupkg" "Codegen.Gpu.$version.nupkg"; do
  [ -f "$work/feed/$package" ] || { echo "package-smoke: FAILED: $package was not made" >&2; exit 1; }
done
contents="$(unzip -l "$work/feed/Codegen.$version.nupkg")"
for file in analyzers/dotnet/cs/Codegen.Generator.dll lib/net8.0/Codegen.Runtime.dll lib/net10.0/Codegen.Runtime.dll \
    buildTransitive/Codegen.props buildTransitive/Codegen.targets build/Codegen.props build/Codegen.targets README.md; do
  grep -q " $file\$" <<< "$contents" || { echo "package-smoke: FAILED: Codegen package lacks $file" >&2; exit 1; }
done

# The feed: the folder beside the usual sources (a nuget.config without <clear/> adds to the user's and machine's).
cat > "$work/nuget.config" << EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="codegen-local" value="$work/feed" />
  </packageSources>
</configuration>
EOF

# A brand-new console project named $1 for framework $2, with Codegen added from the feed; $3: the package to add.
new_consumer() {
  local name="$1" framework="$2" package="$3" dir="$work/$1"
  dotnet new console -o "$dir" -n "$name" > /dev/null
  sed -i "s|<TargetFramework>.*</TargetFramework>|<TargetFramework>$framework</TargetFramework>|" "$dir/$name.csproj"
  (cd "$dir" && dotnet add package "$package" --version "$version")
  # Outside the project folder, and a model folder of its own.
  mkdir -p "$dir/tiny"
  cp "$models/gpt2-tiny/config.json" "$dir/tiny/config.json"
  cat > "$dir/Models.cs" << 'EOF'
using Codegen;

// As samples/TinyStories declares it.
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
public partial class Stories260K { }

// Its shape from a Hugging Face config.json in the project folder, which the package adds to AdditionalFiles.
[TransformerModel(Config = "tiny/config.json", Context = 32)]
public partial class TinyGpt2 { }
EOF
  cat > "$dir/Program.cs" << 'EOF'
using System;
using System.IO;
using Codegen;
using Codegen.Generation;
using Codegen.Tokenizers;

// Tells the stories260K story at temperature 0, as llama2.c's 200 steps do: the folder is the first argument.
string folder = args.Length > 0 ? args[0] : "stories260K";
var model = Stories260K.Load(Path.Combine(folder, "stories260K.bin"));
var tokenizer = Llama2cTokenizer.Load(Path.Combine(folder, "tok512.bin"), Stories260K.Vocab);
using var session = model.CreateSession();
var options = new GenerationOptions { Temperature = 0, MaxNewTokens = 200, StopTokens = new[] { tokenizer.BosToken } };
int previous = Llama2cTokenizer.Bos;
foreach (int token in TextGeneration.Generate(session, new[] { Llama2cTokenizer.Bos }, options))
{
    Console.Write(tokenizer.Decode(previous, token));
    previous = token;
}

Console.Error.WriteLine($"[{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; TinyGpt2 from config.json: vocabulary {TinyGpt2.Vocab}]");
EOF
}

# Runs $@ and checks that its output is the reference story.
check_story() {
  local label="$1"
  shift
  "$@" "$models/stories260K" > "$work/story.txt"
  if ! cmp -s "$work/story.txt" "$expected"; then
    echo "package-smoke: FAILED ($label): the story differs from $expected:" >&2
    diff "$expected" "$work/story.txt" >&2 || true
    exit 1
  fi
  echo "package-smoke: $label tells the reference story"
}

# net10.0, framework-dependent.
new_consumer Consumer10 net10.0 Codegen
dotnet build "$work/Consumer10" -c Release 2>&1 | tee "$work/build10.log"
check_story "net10.0" dotnet "$work/Consumer10/bin/Release/net10.0/Consumer10.dll"

# net8.0, self-contained (only the .NET 10 runtime need be installed; this one runs on .NET 8). The config.json is
# also listed by hand, as a project that predates the package's targets would: it must stay one AdditionalFiles item.
new_consumer Consumer8 net8.0 Codegen
sed -i 's|</Project>|  <PropertyGroup><RuntimeIdentifier>linux-x64</RuntimeIdentifier><SelfContained>true</SelfContained></PropertyGroup>\n  <ItemGroup><AdditionalFiles Include="tiny/config.json" /></ItemGroup>\n</Project>|' "$work/Consumer8/Consumer8.csproj"
dotnet build "$work/Consumer8" -c Release 2>&1 | tee "$work/build8.log"
check_story "net8.0 (self-contained)" "$work/Consumer8/bin/Release/net8.0/linux-x64/Consumer8"
"$work/Consumer8/bin/Release/net8.0/linux-x64/Consumer8" "$models/stories260K" 2>&1 > /dev/null | grep -q "\.NET 8\." \
  || { echo "package-smoke: FAILED: the net8.0 consumer did not run on .NET 8" >&2; exit 1; }

# A project that references only Codegen.Gpu gets the generator (and with it the ILGPU session) through it.
new_consumer ConsumerGpu net10.0 Codegen.Gpu
cat >> "$work/ConsumerGpu/Program.cs" << 'EOF'
static class GpuCheck
{
    // Compiles only if the generator saw the GPU runtime and wrote the ILGPU session.
    public static IInferenceSession Open(Stories260K model, Codegen.Gpu.GpuDevice device) => model.CreateGpuSession(device);
}
EOF
dotnet build "$work/ConsumerGpu" -c Release 2>&1 | tee "$work/buildgpu.log"
check_story "net10.0 with Codegen.Gpu" dotnet "$work/ConsumerGpu/bin/Release/net10.0/ConsumerGpu.dll"

# NativeAOT: the CPU-only net10.0 consumer as a native executable, with no trim or AOT warnings.
source .ci/aot-linker.sh  # the working directory is the repository root (cd above)
linker="$(aot_linker package-smoke)"
dotnet publish "$work/Consumer10" -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker="$linker" \
  -o "$work/aot" 2>&1 | tee "$work/publish.log"
if grep -E "warning IL[23][0-9]{3}" "$work/publish.log"; then
  echo "package-smoke: FAILED: trim/AOT warnings above" >&2
  exit 1
fi
check_story "NativeAOT" "$work/aot/Consumer10"

# What goes wrong without the package's pieces, said by name. Without its config.json files (CodegenConfigFiles=false)
# the generator reports CG0019 on the Config argument. Without its analyzer the package's targets warn CGBUILD01 before
# the compiler reports that Load is not defined: the analyzer is removed here as a build can remove one (a target that
# takes it out of @(Analyzer); NuGet's ExcludeAssets="analyzers" does not remove package analyzers today, dotnet/sdk#1212).
if dotnet build "$work/Consumer10" -c Release -p:CodegenConfigFiles=false -o "$work/negative1" > "$work/negative1.log" 2>&1; then
  echo "package-smoke: FAILED: the consumer built without its config.json among the AdditionalFiles" >&2
  exit 1
fi
grep -q "error CG0019" "$work/negative1.log" || { cat "$work/negative1.log"; echo "package-smoke: FAILED: no CG0019 above" >&2; exit 1; }
mkdir "$work/NoGenerator"
cp "$work/Consumer10/Program.cs" "$work/Consumer10/Models.cs" "$work/NoGenerator/"
cp -r "$work/Consumer10/tiny" "$work/NoGenerator/"
sed 's|</Project>|  <Target Name="RemoveCodegenGenerator" AfterTargets="ResolvePackageDependenciesForBuild;ResolveNuGetPackageAssets">\n    <ItemGroup><Analyzer Remove="@(Analyzer->WithMetadataValue('"'"'NuGetPackageId'"'"', '"'"'Codegen'"'"'))" /></ItemGroup>\n  </Target>\n</Project>|' \
  "$work/Consumer10/Consumer10.csproj" > "$work/NoGenerator/NoGenerator.csproj"
grep -q 'RemoveCodegenGenerator' "$work/NoGenerator/NoGenerator.csproj" || { echo "package-smoke: FAILED: could not remove the analyzer" >&2; exit 1; }
if dotnet build "$work/NoGenerator" -c Release > "$work/negative2.log" 2>&1; then
  echo "package-smoke: FAILED: the consumer built without the generator" >&2
  exit 1
fi
grep -q "warning CGBUILD01" "$work/negative2.log" || { cat "$work/negative2.log"; echo "package-smoke: FAILED: no CGBUILD01 above" >&2; exit 1; }
echo "package-smoke: without the config.json files CG0019, without the generator CGBUILD01, as expected"

# Every build above: no warning from the package (its generator, its targets) and no NuGet warning.
if grep -hE "warning (CG|NU)[A-Z0-9]+" "$work"/build*.log "$work/publish.log"; then
  echo "package-smoke: FAILED: warnings above" >&2
  exit 1
fi
echo "package-smoke: passed ($version: net10.0, net8.0 self-contained, Codegen.Gpu, NativeAOT)"
