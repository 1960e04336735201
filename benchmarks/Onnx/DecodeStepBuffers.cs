using System;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// The memory an <see cref="OnnxDecoderSession"/> hands to ONNX Runtime, allocated once and pinned
/// (on the pinned object heap, so addresses never move): the key and value caches
/// [Context, Layers, KvHeads, HeadDim], position-major so that positions 0..P-1 are one block,
/// the token ids of a call and the logits. The views are tensors over this memory, not copies.
/// </summary>
internal sealed class DecodeStepBuffers
{
    private readonly float[] keys;
    private readonly float[] values;
    private readonly float[] logits;

    public DecodeStepBuffers(int context, int layers, int kvHeads, int headDim, int vocabulary)
    {
        if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || vocabulary <= 0)
        {
            throw new ArgumentException(
                $"The graph's shapes are not fixed: past_keys [?, {layers}, {kvHeads}, {headDim}], logits [{vocabulary}].");
        }

        Context = context;
        Vocabulary = vocabulary;
        Layers = layers;
        KvHeads = kvHeads;
        HeadDim = headDim;
        PositionFloats = (long)layers * kvHeads * headDim;
        keys = GC.AllocateArray<float>(checked((int)(context * PositionFloats)), pinned: true);
        values = GC.AllocateArray<float>(keys.Length, pinned: true);
        logits = GC.AllocateArray<float>(vocabulary, pinned: true);
        Tokens = GC.AllocateArray<long>(context, pinned: true);
    }

    public int Context { get; }

    public int Vocabulary { get; }

    public int Layers { get; }

    public int KvHeads { get; }

    public int HeadDim { get; }

    /// <summary>Floats one position takes in a cache: Layers * KvHeads * HeadDim.</summary>
    public long PositionFloats { get; }

    /// <summary>Token ids of the current call (int64, as the graph takes them).</summary>
    public long[] Tokens { get; }

    /// <summary>The logits of the last call.</summary>
    public ReadOnlySpan<float> Logits => logits;

    /// <summary><c>tokens</c>: the first <paramref name="count"/> ids.</summary>
    public OrtValue TokensView(int count) =>
        View(Tokens, 0, count, TensorElementType.Int64, sizeof(long), [count]);

    /// <summary>The key cache at positions <paramref name="start"/>..start+count-1, as [count, Layers, KvHeads, HeadDim].</summary>
    public OrtValue KeysView(int start, int count) => CacheView(keys, start, count);

    /// <summary>The value cache at positions <paramref name="start"/>..start+count-1, as [count, Layers, KvHeads, HeadDim].</summary>
    public OrtValue ValuesView(int start, int count) => CacheView(values, start, count);

    /// <summary><c>logits</c>: [Vocab].</summary>
    public OrtValue LogitsView() => View(logits, 0, logits.Length, TensorElementType.Float, sizeof(float), [logits.Length]);

    private OrtValue CacheView(float[] cache, int start, int count) =>
        View(cache, start * PositionFloats, count * PositionFloats, TensorElementType.Float, sizeof(float),
            [count, Layers, KvHeads, HeadDim]);

    /// <summary>
    /// A tensor over <paramref name="count"/> elements of a pinned array from <paramref name="start"/>.
    /// Every view starts inside the array (the past starts at position 0, new positions are below
    /// Context), so even an empty past is a real address, never null.
    /// </summary>
    private static OrtValue View<T>(T[] pinned, long start, long count, TensorElementType type, int elementBytes, long[] shape)
        where T : unmanaged
    {
        IntPtr address = Marshal.UnsafeAddrOfPinnedArrayElement(pinned, checked((int)start));
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, shape, address, count * elementBytes);
    }
}
