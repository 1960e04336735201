namespace Codegen.Tuning;

/// <summary>
/// The tuning constants of the CPU code: when a step is split over the worker pool, how big a prefill chunk
/// is, when products stream their rows. The generator bakes them into the generated code; the benchmarks'
/// generic baseline (runtime-sized, benchmarks/Generic) compiles this same file, so both make the same
/// choices and a speed difference between them is specialization, not tuning.
/// </summary>
internal static class TuningConstants
{
    /// <summary>Steps smaller than this many multiply-adds run on the calling thread: a split costs more than it saves.</summary>
    public const long ParallelThreshold = 1 << 16;

    /// <summary>Rows per piece of a split, so each thread gets whole blocks of rows.</summary>
    public const int RowGranularity = 8;

    /// <summary>Prompt tokens prefill takes through the model at once: the batch buffers are sized for it.</summary>
    public const int PrefillChunkTokens = 64;

    /// <summary>
    /// Pieces per thread of prefill's split steps, handed out one at a time, so a thread slowed by another
    /// process on its core takes fewer instead of holding up the rest.
    /// </summary>
    public const int PrefillPiecesPerThread = 4;

    /// <summary>
    /// Float32 matrices larger than this are read from DRAM on every token, not from cache: products then read
    /// rows one after another with a prefetch (one stream) instead of four rows interleaved. Measured: the 15M
    /// shape decodes about 30% faster streaming rows; stories260K, whose weights stay in cache, about 10% slower.
    /// </summary>
    public const long CachedWeightBytes = 8L << 20;

    /// <summary>
    /// A prefill step over the chunk's tokens (a norm, rotary positions, the cache stores) counts this many
    /// multiply-adds per value it touches: a norm reads every value twice and divides, which measured about
    /// four times a product's time per value.
    /// </summary>
    public const int TokenStepCostPerValue = 4;

    /// <summary>Whether a step of this many multiply-adds is split over the pool.</summary>
    public static bool WorthSplitting(long multiplyAdds) => multiplyAdds >= ParallelThreshold;

    /// <summary>The first position from which decode attention is split over heads: attention at position p does about 2 (p + 1) DModel multiply-adds.</summary>
    public static int AttentionSplitFromPosition(int dModel) => (int)System.Math.Min(ParallelThreshold / (2L * dModel), int.MaxValue);
}
