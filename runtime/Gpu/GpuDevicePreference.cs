namespace Codegen.Gpu;

/// <summary>Which ILGPU device a <see cref="GpuDevice"/> should run on.</summary>
public enum GpuDevicePreference
{
    /// <summary>CUDA when an NVIDIA device is present, else an OpenCL device, else the ILGPU CPU accelerator.</summary>
    Auto = 0,

    /// <summary>The first NVIDIA device through CUDA; an error when there is none.</summary>
    Cuda = 1,

    /// <summary>The first OpenCL device ILGPU can run these kernels on; an error when there is none.</summary>
    OpenCL = 2,

    /// <summary>ILGPU's CPU accelerator: the kernels run on CPU threads that simulate a GPU (for tests and machines without one).</summary>
    CpuAccelerator = 3,
}

/// <summary>The kind of device a <see cref="GpuDevice"/> runs on.</summary>
public enum GpuDeviceKind
{
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 1,

    /// <summary>A GPU (or other device) through OpenCL.</summary>
    OpenCL = 2,

    /// <summary>ILGPU's CPU accelerator.</summary>
    CpuAccelerator = 3,
}
