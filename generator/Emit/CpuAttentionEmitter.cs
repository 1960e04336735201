using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes causal attention over the KV cache. Keys are cached transposed in blocks of
/// <c>KeyBlock</c> = 16 positions, [KvHeads, CachePositions / 16, HeadDim, 16], so the scores of
/// sixteen positions come from HeadDim vector multiply-adds with no horizontal sums, and a head's keys
/// are one forward stream (a plain [KvHeads, HeadDim, CachePositions] transpose made every dimension
/// its own stream, too many for the hardware prefetcher); values are cached one row per position,
/// [CachePositions, KvDim], so the weighted sum adds whole rows. The softmax runs on the padded score
/// row with vector exp.
/// </summary>
internal static class CpuAttentionEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        EmitStoreKey(w);
        w.Line();
        EmitBatch(w);
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Causal multi-head attention of the newest position over the cache, for query heads [startHead, endHead):");
        w.Line("/// each head scores the keys of positions 0..position (the causal mask: never a later one), scaled by");
        w.Line("/// 1/sqrt(HeadDim), turns the scores into weights with a softmax and sums the values with those weights.");
        w.Line("/// Query heads share key/value heads in groups of QueriesPerKvHead.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void Attention({Names.Span}<float> query, float[] keys, float[] values, int position, float[] scores, {Names.Span}<float> output, int startHead, int endHead)"))
        {
            w.Line("int count = position + 1;");
            w.Line("// Scores are scaled by 1/sqrt(HeadDim) with a multiply, as llama.cpp and PyTorch scale them.");
            w.Line($"float scoreScale = 1.0f / {Names.MathF}.Sqrt(HeadDim);");
            using (w.Block("for (int head = startHead; head < endHead; head++)"))
            {
                w.Line("int kvHead = head / QueriesPerKvHead;");
                w.Line($"ref float headQuery = ref {Names.Unsafe}.Add(ref {Names.MemoryMarshal}.GetReference(query), head * HeadDim);");
                w.Line("ref float headKeys = ref keys[kvHead * HeadDim * CachePositions];");
                w.Line("ref float headValues = ref values[kvHead * HeadDim];");
                w.Line("ref float headScores = ref scores[head * CachePositions];");
                w.Line($"ref float headOutput = ref {Names.Unsafe}.Add(ref {Names.MemoryMarshal}.GetReference(output), head * HeadDim);");
                using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated)"))
                {
                    EmitVectorHead(w, spec, 256, 8);
                }

                using (w.Block($"else if ({Names.Vector128}.IsHardwareAccelerated)"))
                {
                    EmitVectorHead(w, spec, 128, 4);
                }

                using (w.Block("else"))
                {
                    EmitScalarHead(w);
                }
            }
        }
    }

    /// <summary>Attention for every token of a prefill chunk: token t sits at position firstPosition + t.</summary>
    public static void EmitBatch(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Causal attention for each token of a prefill chunk, query heads [startHead, endHead): token t, at");
        w.Line("/// position firstPosition + t, sees the cache up to its own position, the chunk's earlier tokens included.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block("internal static void AttentionBatch(float[] query, float[] keys, float[] values, int firstPosition, int tokens, float[] scores, float[] output, int startHead, int endHead)"))
        {
            using (w.Block("for (int t = 0; t < tokens; t++)"))
            {
                w.Line($"Attention(new {Names.Span}<float>(query, t * DModel, DModel), keys, values, firstPosition + t, scores, new {Names.Span}<float>(output, t * DModel, DModel), startHead, endHead);");
            }
        }
    }

    private static void EmitStoreKey(IndentedWriter w)
    {
        w.Line("/// <summary>Positions a block of the key cache holds, each dimension's sixteen side by side.</summary>");
        w.Line("internal const int KeyBlock = 16;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Where element i (of KvDim) of the key of a position sits in the key cache, [KvHeads, CachePositions / KeyBlock,");
        w.Line("/// HeadDim, KeyBlock]: its key/value head's part, then its block of positions, its dimension and its place in the block.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveInlining)]");
        w.Line("internal static int KeyCacheIndex(int i, int position) =>");
        w.Line("    ((i / HeadDim) * HeadDim * CachePositions) + ((position & ~(KeyBlock - 1)) * HeadDim) + ((i % HeadDim) * KeyBlock) + (position & (KeyBlock - 1));");
        w.Line();
        w.Line("/// <summary>Writes this position's key into the blocked, transposed key cache (see KeyCacheIndex).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void StoreKey({Names.ReadOnlySpan}<float> key, float[] keys, int position)"))
        {
            using (w.Block("for (int i = 0; i < KvDim; i++)"))
            {
                w.Line("keys[KeyCacheIndex(i, position)] = key[i];");
            }
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Writes the keys of a prefill chunk's tokens [first, end) (rows of KvDim in keyRows, token t at position");
        w.Line("/// firstPosition + t) into the key cache, one dimension at a time: within a block the tokens' positions");
        w.Line("/// are neighbours, so each dimension's writes are contiguous instead of a block apart.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block("internal static void StoreKeys(float[] keyRows, int first, int end, float[] keys, int firstPosition)"))
        {
            using (w.Block("for (int i = 0; i < KvDim; i++)"))
            {
                using (w.Block("for (int t = first; t < end; t++)"))
                {
                    w.Line("keys[KeyCacheIndex(i, firstPosition + t)] = keyRows[(t * KvDim) + i];");
                }
            }
        }
    }

    private static void EmitVectorHead(IndentedWriter w, ModelSpec spec, int bits, int lanes)
    {
        string vector = $"{Names.Intrinsics}.Vector{bits}";
        string type = $"{vector}<float>";
        w.Line($"// Scores, {lanes} positions at a time down the transposed keys; positions past {lanes}-aligned count are padding.");
        w.Line($"// {2 * lanes} positions a step, four multiply-add chains; CachePositions is a multiple of 16, so no step");
        w.Line("// leaves this head's part of the cache.");
        using (w.Block($"for (int t = 0; t < count; t += {2 * lanes})"))
        {
            w.Line(lanes == 8
                ? $"ref float block = ref {Names.Unsafe}.Add(ref headKeys, t * HeadDim);"
                : $"ref float block = ref {Names.Unsafe}.Add(ref headKeys, ((t & ~(KeyBlock - 1)) * HeadDim) + (t & (KeyBlock - 1)));");
            for (int b = 0; b < 2; b++)
            {
                w.Line($"{type} even{b} = {type}.Zero;");
                w.Line($"{type} odd{b} = {type}.Zero;");
            }

            for (int d = 0; d < spec.HeadDim; d++)
            {
                string parity = d % 2 == 0 ? "even" : "odd";
                w.Line($"{type} query{d} = {vector}.Create({Names.Unsafe}.Add(ref headQuery, {d}));");
                w.Line($"{parity}0 = {Names.SimdMath}.MultiplyAdd(query{d}, {vector}.LoadUnsafe(ref block, {d} * KeyBlock), {parity}0);");
                w.Line($"{parity}1 = {Names.SimdMath}.MultiplyAdd(query{d}, {vector}.LoadUnsafe(ref block, ({d} * KeyBlock) + {lanes}), {parity}1);");
            }

            w.Line($"{vector}.StoreUnsafe((even0 + odd0) * {vector}.Create(scoreScale), ref headScores, (nuint)t);");
            w.Line($"{vector}.StoreUnsafe((even1 + odd1) * {vector}.Create(scoreScale), ref headScores, (nuint)(t + {lanes}));");
        }

        w.Line($"int padded = (count + {lanes - 1}) & ~{lanes - 1};");
        using (w.Block("for (int t = count; t < padded; t++)"))
        {
            w.Line($"{Names.Unsafe}.Add(ref headScores, t) = float.NegativeInfinity;");
        }

        w.Line("// Softmax weights, left unnormalized: the weighted sum is divided by their total at the end.");
        w.Line($"{type} maxima = {vector}.Create(float.NegativeInfinity);");
        using (w.Block($"for (int t = 0; t < padded; t += {lanes})"))
        {
            w.Line($"maxima = {vector}.MaxNative(maxima, {vector}.LoadUnsafe(ref headScores, (nuint)t));");
        }

        w.Line($"{type} shift = {vector}.Create({Names.SimdMath}.MaxAcross(maxima));");
        w.Line($"{type} totals = {type}.Zero;");
        using (w.Block($"for (int t = 0; t < padded; t += {lanes})"))
        {
            w.Line($"{type} weight = {Names.SimdMath}.Exp({vector}.LoadUnsafe(ref headScores, (nuint)t) - shift);");
            w.Line($"{vector}.StoreUnsafe(weight, ref headScores, (nuint)t);");
            w.Line("totals += weight;");
        }

        w.Line($"float inverseTotal = 1.0f / {vector}.Sum(totals);");
        w.Line("// Weighted sum of the values, kept in registers across positions.");
        int vectors = spec.HeadDim / lanes;
        int tail = spec.HeadDim % lanes;
        // With few vectors a head, one multiply-add chain per vector would wait on its own latency:
        // take four positions a step into separate accumulators instead.
        int unroll = vectors is > 0 and <= 2 ? 4 : 1;
        for (int u = 0; u < unroll; u++)
        {
            for (int v = 0; v < vectors; v++)
            {
                w.Line($"{type} sum{v}{Suffix(u)} = {type}.Zero;");
            }
        }

        for (int i = 0; i < tail; i++)
        {
            w.Line($"float tail{i} = 0;");
        }

        w.Line("ref float valueRow = ref headValues;");
        w.Line("ref float positionWeight = ref headScores;");
        w.Line("int valuePosition = 0;");
        if (unroll > 1)
        {
            using (w.Block($"for (; valuePosition + {unroll} <= count; valuePosition += {unroll})"))
            {
                for (int u = 0; u < unroll; u++)
                {
                    EmitValueStep(w, vector, type, lanes, vectors, tail, u, Suffix(u));
                }

                w.Line($"valueRow = ref {Names.Unsafe}.Add(ref valueRow, {unroll} * KvDim);");
                w.Line($"positionWeight = ref {Names.Unsafe}.Add(ref positionWeight, {unroll});");
            }
        }

        using (w.Block("for (; valuePosition < count; valuePosition++)"))
        {
            EmitValueStep(w, vector, type, lanes, vectors, tail, 0, string.Empty);
            w.Line($"valueRow = ref {Names.Unsafe}.Add(ref valueRow, KvDim);");
            w.Line($"positionWeight = ref {Names.Unsafe}.Add(ref positionWeight, 1);");
        }

        for (int v = 0; v < vectors && unroll > 1; v++)
        {
            w.Line($"sum{v} += (sum{v}{Suffix(1)} + sum{v}{Suffix(2)}) + sum{v}{Suffix(3)};");
        }

        if (vectors > 0)
        {
            w.Line($"{type} normalize = {vector}.Create(inverseTotal);");
        }

        for (int v = 0; v < vectors; v++)
        {
            w.Line($"{vector}.StoreUnsafe(sum{v} * normalize, ref headOutput, {v * lanes});");
        }

        for (int i = 0; i < tail; i++)
        {
            w.Line($"{Names.Unsafe}.Add(ref headOutput, {(vectors * lanes) + i}) = tail{i} * inverseTotal;");
        }
    }

    private static string Suffix(int unrolled) => unrolled == 0 ? string.Empty : "_" + unrolled;

    /// <summary>One position's value row times its weight, <paramref name="ahead"/> positions past valueRow and positionWeight.</summary>
    private static void EmitValueStep(IndentedWriter w, string vector, string type, int lanes, int vectors, int tail, int ahead, string suffix)
    {
        w.Line("{");
        w.Indent();
        w.Line(ahead == 0 ? "ref float row = ref valueRow;" : $"ref float row = ref {Names.Unsafe}.Add(ref valueRow, {ahead} * KvDim);");
        w.Line(ahead == 0 ? "float weightOfT = positionWeight;" : $"float weightOfT = {Names.Unsafe}.Add(ref positionWeight, {ahead});");
        if (vectors > 0)
        {
            w.Line($"{type} broadcast = {vector}.Create(weightOfT);");
        }

        for (int v = 0; v < vectors; v++)
        {
            w.Line($"sum{v}{suffix} = {Names.SimdMath}.MultiplyAdd(broadcast, {vector}.LoadUnsafe(ref row, {v * lanes}), sum{v}{suffix});");
        }

        for (int i = 0; i < tail; i++)
        {
            w.Line($"tail{i} += weightOfT * {Names.Unsafe}.Add(ref row, {(vectors * lanes) + i});");
        }

        w.Unindent();
        w.Line("}");
    }

    private static void EmitScalarHead(IndentedWriter w)
    {
        w.Line("float max = float.NegativeInfinity;");
        using (w.Block("for (int t = 0; t < count; t++)"))
        {
            w.Line("float score = 0;");
            using (w.Block("for (int d = 0; d < HeadDim; d++)"))
            {
                w.Line($"score += {Names.Unsafe}.Add(ref headQuery, d) * {Names.Unsafe}.Add(ref headKeys, ((t & ~(KeyBlock - 1)) * HeadDim) + (d * KeyBlock) + (t & (KeyBlock - 1)));");
            }

            w.Line("score *= scoreScale;");
            w.Line($"{Names.Unsafe}.Add(ref headScores, t) = score;");
            w.Line($"max = {Names.MathF}.Max(max, score);");
        }

        w.Line("float total = 0;");
        using (w.Block("for (int t = 0; t < count; t++)"))
        {
            w.Line($"float weight = {Names.MathF}.Exp({Names.Unsafe}.Add(ref headScores, t) - max);");
            w.Line($"{Names.Unsafe}.Add(ref headScores, t) = weight;");
            w.Line("total += weight;");
        }

        using (w.Block("for (int d = 0; d < HeadDim; d++)"))
        {
            w.Line("float sum = 0;");
            using (w.Block("for (int t = 0; t < count; t++)"))
            {
                w.Line($"sum += {Names.Unsafe}.Add(ref headScores, t) * {Names.Unsafe}.Add(ref headValues, (t * KvDim) + d);");
            }

            w.Line($"{Names.Unsafe}.Add(ref headOutput, d) = sum / total;");
        }
    }
}
