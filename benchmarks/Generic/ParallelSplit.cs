using System;
using System.Runtime.CompilerServices;
using Codegen.Threading;
using Codegen.Tuning;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// When the baseline splits work over the worker pool: the generator's own rule and constants
/// (generator/Tuning.cs, compiled into this project too), applied to sizes known only at run time.
/// </summary>
internal static class ParallelSplit
{
    public const int RowGranularity = TuningConstants.RowGranularity;

    public const int PrefillChunkTokens = TuningConstants.PrefillChunkTokens;

    public const int PrefillPiecesPerThread = TuningConstants.PrefillPiecesPerThread;

    public static bool WorthSplitting(long multiplyAdds) => TuningConstants.WorthSplitting(multiplyAdds);

    public static int AttentionFromPosition(int dim) => TuningConstants.AttentionSplitFromPosition(dim);
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
    private readonly bool split = ParallelSplit.WorthSplitting(TuningConstants.TokenStepCostPerValue * valuesPerToken * ParallelSplit.PrefillChunkTokens);

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
