using System.Linq;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the matrix-matrix products of prefill: every prompt token of a chunk goes through a weight
/// row while the row is in cache, so the weights are read once per chunk instead of once per token.
/// The inner tile is four weight rows by three tokens: twelve accumulators, seven loads for twelve
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
        w.Line("/// <summary>target[i] += source[i] for every i.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void AddInPlace({Names.Span}<float> target, {Names.ReadOnlySpan}<float> source)"))
        {
            w.Line($"ref float t = ref {Names.MemoryMarshal}.GetReference(target);");
            w.Line($"ref float s = ref {Names.MemoryMarshal}.GetReference(source);");
            w.Line("int i = 0;");
            using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated)"))
            {
                using (w.Block("for (; i + 8 <= target.Length; i += 8)"))
                {
                    w.Line($"{Names.Vector256}.StoreUnsafe({Names.Vector256}.LoadUnsafe(ref t, (nuint)i) + {Names.Vector256}.LoadUnsafe(ref s, (nuint)i), ref t, (nuint)i);");
                }
            }

            using (w.Block("for (; i < target.Length; i++)"))
            {
                w.Line($"{Names.Unsafe}.Add(ref t, i) += {Names.Unsafe}.Add(ref s, i);");
            }
        }
    }

    /// <summary>
    /// The bf16 batch product: three tokens at a time, their inputs put in the bf16 kernels' order once,
    /// then tiles of four weight rows by those three tokens, so each widened pair of weights serves three
    /// tokens; tokens left over go one at a time.
    /// </summary>
    private static void EmitBf16MultiplyRowsBatch(IndentedWriter w, string name)
    {
        w.Line($"/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens), three tokens at a time.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRowsBatch{name}(global::Codegen.Bf16Matrix matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
        {
            w.Line("// Three tokens' inputs in the order the bf16 kernels widen weight pairs in (see Bf16Kernels.PrepareInput).");
            w.Line($"{Names.Span}<float> inputsInKernelOrder = stackalloc float[3 * {name}];");
            w.Line("ref ushort weights = ref matrix.Data;");
            w.Line("int t = 0;");
            string[] token = { "t", "(t + 1)", "(t + 2)" };
            using (w.Block("for (; t + 3 <= tokens; t += 3)"))
            {
                for (int k = 0; k < 3; k++)
                {
                    w.Line($"ref float x{k} = ref {Names.Bf16Kernels}.PrepareInput(ref {Names.Unsafe}.Add(ref input, {token[k]} * {name}), {name}, inputsInKernelOrder.Slice({k} * {name}, {name}));");
                }

                w.Line("int row = start;");
                using (w.Block("for (; row + 4 <= end; row += 4)"))
                {
                    w.Line($"{Names.Bf16Kernels}.DotFourRowsThreeInputs(ref {Names.Unsafe}.Add(ref weights, (nint)row * {name}), {name}, ref x0, ref x1, ref x2, out {Names.Vector128}<float> sums0, out {Names.Vector128}<float> sums1, out {Names.Vector128}<float> sums2);");
                    for (int k = 0; k < 3; k++)
                    {
                        w.Line($"{Names.Vector128}.StoreUnsafe(sums{k}, ref {Names.Unsafe}.Add(ref output, ({token[k]} * outputStride) + row));");
                    }
                }

                using (w.Block("for (; row < end; row++)"))
                {
                    for (int k = 0; k < 3; k++)
                    {
                        w.Line($"{Names.Unsafe}.Add(ref output, ({token[k]} * outputStride) + row) = {Names.Bf16Kernels}.Dot(ref {Names.Unsafe}.Add(ref weights, (nint)row * {name}), ref x{k}, {name});");
                    }
                }
            }

            using (w.Block("for (; t < tokens; t++)"))
            {
                w.Line($"MultiplyRows{name}(matrix, ref {Names.Unsafe}.Add(ref input, t * {name}), ref {Names.Unsafe}.Add(ref output, t * outputStride), start, end);");
            }
        }
    }

    private static void EmitMultiplyRowsBatch(IndentedWriter w, ModelSpec spec, string name, int columns)
    {
        MatrixCode code = MatrixCode.For(spec);
        if (spec.Weights == WeightFormat.BF16)
        {
            EmitBf16MultiplyRowsBatch(w, name);
            return;
        }

        if (!code.IsFloat32)
        {
            w.Line($"/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens), token by token.</summary>");
            w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
            using (w.Block($"internal static void MultiplyRowsBatch{name}({code.TypeName} matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
            {
                using (w.Block("for (int t = 0; t < tokens; t++)"))
                {
                    w.Line($"MultiplyRows{name}(matrix, ref {Names.Unsafe}.Add(ref input, t * {name}), ref {Names.Unsafe}.Add(ref output, t * outputStride), start, end);");
                }
            }

            return;
        }

        w.Line("/// <summary>");
        w.Line($"/// output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): input rows");
        w.Line($"/// have {name} = {columns} values; output rows have outputStride values.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRowsBatch{name}({Names.WeightTensor} weights, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
        {
            w.Line("ref float matrix = ref weights.Data;");
            w.Line("int row = start;");
            using (w.Block("for (; row + 4 <= end; row += 4)"))
            {
                w.Line($"ref float rows = ref {Names.Unsafe}.Add(ref matrix, (nint)row * {name});");
                w.Line("int t = 0;");
                using (w.Block($"if ({Names.Vector256}.IsHardwareAccelerated)"))
                {
                    w.Line("// Tiles of four weight rows by three tokens, then two: each weight vector loaded serves every token.");
                    using (w.Block("for (; t + 3 <= tokens; t += 3)"))
                    {
                        EmitTile(w, name, columns, tokens: 3);
                    }

                    using (w.Block("if (t + 2 <= tokens)"))
                    {
                        EmitTile(w, name, columns, tokens: 2);
                        w.Line("t += 2;");
                    }
                }

                using (w.Block("for (; t < tokens; t++)"))
                {
                    w.Line($"{Names.Vector128}.StoreUnsafe(DotFourRows{name}(ref rows, ref {Names.Unsafe}.Add(ref input, t * {name})), ref {Names.Unsafe}.Add(ref output, (t * outputStride) + row));");
                }
            }

            using (w.Block("for (; row < end; row++)"))
            {
                using (w.Block("for (int t = 0; t < tokens; t++)"))
                {
                    w.Line($"{Names.Unsafe}.Add(ref output, (t * outputStride) + row) = Dot{name}(ref {Names.Unsafe}.Add(ref matrix, (nint)row * {name}), ref {Names.Unsafe}.Add(ref input, t * {name}));");
                }
            }
        }
    }

    /// <summary>
    /// One tile of the product: four weight rows by <paramref name="tokens"/> prompt tokens (3 or 2), one
    /// accumulator each, so every weight vector loaded serves all the tokens and every input vector all
    /// four rows. Four by three keeps twelve accumulators, seven loads per twelve multiply-adds, and
    /// with the three inputs and one weight vector still fits AVX2's sixteen registers.
    /// </summary>
    private static void EmitTile(IndentedWriter w, string name, int columns, int tokens)
    {
        int vectorEnd = columns / 8 * 8;
        for (int k = 0; k < tokens; k++)
        {
            w.Line($"ref float input{k} = ref {Names.Unsafe}.Add(ref input, {(k == 0 ? "t" : $"(t + {k})")} * {name});");
        }

        for (int r = 0; r < 4; r++)
        {
            w.Line($"{Names.Vector256}<float> {string.Join(", ", Enumerable.Range(0, tokens).Select(k => $"sum{r}{k} = {Names.Vector256}<float>.Zero"))};");
        }

        using (w.Block($"for (nuint i = 0; i < {vectorEnd}; i += 8)"))
        {
            for (int k = 0; k < tokens; k++)
            {
                w.Line($"{Names.Vector256}<float> x{k} = {Names.Vector256}.LoadUnsafe(ref input{k}, i);");
            }

            for (int r = 0; r < 4; r++)
            {
                string offset = r == 0 ? "i" : $"i + {r * columns}";
                w.Line($"{Names.Vector256}<float> w{r} = {Names.Vector256}.LoadUnsafe(ref rows, {offset});");
                for (int k = 0; k < tokens; k++)
                {
                    w.Line($"sum{r}{k} = {Names.SimdMath}.MultiplyAdd(w{r}, x{k}, sum{r}{k});");
                }
            }
        }

        for (int k = 0; k < tokens; k++)
        {
            w.Line($"{Names.Vector128}<float> sums{k} = {Names.SimdMath}.SumEach(sum0{k}, sum1{k}, sum2{k}, sum3{k});");
        }

        if (vectorEnd < columns)
        {
            using (w.Block($"for (int i = {vectorEnd}; i < {columns}; i++)"))
            {
                w.Line($"{Names.Vector128}<float> column = {Names.Vector128}.Create({Names.Unsafe}.Add(ref rows, i), {Names.Unsafe}.Add(ref rows, {columns} + i), {Names.Unsafe}.Add(ref rows, {2 * columns} + i), {Names.Unsafe}.Add(ref rows, {3 * columns} + i));");
                for (int k = 0; k < tokens; k++)
                {
                    w.Line($"sums{k} += column * {Names.Unsafe}.Add(ref input{k}, i);");
                }
            }
        }

        for (int k = 0; k < tokens; k++)
        {
            w.Line($"{Names.Vector128}.StoreUnsafe(sums{k}, ref {Names.Unsafe}.Add(ref output, ({(k == 0 ? "t" : $"(t + {k})")} * outputStride) + row));");
        }
    }
}
