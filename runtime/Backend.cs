using System;

namespace Codegen;

/// <summary>
/// Where a generated model runs its forward pass. The CPU backend is always there; the GPU backend is
/// generated only when the consumer references Codegen.Runtime.Gpu (ILGPU), and the device it uses is
/// chosen there (see <c>Codegen.Gpu.GpuDevicePreference</c>).
/// </summary>
public enum Backend
{
    /// <summary>The generated SIMD kernels on the CPU, split over the worker pool.</summary>
    Cpu = 0,

    /// <summary>The generated ILGPU kernels: CUDA, else OpenCL, else the ILGPU CPU accelerator.</summary>
    Gpu = 1,
}

/// <summary>Reads and names <see cref="Backend"/> values the way command lines spell them ("cpu", "gpu").</summary>
public static class BackendNames
{
    /// <summary>Parses "cpu" or "gpu" (any case).</summary>
    /// <exception cref="ArgumentException">Any other text.</exception>
    public static Backend Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "cpu" => Backend.Cpu,
            "gpu" => Backend.Gpu,
            _ => throw new ArgumentException($"Unknown backend '{text}': choose cpu or gpu.", nameof(text)),
        };
    }

    /// <summary>The backend's command-line name: "cpu" or "gpu".</summary>
    public static string Name(Backend backend) => backend switch
    {
        Backend.Cpu => "cpu",
        Backend.Gpu => "gpu",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Choose Backend.Cpu or Backend.Gpu."),
    };
}
