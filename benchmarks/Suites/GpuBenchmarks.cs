using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;
using Codegen.Gpu;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// The generated ILGPU kernels: decode and prefill of each shape on one GPU device, float32 weights
/// uploaded once. Meant for a machine with an NVIDIA GPU (gpu/run-on-gpu.sh runs it with
/// CODEGEN_GPU_DEVICE=cuda); elsewhere "auto" falls back to OpenCL or to ILGPU's CPU accelerator,
/// which is far slower than the CPU backend. CODEGEN_GPU_BENCHMARK_MODELS (comma-separated) picks a
/// subset of the shapes.
/// </summary>
[BenchmarkCategory("gpu")]
public class GpuBenchmarks : ModelBenchmarks
{
    private GpuDevice? device;

    public static IEnumerable<string> Models =>
        Environment.GetEnvironmentVariable("CODEGEN_GPU_BENCHMARK_MODELS") is { Length: > 0 } chosen
            ? chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["stories260K", "stories15M", "stories110M", "gpt2-small"];

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "";

    [Params("gpu")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        device = GpuDevice.Open(Preference());
        Console.WriteLine($"// GPU device: {device.Name} ({device.Kind})");
        return Model switch
        {
            "stories260K" => Stories260K.Load(RepositoryPaths.SharedModel("stories260K", "stories260K.bin")).CreateGpuSession(device),
            "stories15M" => Stories15M.Load(RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M)).CreateGpuSession(device),
            "stories110M" => Stories110M.Load(RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M)).CreateGpuSession(device),
            "gpt2-small" => Gpt2Small.Load(Path.Combine(RandomWeights.Gpt2Folder(Gpt2Shape.Gpt2Small), "model.safetensors")).CreateGpuSession(device),
            _ => throw new ArgumentException($"No GPU benchmark model named '{Model}'.", nameof(Model)),
        };
    }

    protected override void ReleaseResources()
    {
        device?.Dispose();
        device = null;
    }

    private static GpuDevicePreference Preference() => Environment.GetEnvironmentVariable("CODEGEN_GPU_DEVICE") switch
    {
        null or "" or "auto" => GpuDevicePreference.Auto,
        "cuda" => GpuDevicePreference.Cuda,
        "opencl" => GpuDevicePreference.OpenCL,
        "cpu" => GpuDevicePreference.CpuAccelerator,
        string other => throw new ArgumentException($"CODEGEN_GPU_DEVICE is '{other}'; use auto, cuda, opencl or cpu."),
    };
}
