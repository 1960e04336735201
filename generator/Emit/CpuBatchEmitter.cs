using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the matrix-matrix products of prefill: every prompt token of a chunk goes through a weight
/// row while the row is in cache, so the weights are read once per chunk instead of once per token.
/// The inner block is four weight rows by two tokens: eight accumulators, six loads for eight
/// multiply-adds, which keeps the FMA units, not memory, the limit.
/// </summary>
internal static class CpuBatchEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        EmitMultiplyRowsBatch(w, spec, "DModel", spec.DModel);
        w.Line();
        EmitMultiplyRowsBatch(w, spec, "FfnDim", spec.FfnDim);
        w.Line();
        EmitQueryKeyValueBatch(w);
        w.Line();
        w.Line("/// <summary>target[i] += source[i] for every i.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void AddInPlace(Span<float> target, ReadOnlySpan<float> source)"))
        {
            w.Line("ref float t = ref MemoryMarshal.GetReference(target);");
            w.Line("ref float s = ref MemoryMarshal.GetReference(source);");
            w.Line("int i = 0;");
            using (w.Block("if (Vector256.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= target.Length; i += 8)"))
                {
                    w.Line("Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref t, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i), ref t, (nuint)i);");
                }
            }

            using (w.Block("for (; i < target.Length; i++)"))
            {
                w.Line("Unsafe.Add(ref t, i) += Unsafe.Add(ref s, i);");
            }
        }
    }

    private static void EmitQueryKeyValueBatch(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Query, key and value projections of every token of a chunk: rows [0, DModel) are the query, then KvDim");
        w.Line("/// rows of key, then KvDim rows of value, one output row per token.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("internal static void ProjectQueryKeyValueBatch(LayerWeights layer, float[] input, float[] query, float[] key, float[] value, int tokens, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            w.Line("MultiplyRowsBatchDModel(layer.Query, ref x, ref query[0], DModel, tokens, start, Math.Min(end, DModel));");
            w.Line("MultiplyRowsBatchDModel(layer.Key, ref x, ref key[0], KvDim, tokens, Math.Max(start - DModel, 0), Math.Min(end - DModel, KvDim));");
            w.Line("MultiplyRowsBatchDModel(layer.Value, ref x, ref value[0], KvDim, tokens, Math.Max(start - DModel - KvDim, 0), Math.Min(end - DModel - KvDim, KvDim));");
        }
    }

    private static void EmitMultiplyRowsBatch(IndentedWriter w, ModelSpec spec, string name, int columns)
    {
        MatrixCode code = MatrixCode.For(spec);
        if (!code.IsFloat32)
        {
            w.Line($"/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens), token by token.</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            using (w.Block($"internal static void MultiplyRowsBatch{name}({code.TypeName} matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
            {
                using (w.Block("for (int t = 0; t < tokens; t++)"))
                {
                    w.Line($"MultiplyRows{name}(matrix, ref Unsafe.Add(ref input, t * {name}), ref Unsafe.Add(ref output, t * outputStride), start, end);");
                }
            }

            return;
        }

        w.Line("/// <summary>");
        w.Line($"/// output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): input rows");
        w.Line($"/// have {name} = {columns} values; output rows have outputStride values.");
        w.Line("/// </summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRowsBatch{name}(WeightTensor weights, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
        {
            w.Line("ref float matrix = ref weights.Data;");
            w.Line("int row = start;");
            using (w.Block("for (; row + 4 <= end; row += 4)"))
            {
                w.Line($"ref float rows = ref Unsafe.Add(ref matrix, (nint)row * {name});");
                w.Line("int t = 0;");
                using (w.Block("if (Vector256.IsHardwareAccelerated)"))
                {
                    using (w.Block("for (; t + 2 <= tokens; t += 2)"))
                    {
                        EmitFourByTwo(w, name, columns);
                    }
                }

                using (w.Block("for (; t < tokens; t++)"))
                {
                    w.Line($"Vector128.StoreUnsafe(DotFourRows{name}(ref rows, ref Unsafe.Add(ref input, t * {name})), ref Unsafe.Add(ref output, (t * outputStride) + row));");
                }
            }

            using (w.Block("for (; row < end; row++)"))
            {
                using (w.Block("for (int t = 0; t < tokens; t++)"))
                {
                    w.Line($"Unsafe.Add(ref output, (t * outputStride) + row) = Dot{name}(ref Unsafe.Add(ref matrix, (nint)row * {name}), ref Unsafe.Add(ref input, t * {name}));");
                }
            }
        }
    }

    private static void EmitFourByTwo(IndentedWriter w, string name, int columns)
    {
        int vectorEnd = columns / 8 * 8;
        w.Line($"ref float first = ref Unsafe.Add(ref input, t * {name});");
        w.Line($"ref float second = ref Unsafe.Add(ref input, (t + 1) * {name});");
        for (int r = 0; r < 4; r++)
        {
            w.Line($"Vector256<float> a{r} = Vector256<float>.Zero, b{r} = Vector256<float>.Zero;");
        }

        using (w.Block($"for (nuint i = 0; i < {vectorEnd}; i += 8)"))
        {
            w.Line("Vector256<float> x = Vector256.LoadUnsafe(ref first, i);");
            w.Line("Vector256<float> y = Vector256.LoadUnsafe(ref second, i);");
            for (int r = 0; r < 4; r++)
            {
                string offset = r == 0 ? "i" : $"i + {r * columns}";
                w.Line($"Vector256<float> w{r} = Vector256.LoadUnsafe(ref rows, {offset});");
                w.Line($"a{r} = SimdMath.MultiplyAdd(w{r}, x, a{r});");
                w.Line($"b{r} = SimdMath.MultiplyAdd(w{r}, y, b{r});");
            }
        }

        w.Line("Vector128<float> firstSums = SimdMath.SumEach(a0, a1, a2, a3);");
        w.Line("Vector128<float> secondSums = SimdMath.SumEach(b0, b1, b2, b3);");
        if (vectorEnd < columns)
        {
            using (w.Block($"for (int i = {vectorEnd}; i < {columns}; i++)"))
            {
                w.Line("float x = Unsafe.Add(ref first, i), y = Unsafe.Add(ref second, i);");
                w.Line($"Vector128<float> column = Vector128.Create(Unsafe.Add(ref rows, i), Unsafe.Add(ref rows, {columns} + i), Unsafe.Add(ref rows, {2 * columns} + i), Unsafe.Add(ref rows, {3 * columns} + i));");
                w.Line("firstSums += column * x;");
                w.Line("secondSums += column * y;");
            }
        }

        w.Line("Vector128.StoreUnsafe(firstSums, ref Unsafe.Add(ref output, (t * outputStride) + row));");
        w.Line("Vector128.StoreUnsafe(secondSums, ref Unsafe.Add(ref output, ((t + 1) * outputStride) + row));");
    }
}
