using System;
using Codegen;
using Codegen.Gpu;
using Xunit;

namespace Codegen.Tests.Gpu;

/// <summary>The stories260K shape, for the GPU tests (the same checkpoint as the CPU end-to-end tests).</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
internal partial class GpuStories260K
{
}

/// <summary>stories260K with bf16 projection matrices: the GPU widens them to float32 on upload, exactly as the CPU kernels do.</summary>
[TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Weights = WeightFormat.BF16)]
internal partial class GpuStories260KBf16
{
}

/// <summary>Hugging Face tiny-random-gpt2: GPT-2 with 5 layers of width 32 and 4 heads, vocab 1000.</summary>
[TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512)]
internal partial class GpuGpt2Tiny
{
}

/// <summary>
/// What the GPU tests share: one device, opened once so that its kernels are compiled once, and the two
/// models, loaded once. The device is the ILGPU CPU accelerator (CI has no GPU) unless the environment
/// variable CODEGEN_GPU_TEST_DEVICE asks for auto, cuda or opencl (gpu/run-on-gpu.sh asks for cuda).
/// </summary>
public sealed class GpuFixture : IDisposable
{
    public const string DeviceVariable = "CODEGEN_GPU_TEST_DEVICE";

    public GpuFixture()
    {
        Device = GpuDevice.Open(Preference);
        Stories = GpuStories260K.Load(TestModels.Path("stories260K", "stories260K.bin"));
        Gpt2 = GpuGpt2Tiny.Load(TestModels.Path("gpt2-tiny", "model.safetensors"));
    }

    /// <summary>The device the tests run on, from <see cref="DeviceVariable"/>.</summary>
    public static GpuDevicePreference Preference => Environment.GetEnvironmentVariable(DeviceVariable)?.ToLowerInvariant() switch
    {
        null or "" or "cpu" => GpuDevicePreference.CpuAccelerator,
        "auto" => GpuDevicePreference.Auto,
        "cuda" => GpuDevicePreference.Cuda,
        "opencl" => GpuDevicePreference.OpenCL,
        string other => throw new InvalidOperationException($"{DeviceVariable} is '{other}'; use cpu, auto, cuda or opencl."),
    };

    public GpuDevice Device { get; }

    internal GpuStories260K Stories { get; }

    internal GpuGpt2Tiny Gpt2 { get; }

    public void Dispose() => Device.Dispose();
}

/// <summary>The GPU tests run one after another on the shared device.</summary>
[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
    public const string Name = "GPU";
}
