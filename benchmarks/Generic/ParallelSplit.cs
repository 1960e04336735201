using System;
using System.Runtime.CompilerServices;
using Codegen.Threading;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// When the baseline splits work over the worker pool: the generator's rule (a step of at least 2^16
/// multiply-adds is split, in blocks of 8 rows), applied to sizes known only at run time.
/// </summary>
internal static class ParallelSplit
{
    /// <summary>Steps smaller than this run on the calling thread: a split costs more than it saves.</summary>
    public const long MinimumMultiplyAdds = 1 << 16;

    /// <summary>Rows per piece of a split, so each thread gets whole blocks of rows.</summary>
    public const int RowGranularity = 8;

    /// <summary>Prompt tokens a batched prefill takes through the model at once (the generated code's chunk).</summary>
    public const int PrefillChunkTokens = 64;

    /// <summary>Pieces per thread of prefill's split steps, taken one at a time (the generated code's choice).</summary>
    public const int PrefillPiecesPerThread = 4;

    public static bool WorthSplitting(long multiplyAdds) => multiplyAdds >= MinimumMultiplyAdds;

    /// <summary>
    /// The first position from which decode attention is split over heads: attention at position p
    /// does about 2 (p + 1) dim multiply-adds.
    /// </summary>
    public static int AttentionFromPosition(int dim) => (int)Math.Min(MinimumMultiplyAdds / (2L * dim), int.MaxValue);
}

/// <summary>
/// One step of the forward pass over a range of output rows, bound once to the session's buffers, run
/// either over the pool or on the calling thread as its size (decided when the model is loaded) calls for.
/// </summary>
internal sealed class RowStep(RowRangeAction action, int rows, long multiplyAdds, int piecesPerThread = 1)
{
    private readonly bool split = ParallelSplit.WorthSplitting(multiplyAdds);

    // Optimized at once and never re-profiled, like the generated code's hot paths: with dynamic PGO, a
    // re-jitted Run may inline one step's kernels behind a guard and compile them as cold code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(WorkerPool pool)
    {
        if (split)
        {
            pool.Run(action, rows, ParallelSplit.RowGranularity, piecesPerThread);
        }
        else
        {
            action(0, rows);
        }
    }
}

/// <summary>
/// A loop over a prefill chunk's tokens (a norm, rotary positions, cache stores), bound once, split over
/// the pool when the generator's rule says so: four multiply-adds per value touched, over a whole chunk.
/// </summary>
internal sealed class TokenStep(RowRangeAction action, long valuesPerToken)
{
    private readonly bool split = ParallelSplit.WorthSplitting(4 * valuesPerToken * ParallelSplit.PrefillChunkTokens);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(WorkerPool pool, int tokens)
    {
        if (split)
        {
            pool.Run(action, tokens, ParallelSplit.RowGranularity, ParallelSplit.PrefillPiecesPerThread);
        }
        else
        {
            action(0, tokens);
        }
    }
}
