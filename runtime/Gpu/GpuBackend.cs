using System;
using System.Collections.Generic;
using System.Threading;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Codegen.Gpu;

/// <summary>
/// Chooses and opens ILGPU devices: CUDA when an NVIDIA device is present, else OpenCL, else the ILGPU
/// CPU accelerator. A preference other than <see cref="GpuDevicePreference.Auto"/> gets exactly that
/// kind of device or a <see cref="GpuDeviceUnavailableException"/> that says what was found instead.
/// </summary>
public static class GpuBackend
{
    /// <summary>The name the CPU accelerator reports.</summary>
    public const string CpuAcceleratorName = "ILGPU CPU accelerator";

    // The CPU accelerator's simulated shape: every simulated thread is an OS thread, and every shuffle and
    // barrier a hand-off between them, so the smallest shape is by far the fastest: groups of one warp of two
    // threads, one group at a time. The kernels run the same code paths as on a GPU (warp shuffles, grid-stride
    // row loops); the tests also run a larger shape to cover groups of several warps.
    private const int CpuWarpSize = 2;
    private const int CpuWarpsPerGroup = 1;
    private const int CpuMultiprocessors = 1;

    private static readonly Lazy<GpuDevice> SharedDevice =
        new(() => Open(GpuDevicePreference.Auto, isProcessWide: true), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// A process-wide device chosen with <see cref="GpuDevicePreference.Auto"/>, opened on first use and kept
    /// for the life of the process (its <see cref="GpuDevice.Dispose"/> does nothing). What
    /// <c>CreateSession(Backend.Gpu)</c> of a generated model runs on.
    /// </summary>
    public static GpuDevice Shared => SharedDevice.Value;

    /// <summary>Opens the device <paramref name="preference"/> asks for; the caller disposes it.</summary>
    /// <exception cref="GpuDeviceUnavailableException">The preferred kind of device is not on this machine.</exception>
    public static GpuDevice Open(GpuDevicePreference preference = GpuDevicePreference.Auto) => Open(preference, isProcessWide: false);

    private static GpuDevice Open(GpuDevicePreference preference, bool isProcessWide)
    {
        var notes = new List<string>();
        switch (preference)
        {
            case GpuDevicePreference.Auto:
                return TryOpenCuda(notes, isProcessWide) ?? TryOpenOpenCL(notes, isProcessWide) ?? OpenCpuAccelerator(isProcessWide);
            case GpuDevicePreference.Cuda:
                return TryOpenCuda(notes, isProcessWide) ?? throw Unavailable("CUDA", notes);
            case GpuDevicePreference.OpenCL:
                return TryOpenOpenCL(notes, isProcessWide) ?? throw Unavailable("OpenCL", notes);
            case GpuDevicePreference.CpuAccelerator:
                return OpenCpuAccelerator(isProcessWide);
            default:
                throw new ArgumentOutOfRangeException(nameof(preference), preference, "Choose Auto, Cuda, OpenCL or CpuAccelerator.");
        }
    }

    private static GpuDeviceUnavailableException Unavailable(string kind, List<string> notes) =>
        new($"No usable {kind} device on this machine: {string.Join("; ", notes)}. Use GpuDevicePreference.Auto to fall back to another device, or GpuDevicePreference.CpuAccelerator to run on the CPU.");

    private static GpuDevice? TryOpenCuda(List<string> notes, bool isProcessWide)
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.Cuda());
            Context.DeviceCollection<CudaDevice> devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                notes.Add("CUDA found no NVIDIA device (or no CUDA driver)");
                context.Dispose();
                return null;
            }

            Accelerator accelerator = devices[0].CreateAccelerator(context);
            return new GpuDevice(context, accelerator, GpuDeviceKind.Cuda, $"CUDA: {accelerator.Name}", isProcessWide);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            notes.Add($"CUDA failed: {e.Message}");
            context?.Dispose();
            return null;
        }
    }

    private static GpuDevice? TryOpenOpenCL(List<string> notes, bool isProcessWide)
    {
        Context? context = null;
        try
        {
            context = Context.Create(builder => builder.OpenCL());
            Context.DeviceCollection<CLDevice> devices = context.GetCLDevices();
            if (devices.Count == 0)
            {
                notes.Add("OpenCL found no device (or no OpenCL driver)");
                context.Dispose();
                return null;
            }

            // GPUs before other OpenCL devices; the kernels need sub-groups (warp shuffles).
            var candidates = new List<CLDevice>();
            foreach (CLDevice device in devices)
            {
                if (device.DeviceType == CLDeviceType.CL_DEVICE_TYPE_GPU)
                {
                    candidates.Add(device);
                }
            }

            foreach (CLDevice device in devices)
            {
                if (device.DeviceType != CLDeviceType.CL_DEVICE_TYPE_GPU)
                {
                    candidates.Add(device);
                }
            }

            foreach (CLDevice device in candidates)
            {
                CLAccelerator? accelerator = null;
                try
                {
                    accelerator = device.CreateCLAccelerator(context);
                    if (!accelerator.Capabilities.SubGroups)
                    {
                        notes.Add($"OpenCL device {device.Name} lacks sub-groups (warp shuffles), which the kernels use");
                        accelerator.Dispose();
                        continue;
                    }

                    return new GpuDevice(context, accelerator, GpuDeviceKind.OpenCL, $"OpenCL: {accelerator.Name}", isProcessWide);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    notes.Add($"OpenCL device {device.Name} failed: {e.Message}");
                    accelerator?.Dispose();
                }
            }

            context.Dispose();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            notes.Add($"OpenCL failed: {e.Message}");
            context?.Dispose();
            return null;
        }
    }

    private static GpuDevice OpenCpuAccelerator(bool isProcessWide) =>
        OpenCpuAccelerator(CpuWarpSize, CpuWarpsPerGroup, CpuMultiprocessors, isProcessWide);

    /// <summary>The CPU accelerator with a given simulated shape (for measurements).</summary>
    internal static GpuDevice OpenCpuAccelerator(int warpSize, int warpsPerGroup, int multiprocessors, bool isProcessWide = false)
    {
        var device = new CPUDevice(warpSize, warpsPerGroup, multiprocessors);
        Context context = Context.Create(builder => builder.CPU(device));
        try
        {
            Accelerator accelerator = device.CreateCPUAccelerator(context);
            return new GpuDevice(context, accelerator, GpuDeviceKind.CpuAccelerator, CpuAcceleratorName, isProcessWide);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }
}
