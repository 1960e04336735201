using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes causal attention over the KV cache. Keys are cached transposed, [KvHeads, HeadDim,
/// CachePositions], so the scores of eight positions come from HeadDim vector multiply-adds with no
/// horizontal sums; values are cached one row per position, [CachePositions, KvDim], so the
/// weighted sum adds whole rows. The softmax runs on the padded score row with vector exp.
/// </summary>
internal static class CpuAttentionEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        EmitStoreKey(w);
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Causal multi-head attention of the newest position over the cache, for query heads [startHead, endHead):");
        w.Line("/// each head scores the keys of positions 0..position (the causal mask: never a later one), scaled by");
        w.Line("/// 1/sqrt(HeadDim), turns the scores into weights with a softmax and sums the values with those weights.");
        w.Line("/// Query heads share key/value heads in groups of QueriesPerKvHead.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void Attention(float[] query, float[] keys, float[] values, int position, float[] scores, float[] output, int startHead, int endHead)"))
        {
            w.Line("int count = position + 1;");
            w.Line("float sqrtHeadDim = MathF.Sqrt(HeadDim);");
            using (w.Block("for (int head = startHead; head < endHead; head++)"))
            {
                w.Line("int kvHead = head / QueriesPerKvHead;");
                w.Line("ref float headQuery = ref query[head * HeadDim];");
                w.Line("ref float headKeys = ref keys[kvHead * HeadDim * CachePositions];");
                w.Line("ref float headValues = ref values[kvHead * HeadDim];");
                w.Line("ref float headScores = ref scores[head * CachePositions];");
                w.Line("ref float headOutput = ref output[head * HeadDim];");
                using (w.Block("if (Vector256.IsHardwareAccelerated)"))
                {
                    EmitVectorHead(w, spec, 256, 8);
                }

                using (w.Block("else if (Vector128.IsHardwareAccelerated)"))
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

    private static void EmitStoreKey(IndentedWriter w)
    {
        w.Line("/// <summary>Writes this position's key into the transposed key cache, [KvHeads, HeadDim, CachePositions].</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void StoreKey(float[] key, float[] keys, int position)"))
        {
            using (w.Block("for (int i = 0; i < KvDim; i++)"))
            {
                w.Line("keys[(i * CachePositions) + position] = key[i];");
            }
        }
    }

    private static void EmitVectorHead(IndentedWriter w, ModelSpec spec, int bits, int lanes)
    {
        string vector = $"Vector{bits}";
        string type = $"{vector}<float>";
        w.Line($"// Scores, {lanes} positions at a time down the transposed keys; positions past {lanes}-aligned count are padding.");
        using (w.Block($"for (int t = 0; t < count; t += {lanes})"))
        {
            w.Line($"{type} even = {type}.Zero;");
            w.Line($"{type} odd = {type}.Zero;");
            for (int d = 0; d < spec.HeadDim; d++)
            {
                string accumulator = d % 2 == 0 ? "even" : "odd";
                w.Line($"{accumulator} = SimdMath.MultiplyAdd({vector}.Create(Unsafe.Add(ref headQuery, {d})), {vector}.LoadUnsafe(ref headKeys, (nuint)(({d} * CachePositions) + t)), {accumulator});");
            }

            w.Line($"{vector}.StoreUnsafe((even + odd) / {vector}.Create(sqrtHeadDim), ref headScores, (nuint)t);");
        }

        w.Line($"int padded = (count + {lanes - 1}) & ~{lanes - 1};");
        using (w.Block("for (int t = count; t < padded; t++)"))
        {
            w.Line("Unsafe.Add(ref headScores, t) = float.NegativeInfinity;");
        }

        w.Line("// Softmax weights, left unnormalized: the weighted sum is divided by their total at the end.");
        w.Line($"{type} maxima = {vector}.Create(float.NegativeInfinity);");
        using (w.Block($"for (int t = 0; t < padded; t += {lanes})"))
        {
            w.Line($"maxima = {vector}.Max(maxima, {vector}.LoadUnsafe(ref headScores, (nuint)t));");
        }

        w.Line("float max = float.NegativeInfinity;");
        using (w.Block($"for (int lane = 0; lane < {lanes}; lane++)"))
        {
            w.Line("max = MathF.Max(max, maxima.GetElement(lane));");
        }

        w.Line($"{type} shift = {vector}.Create(max);");
        w.Line($"{type} totals = {type}.Zero;");
        using (w.Block($"for (int t = 0; t < padded; t += {lanes})"))
        {
            w.Line($"{type} weight = SimdMath.Exp({vector}.LoadUnsafe(ref headScores, (nuint)t) - shift);");
            w.Line($"{vector}.StoreUnsafe(weight, ref headScores, (nuint)t);");
            w.Line("totals += weight;");
        }

        w.Line($"float inverseTotal = 1.0f / {vector}.Sum(totals);");
        w.Line("// Weighted sum of the values, kept in registers across positions.");
        int vectors = spec.HeadDim / lanes;
        int tail = spec.HeadDim % lanes;
        for (int v = 0; v < vectors; v++)
        {
            w.Line($"{type} sum{v} = {type}.Zero;");
        }

        for (int i = 0; i < tail; i++)
        {
            w.Line($"float tail{i} = 0;");
        }

        using (w.Block("for (int t = 0; t < count; t++)"))
        {
            w.Line("ref float row = ref Unsafe.Add(ref headValues, t * KvDim);");
            w.Line("float weightOfT = Unsafe.Add(ref headScores, t);");
            if (vectors > 0)
            {
                w.Line($"{type} broadcast = {vector}.Create(weightOfT);");
            }

            for (int v = 0; v < vectors; v++)
            {
                w.Line($"sum{v} = SimdMath.MultiplyAdd(broadcast, {vector}.LoadUnsafe(ref row, {v * lanes}), sum{v});");
            }

            for (int i = 0; i < tail; i++)
            {
                w.Line($"tail{i} += weightOfT * Unsafe.Add(ref row, {(vectors * lanes) + i});");
            }
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
            w.Line($"Unsafe.Add(ref headOutput, {(vectors * lanes) + i}) = tail{i} * inverseTotal;");
        }
    }

    private static void EmitScalarHead(IndentedWriter w)
    {
        w.Line("float max = float.NegativeInfinity;");
        using (w.Block("for (int t = 0; t < count; t++)"))
        {
            w.Line("float score = 0;");
            using (w.Block("for (int d = 0; d < HeadDim; d++)"))
            {
                w.Line("score += Unsafe.Add(ref headQuery, d) * Unsafe.Add(ref headKeys, (d * CachePositions) + t);");
            }

            w.Line("score /= sqrtHeadDim;");
            w.Line("Unsafe.Add(ref headScores, t) = score;");
            w.Line("max = MathF.Max(max, score);");
        }

        w.Line("float total = 0;");
        using (w.Block("for (int t = 0; t < count; t++)"))
        {
            w.Line("float weight = MathF.Exp(Unsafe.Add(ref headScores, t) - max);");
            w.Line("Unsafe.Add(ref headScores, t) = weight;");
            w.Line("total += weight;");
        }

        using (w.Block("for (int d = 0; d < HeadDim; d++)"))
        {
            w.Line("float sum = 0;");
            using (w.Block("for (int t = 0; t < count; t++)"))
            {
                w.Line("sum += Unsafe.Add(ref headScores, t) * Unsafe.Add(ref headValues, (t * KvDim) + d);");
            }

            w.Line("Unsafe.Add(ref headOutput, d) = sum / total;");
        }
    }
}
