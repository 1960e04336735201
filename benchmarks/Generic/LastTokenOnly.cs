using System;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// The prompt's last layer for its last token alone, as the generated prefill does it: once every token's key
/// and value are in the cache, only the last token's output becomes logits, so its residual and query rows move
/// to row 0 and the batch becomes that one token.
/// </summary>
internal static class LastTokenOnly
{
    public static void Keep(float[] residualBatch, float[] queryBatch, int dim, ref int batchStart, ref int batchCount)
    {
        int last = batchCount - 1;
        if (last > 0)
        {
            residualBatch.AsSpan(last * dim, dim).CopyTo(residualBatch);
            queryBatch.AsSpan(last * dim, dim).CopyTo(queryBatch);
            batchStart += last;
            batchCount = 1;
        }
    }
}
