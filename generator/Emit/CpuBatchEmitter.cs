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
    /// <summary>Prefill's product for a bf16, Q8 or Q4 matrix with <paramref name="name"/> columns (float32 ones are the runtime's).</summary>
    public static void EmitFormatBatch(IndentedWriter w, ModelSpec spec, string name)
    {
        if (spec.Weights == WeightFormat.BF16)
        {
            EmitBf16MultiplyRowsBatch(w, name);
            return;
        }

        MatrixCode code = MatrixCode.For(spec);
        if (spec.Weights == WeightFormat.Q4)
        {
            w.Line("/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): four tokens a pass over the weights (see Q4BatchProducts).</summary>");
            w.Line(Names.AggressiveInlining);
            w.Line($"internal static void MultiplyRowsBatch{name}({code.TypeName} matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end) => {Names.Q4BatchProducts}.MultiplyRowsBatch(matrix, ref input, {name}, ref output, outputStride, tokens, start, end);");
            return;
        }

        w.Line("/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): with AVX-512 and enough tokens in tiles of six dequantized rows by 64 tokens, otherwise four tokens a pass over the weights (see Q8BatchProducts).</summary>");
        w.Line(Names.AggressiveOptimization);
        using (w.Block($"internal static void MultiplyRowsBatch{name}({code.TypeName} matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
        {
            EmitFeatureMajorTiles(
                w,
                "whole tiles of six rows, dequantized to float32 once, by up to 64 tokens against a feature-major copy of the input;",
                $"{Names.DequantizedTileProducts}.MultiplyRows(matrix, ref input, {name}, ref output, outputStride, tokens, start, end)");
            w.Line();
            w.Line($"{Names.Q8BatchProducts}.MultiplyRowsBatch(matrix, ref input, {name}, ref output, outputStride, tokens, start, end);");
        }
    }

    /// <summary>
    /// The AVX-512 branch every batch product starts with: from <c>FeatureMajorProducts.MinimumTokens</c> tokens, the
    /// runtime's tiles of six rows by 64 tokens take the rows of whole tiles, returning at once when that was all of them.
    /// </summary>
    private static void EmitFeatureMajorTiles(IndentedWriter w, string whatTheTilesDo, string tilesCall)
    {
        using (w.Block($"if ({Names.FeatureMajorProducts}.Applies(tokens))"))
        {
            w.Line($"// With AVX-512 and enough tokens: {whatTheTilesDo}");
            w.Line("// the rows past the last whole tile go on below.");
            w.Line($"start = {tilesCall};");
            using (w.Block("if (start == end)"))
            {
                w.Line("return;");
            }
        }
    }

    /// <summary>
    /// The bf16 batch product: with AVX-512 and enough tokens, <c>FeatureMajorProducts</c>' tiles (returning at once
    /// when they covered every row); otherwise three tokens at a time, their inputs put in the bf16 kernels' order once,
    /// then tiles of four weight rows by those three tokens, so each widened pair of weights serves three
    /// tokens; tokens left over go one at a time.
    /// </summary>
    private static void EmitBf16MultiplyRowsBatch(IndentedWriter w, string name)
    {
        w.Line($"/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): with AVX-512 and enough tokens in tiles of six rows by 64 tokens, otherwise three tokens at a time.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRowsBatch{name}({Names.Bf16Matrix} matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end)"))
        {
            w.Line("ref ushort weights = ref matrix.Data;");
            EmitFeatureMajorTiles(
                w,
                "whole tiles of six rows by up to 64 tokens against a feature-major copy of the input, each weight widened and broadcast once;",
                $"{Names.FeatureMajorProducts}.MultiplyRows<ushort, {Names.Bf16Broadcast}>(ref weights, {name}, ref input, ref output, outputStride, tokens, start, end)");
            w.Line();
            w.Line("// Three tokens' inputs in the order the bf16 kernels widen weight pairs in (see Bf16Kernels.PrepareInput).");
            w.Line($"{Names.Span}<float> inputsInKernelOrder = stackalloc float[3 * {name}];");
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
}
