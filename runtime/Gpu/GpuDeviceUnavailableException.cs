using System;

namespace Codegen.Gpu;

/// <summary>The device asked for is not on this machine (or cannot run the generated kernels).</summary>
public sealed class GpuDeviceUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that says what was asked for and what was found.</summary>
    public GpuDeviceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that made the device unusable.</summary>
    public GpuDeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
