namespace Codegen.Kernels;

/// <summary>
/// The sizes of one model, known when the model is compiled. Generated code declares one
/// <c>readonly struct Shape : IModelShape</c> per model whose members return its constants
/// (<c>public static int DModel => 64;</c>), and passes it as the type argument of the sized
/// kernels (<see cref="F32Products"/>, <see cref="CpuAttention"/>, <see cref="Norms"/>, ...). The JIT
/// compiles a generic method once per struct type argument, never shared, and inlines these members
/// to constants there, so every loop bound and every branch on a size folds as it would in code
/// written out for that model.
/// </summary>
public interface IModelShape
{
    /// <summary>Width of the residual stream: every token is a vector of this many values.</summary>
    static abstract int DModel { get; }

    /// <summary>Number of query heads.</summary>
    static abstract int Heads { get; }

    /// <summary>Number of key/value heads.</summary>
    static abstract int KvHeads { get; }

    /// <summary>Size of one head: DModel / Heads.</summary>
    static abstract int HeadDim { get; }

    /// <summary>Width of the keys (and values) of one position: KvHeads * HeadDim.</summary>
    static abstract int KvDim { get; }

    /// <summary>Query heads that share one key/value head: Heads / KvHeads.</summary>
    static abstract int QueriesPerKvHead { get; }

    /// <summary>Hidden size of the MLP.</summary>
    static abstract int FfnDim { get; }

    /// <summary>Number of tokens in the vocabulary: one logit each.</summary>
    static abstract int Vocab { get; }

    /// <summary>Longest sequence the KV cache holds.</summary>
    static abstract int Context { get; }

    /// <summary>
    /// Positions a query attends to, itself included: <see cref="Context"/> (every earlier position), or a
    /// sliding window when the model has one shorter than the context (Mistral, Phi-3).
    /// </summary>
    static abstract int AttentionWindow { get; }

    /// <summary>
    /// Positions the CPU KV cache holds: <see cref="Context"/> rounded up to a multiple of 16
    /// (<see cref="KeyCache.KeyBlock"/>), so attention's score steps of sixteen positions never leave a
    /// head's part of the key cache.
    /// </summary>
    static abstract int CachePositions { get; }

    /// <summary>Epsilon added to the variance (or mean square) in every norm.</summary>
    static abstract float NormEpsilon { get; }

    /// <summary>
    /// Whether the Vector256 matrix-vector products read the rows of a matrix one after another with a
    /// software prefetch (true for models whose float32 matrices outgrow the caches, so they come from
    /// DRAM on every token) rather than four rows interleaved (small models, whose weights stay in cache).
    /// </summary>
    static abstract bool StreamRows { get; }
}

/// <summary>
/// The column count of the matrices of a product (the length of its input vector), known when the
/// model is compiled, and how its Vector256 products read rows. Generated code declares one struct per
/// length it multiplies by, or uses <see cref="DModelColumns{TShape}"/> and
/// <see cref="FfnDimColumns{TShape}"/>.
/// </summary>
public interface IColumns
{
    /// <summary>Values in one matrix row, and in the input vector.</summary>
    static abstract int Count { get; }

    /// <summary>The model's <see cref="IModelShape.StreamRows"/>: read rows one after another with a prefetch.</summary>
    static abstract bool StreamRows { get; }
}

/// <summary>Products whose rows have DModel values: the query, key, value, output, gate and up projections and the unembedding.</summary>
/// <typeparam name="TShape">The model's shape.</typeparam>
public readonly struct DModelColumns<TShape> : IColumns
    where TShape : IModelShape
{
    /// <inheritdoc/>
    public static int Count => TShape.DModel;

    /// <inheritdoc/>
    public static bool StreamRows => TShape.StreamRows;
}

/// <summary>Products whose rows have FfnDim values: the MLP's down projection.</summary>
/// <typeparam name="TShape">The model's shape.</typeparam>
public readonly struct FfnDimColumns<TShape> : IColumns
    where TShape : IModelShape
{
    /// <inheritdoc/>
    public static int Count => TShape.FfnDim;

    /// <inheritdoc/>
    public static bool StreamRows => TShape.StreamRows;
}
