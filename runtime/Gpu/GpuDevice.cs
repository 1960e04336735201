using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using ILGPU;
using ILGPU.Runtime;

namespace Codegen.Gpu;

/// <summary>
/// One ILGPU device, opened once and shared by every model and session that runs on it: the ILGPU
/// context and accelerator, the weights uploaded to it (each tensor once, whatever number of sessions
/// use it) and the kernels loaded on it. Disposing the device releases all of its memory; sessions
/// created on it must not be used afterwards.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    /// <summary>Most threads a generated kernel is ever launched with per group; shared scratch arrays are sized for it.</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>Most warps per group: the size of the shared array that group reductions combine warp sums in.</summary>
    public const int MaxWarpsPerGroup = 32;

    /// <summary>Warps per group the generated kernels ask for (fewer where the device allows fewer threads).</summary>
    public const int PreferredWarpsPerGroup = 8;

    private readonly Context context;
    private readonly object cacheGate = new();
    private readonly ConditionalWeakTable<object, MemoryBuffer1D<float, Stride1D.Dense>> uploads = new();
    private readonly ConditionalWeakTable<object, Dictionary<Type, object>> residents = new();
    private readonly List<IDisposable> owned = new();
    private readonly bool isProcessWide;
    private long allocatedBytes;
    private bool disposed;

    internal GpuDevice(Context context, Accelerator accelerator, GpuDeviceKind kind, string name, bool isProcessWide = false)
    {
        this.context = context;
        Accelerator = accelerator;
        Kind = kind;
        Name = name;
        this.isProcessWide = isProcessWide;
        WarpSize = accelerator.WarpSize;
        int warps = Math.Clamp(accelerator.MaxNumThreadsPerGroup / WarpSize, 1, PreferredWarpsPerGroup);
        GroupSize = Math.Min(warps * WarpSize, MaxGroupSize);
        MaxGroupsPerLaunch = kind == GpuDeviceKind.CpuAccelerator ? Math.Max(1, accelerator.NumMultiprocessors) : int.MaxValue;
        if (GroupSize / WarpSize > MaxWarpsPerGroup || GroupSize % WarpSize != 0)
        {
            throw new GpuDeviceUnavailableException(
                $"{name} has warps of {WarpSize} threads and at most {accelerator.MaxNumThreadsPerGroup} threads per group; the generated kernels need groups of whole warps, at most {MaxWarpsPerGroup} of them.");
        }
    }

    /// <summary>
    /// Opens a device: CUDA when an NVIDIA device is present, else OpenCL, else the ILGPU CPU
    /// accelerator (for <see cref="GpuDevicePreference.Auto"/>), or exactly the kind asked for.
    /// </summary>
    /// <exception cref="GpuDeviceUnavailableException">The preferred kind of device is not on this machine.</exception>
    public static GpuDevice Open(GpuDevicePreference preference = GpuDevicePreference.Auto) => GpuBackend.Open(preference);

    /// <summary>The ILGPU accelerator: generated sessions launch their kernels and keep their buffers on it.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>What the device is, for example "CUDA: NVIDIA H100 80GB HBM3" or "ILGPU CPU accelerator".</summary>
    public string Name { get; }

    /// <summary>How the device is reached: CUDA, OpenCL or the ILGPU CPU accelerator.</summary>
    public GpuDeviceKind Kind { get; }

    /// <summary>Threads per warp on this device (32 on NVIDIA GPUs).</summary>
    public int WarpSize { get; }

    /// <summary>Threads per group the generated kernels are launched with: whole warps, at most <see cref="MaxGroupSize"/>.</summary>
    public int GroupSize { get; }

    /// <summary>
    /// Most groups worth launching at once: unlimited on a GPU (one row per warp); on the CPU accelerator one per
    /// simulated multiprocessor, since its groups run one after another and each would redo the fused norm.
    /// Kernels take their rows in turns when a launch has fewer warps than rows.
    /// </summary>
    public int MaxGroupsPerLaunch { get; }

    /// <summary>Warps per group: the rows (or row pairs) one group of a projection kernel computes at a time.</summary>
    public int WarpsPerGroup => GroupSize / WarpSize;

    /// <summary>Whether <see cref="Dispose"/> has released the device.</summary>
    public bool IsDisposed => disposed;

    /// <summary>
    /// Taken by a session for the whole of one forward pass, so that sessions of several threads on one
    /// device take turns on its stream.
    /// </summary>
    public object SyncRoot { get; } = new();

    /// <summary>
    /// The tensor's values on the device, uploaded on first use and kept until the device is disposed;
    /// every later call for the same tensor (the same object) returns the same buffer.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(WeightTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return UploadOnce(tensor, tensor.Values);
    }

    /// <summary>
    /// A bf16 projection matrix on the device as float32 (each bf16 value widened exactly, as the CPU kernels
    /// widen it), uploaded on first use and kept until the device is disposed.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(Bf16Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        lock (cacheGate)
        {
            if (uploads.TryGetValue(matrix, out MemoryBuffer1D<float, Stride1D.Dense>? existing))
            {
                return existing;
            }
        }

        ReadOnlySpan<ushort> bits = matrix.Values;
        float[] widened = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            widened[i] = Bf16Matrix.ToFloat32(bits[i]);
        }

        return UploadOnce(matrix, widened);
    }

    /// <summary>
    /// A Q8 projection matrix on the device as float32 (each quant times its block's scale), uploaded on first
    /// use and kept until the device is disposed. The GPU kernels then multiply by the float input, where the
    /// CPU kernels quantize the input too, so Q8 logits agree with the CPU's to the input's quantization error.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(Q8Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return UploadDequantized(matrix, matrix.Rows, matrix.Columns, matrix.Dequantize);
    }

    /// <summary>
    /// A Q4 projection matrix on the device as float32 (each quant times its block's scale plus its offset),
    /// uploaded on first use and kept until the device is disposed; as for <see cref="Upload(Q8Matrix)"/>, the
    /// GPU multiplies by the float input, the CPU by an 8-bit quantized one.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(Q4Matrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return UploadDequantized(matrix, matrix.Rows, matrix.Columns, matrix.Dequantize);
    }

    private MemoryBuffer1D<float, Stride1D.Dense> UploadDequantized(object matrix, int rows, int columns, Func<int, int, float> dequantize)
    {
        lock (cacheGate)
        {
            if (uploads.TryGetValue(matrix, out MemoryBuffer1D<float, Stride1D.Dense>? existing))
            {
                return existing;
            }
        }

        float[] values = new float[(long)rows * columns];
        for (int row = 0; row < rows; row++)
        {
            for (int column = 0; column < columns; column++)
            {
                values[((long)row * columns) + column] = dequantize(row, column);
            }
        }

        return UploadOnce(matrix, values);
    }

    /// <summary>
    /// An immutable table (for example the rotary cos/sin table of a model) on the device, uploaded on first
    /// use and kept until the device is disposed. The array must not change afterwards.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return UploadOnce(table, table);
    }

    /// <summary>Bytes of device memory held now: uploaded weights and tables, and the buffers of live sessions.</summary>
    public long AllocatedBytes => Interlocked.Read(ref allocatedBytes);

    /// <summary>
    /// A zeroed buffer of <paramref name="length"/> values (at least one) for the caller, who gives it back
    /// with <see cref="Free"/>.
    /// </summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length)
        where T : unmanaged
    {
        ThrowIfDisposed();
        MemoryBuffer1D<T, Stride1D.Dense> buffer = Accelerator.Allocate1D<T>(Math.Max(length, 1));
        buffer.MemSetToZero();
        Interlocked.Add(ref allocatedBytes, buffer.LengthInBytes);
        return buffer;
    }

    /// <summary>
    /// Releases a buffer made by <see cref="Allocate"/>. Safe after the device is disposed (which has
    /// released it already) and for a buffer freed before.
    /// </summary>
    public void Free<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (cacheGate)
        {
            if (disposed || buffer.IsDisposed)
            {
                return;
            }

            Interlocked.Add(ref allocatedBytes, -buffer.LengthInBytes);
            buffer.Dispose();
        }
    }

    /// <summary>
    /// What <paramref name="create"/> makes for <paramref name="owner"/> on this device, made once and kept
    /// until the device is disposed (disposed with it when it is <see cref="IDisposable"/>). Generated
    /// code keeps a model's uploaded weights here (owner: the model) and its loaded kernels (owner: the
    /// model's type), so that every session of that model on this device shares them.
    /// </summary>
    public T GetOrCreate<T>(object owner, Func<GpuDevice, T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(create);
        lock (cacheGate)
        {
            ThrowIfDisposed();
            Dictionary<Type, object> byType = residents.GetValue(owner, static _ => new Dictionary<Type, object>());
            if (byType.TryGetValue(typeof(T), out object? existing))
            {
                return (T)existing;
            }

            T created = create(this) ?? throw new InvalidOperationException($"The factory for {typeof(T).Name} returned null.");
            byType.Add(typeof(T), created);
            if (created is IDisposable disposable)
            {
                owned.Add(disposable);
            }

            return created;
        }
    }

    /// <summary>Waits until every kernel and copy queued on the device has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        Accelerator.Synchronize();
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the device is disposed.</summary>
    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>
    /// Releases every buffer uploaded to the device, everything kept with <see cref="GetOrCreate"/>, the
    /// accelerator and the ILGPU context. Calling it again does nothing. The process-wide
    /// <see cref="GpuBackend.Shared"/> device ignores it: it lives as long as the process.
    /// </summary>
    public void Dispose()
    {
        if (isProcessWide)
        {
            return;
        }

        lock (cacheGate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            Accelerator.Synchronize();
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }

            owned.Clear();
            residents.Clear();
            uploads.Clear();
            Interlocked.Exchange(ref allocatedBytes, 0);
        }

        Accelerator.Dispose();
        context.Dispose();
    }

    /// <summary>The device's name, for example "CUDA: NVIDIA H100 80GB HBM3".</summary>
    public override string ToString() => Name;

    private MemoryBuffer1D<float, Stride1D.Dense> UploadOnce(object key, ReadOnlySpan<float> values)
    {
        lock (cacheGate)
        {
            ThrowIfDisposed();
            if (uploads.TryGetValue(key, out MemoryBuffer1D<float, Stride1D.Dense>? existing))
            {
                return existing;
            }

            MemoryBuffer1D<float, Stride1D.Dense> buffer = Accelerator.Allocate1D<float>(Math.Max(values.Length, 1));
            if (values.Length > 0)
            {
                buffer.View.SubView(0, values.Length).CopyFromCPU(ref MemoryMarshal.GetReference(values), values.Length);
            }

            uploads.Add(key, buffer);
            owned.Add(buffer);
            Interlocked.Add(ref allocatedBytes, buffer.LengthInBytes);
            return buffer;
        }
    }
}
