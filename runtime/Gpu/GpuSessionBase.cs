using System;
using System.Collections.Generic;
using System.Threading;
using Codegen.Sessions;
using ILGPU;
using ILGPU.Runtime;

namespace Codegen.Gpu;

/// <summary>
/// The GPU side of every generated session: the device lock, copying the logits (or only the argmax) back,
/// the device buffers it owns and gives back on Dispose. The generated session allocates its buffers through
/// <see cref="Allocate"/> and overrides <see cref="Run"/>, the launches of one token's forward pass; the
/// checks and positions are <see cref="InferenceSessionBase"/>'s, as on the CPU.
/// </summary>
public abstract class GpuSessionBase : InferenceSessionBase
{
    private readonly GpuDevice device;
    private readonly List<MemoryBuffer1D<float, Stride1D.Dense>> buffers = new();
    private readonly MemoryBuffer1D<int, Stride1D.Dense> bestTokenBuffer;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, int> argMax;
    private readonly float[] hostLogits;
    private readonly int[] hostBestToken = new int[1];

    /// <param name="device">The device the session runs on; it must not be disposed.</param>
    /// <param name="vocabularySize">The model's Vocab: logits per token.</param>
    /// <param name="contextLength">The model's Context: the KV cache's length.</param>
    protected GpuSessionBase(GpuDevice device, int vocabularySize, int contextLength)
        : base(vocabularySize, contextLength)
    {
        ArgumentNullException.ThrowIfNull(device);
        device.ThrowIfDisposed();
        this.device = device;
        hostLogits = new float[vocabularySize];
        bestTokenBuffer = device.Allocate<int>(1);
        argMax = device.GetOrCreate(typeof(GpuArgMax), static d => d.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(GpuArgMax.Kernel));
    }

    /// <summary>The device the session runs on.</summary>
    public GpuDevice Device => device;

    /// <summary>The device vector the forward pass leaves the logits in.</summary>
    protected abstract ArrayView<float> Logits { get; }

    /// <summary>
    /// Runs the model like <see cref="InferenceSessionBase.Forward"/> and returns the most likely next token (the
    /// first on ties, as greedy sampling picks it), found on the device: one int comes back instead of the logits.
    /// </summary>
    public int ForwardArgMax(int token, int position)
    {
        BeginCall();
        try
        {
            CheckStep(token, position);
            lock (device.SyncRoot)
            {
                Run(token, position);
                argMax(new KernelConfig(1, device.GroupSize), Logits, bestTokenBuffer.View, VocabularySize);
                bestTokenBuffer.View.CopyToCPU(hostBestToken);
                device.Accelerator.DefaultStream.Synchronize();
            }

            Advance(position);
            return hostBestToken[0];
        }
        finally
        {
            EndCall();
        }
    }

    /// <inheritdoc/>
    protected sealed override ReadOnlySpan<float> ForwardStep(int token, int position)
    {
        lock (device.SyncRoot)
        {
            Run(token, position);
            // Only the logits come back to the host.
            Logits.CopyToCPU(hostLogits);
            device.Accelerator.DefaultStream.Synchronize();
        }

        return hostLogits;
    }

    /// <summary>
    /// The prompt token by token, all on the device; only the logits after the last one come back. Cancellation is
    /// seen between tokens (as they are queued).
    /// </summary>
    protected sealed override ReadOnlySpan<float> PrefillPrompt(ReadOnlySpan<int> tokens, int position, CancellationToken cancellationToken)
    {
        lock (device.SyncRoot)
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Run(tokens[i], position + i);
            }

            Logits.CopyToCPU(hostLogits);
            device.Accelerator.DefaultStream.Synchronize();
        }

        return hostLogits;
    }

    /// <inheritdoc/>
    protected override void ThrowIfDisposed()
    {
        base.ThrowIfDisposed();
        device.ThrowIfDisposed();
    }

    /// <summary>Gives the session's device memory (KV cache and intermediate vectors) back.</summary>
    protected override void Release()
    {
        lock (device.SyncRoot)
        {
            foreach (MemoryBuffer1D<float, Stride1D.Dense> buffer in buffers)
            {
                device.Free(buffer);
            }

            device.Free(bestTokenBuffer);
        }
    }

    /// <summary>Allocates a device vector of <paramref name="length"/> floats that the session owns and frees on Dispose.</summary>
    protected ArrayView<float> Allocate(long length)
    {
        MemoryBuffer1D<float, Stride1D.Dense> buffer = device.Allocate<float>(length);
        buffers.Add(buffer);
        return buffer.View;
    }

    /// <summary>A launch of groups of the device's group size, enough for <paramref name="items"/> items <paramref name="perGroup"/> to a group, at most the device's most (the kernels then take items in turns).</summary>
    protected KernelConfig LaunchFor(int items, int perGroup) =>
        new(Math.Min((items + perGroup - 1) / perGroup, device.MaxGroupsPerLaunch), device.GroupSize);

    /// <summary>Queues the whole forward pass for a checked <paramref name="token"/> at a checked <paramref name="position"/> on the device.</summary>
    protected abstract void Run(int token, int position);
}
