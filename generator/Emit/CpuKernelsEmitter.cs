using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;
using Codegen.Tuning;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU kernels of one model: SIMD dot products unrolled for each constant length,
/// row-range matrix-vector products, softmax and causal attention (shared by both families), then
/// the family's own kernels (norms, positions, fused projections).
/// </summary>
internal static class CpuKernelsEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        w.Line();
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// CPU kernels for exactly this shape. Every length is a constant, so loops are unrolled here and the");
            w.Line("/// JIT drops the branches for SIMD widths the processor lacks: Vector256 with FMA where available,");
            w.Line("/// Vector128 next, plain scalar code last. Matrices are row-major [out, in]; row ranges let the");
            w.Line("/// session split one product over the worker pool.");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block("internal static class CpuKernels"))
            {
                w.Line("/// <summary>Positions the CPU KV cache holds: Context rounded up to two whole vectors of eight.</summary>");
                w.Line($"internal const int CachePositions = {(spec.Context + 15) / 16 * 16};");
                w.Line();
                var dotLengths = new List<(string Name, int Length)> { ("DModel", spec.DModel), ("FfnDim", spec.FfnDim) };
                bool streamRows = StreamsRows(spec);
                foreach ((string name, int length) in dotLengths)
                {
                    EmitDot(w, name, length);
                    w.Line();
                    if (streamRows)
                    {
                        EmitStreamedDot(w, name, length);
                        w.Line();
                    }

                    EmitDotOfFourRows(w, name, length, streamRows);
                    w.Line();
                }

                EmitMultiplyRows(w, spec, "DModel");
                w.Line();
                EmitMultiplyRows(w, spec, "FfnDim");
                w.Line();
                CpuBatchEmitter.Emit(w, spec);
                w.Line();
                CpuAttentionEmitter.Emit(w, spec);
                w.Line();
                CpuOperationKernelsEmitter.Emit(w, spec, plan);
                foreach (ProjectionOperation projection in plan.Projections)
                {
                    w.Line();
                    CpuProjectionEmitter.EmitDecode(w, spec, projection);
                    w.Line();
                    CpuProjectionEmitter.EmitBatch(w, projection);
                }
            }
        }
    }

    /// <summary>
    /// Whether the Vector256 matrix-vector products read rows one after another with a prefetch
    /// (models whose float32 matrices, <see cref="ModelSpec.MatrixValues"/>, outgrow the caches) or four
    /// rows interleaved (small models).
    /// Measured: the 15M shape decodes about 30% faster streaming rows; stories260K, whose weights
    /// stay in cache, about 10% slower.
    /// </summary>
    internal static bool StreamsRows(ModelSpec spec) => spec.MatrixValues * sizeof(float) > TuningConstants.CachedWeightBytes;

    private static void EmitDot(IndentedWriter w, string name, int length)
    {
        w.Line($"/// <summary>Dot product of two vectors of {name} = {length} values.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveInlining)]");
        using (w.Block($"internal static float Dot{name}(ref float left, ref float right)"))
        {
            EmitVectorDot(w, 256, 8, length);
            EmitVectorDot(w, 128, 4, length);
            w.Line("float sum = 0;");
            using (w.Block($"for (int i = 0; i < {length}; i++)"))
            {
                w.Line($"sum += {Names.Unsafe}.Add(ref left, i) * {Names.Unsafe}.Add(ref right, i);");
            }

            w.Line("return sum;");
        }
    }

    /// <summary>
    /// The Vector256 dot product of one weight row streamed from memory: the same sums as
    /// <c>Dot{name}</c> with a software prefetch of the row 2 KB ahead every 32 values, so a
    /// matrix-vector product reads its matrix as one forward stream, row after row.
    /// </summary>
    private static void EmitStreamedDot(IndentedWriter w, string name, int length)
    {
        w.Line($"/// <summary>Dot product of a weight row of {name} = {length} values with an input, prefetching the row ahead (Vector256 only).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveInlining)]");
        using (w.Block($"internal static float DotStreamed{name}(ref float row, ref float input)"))
        {
            w.Line("ref float left = ref row;");
            w.Line("ref float right = ref input;");
            EmitVectorDot(w, 256, 8, length, prefetch: true);
            w.Line($"return Dot{name}(ref row, ref input);");
        }
    }

    /// <summary>
    /// One SIMD width's dot product for a constant length: up to four independent accumulators,
    /// straight-line code when the length is short, a loop of four vectors a step when it is long,
    /// then the leftover vectors and scalar tail spelled out.
    /// </summary>
    private static void EmitVectorDot(IndentedWriter w, int bits, int lanes, int length, bool prefetch = false)
    {
        int vectors = length / lanes;
        if (vectors == 0)
        {
            return;
        }

        string type = $"{Names.Intrinsics}.Vector{bits}<float>";
        int accumulators = vectors < 4 ? vectors : 4;
        int blocks = vectors / accumulators;
        int leftover = vectors % accumulators;
        int blockWidth = accumulators * lanes;

        using (w.Block($"if ({Names.Intrinsics}.Vector{bits}.IsHardwareAccelerated)"))
        {
            for (int a = 0; a < accumulators; a++)
            {
                w.Line($"{type} sum{a} = {type}.Zero;");
            }

            if (blocks <= 4)
            {
                for (int b = 0; b < blocks; b++)
                {
                    if (prefetch)
                    {
                        w.Line($"{Names.SimdMath}.PrefetchAhead(ref {Names.Unsafe}.Add(ref left, {b * blockWidth}));");
                    }

                    for (int a = 0; a < accumulators; a++)
                    {
                        w.Line(MultiplyAddLine(bits, a, ((b * blockWidth) + (a * lanes)).ToString()));
                    }
                }
            }
            else
            {
                using (w.Block($"for (nuint i = 0; i < {blocks * blockWidth}; i += {blockWidth})"))
                {
                    if (prefetch)
                    {
                        w.Line($"{Names.SimdMath}.PrefetchAhead(ref {Names.Unsafe}.Add(ref left, i));");
                    }

                    for (int a = 0; a < accumulators; a++)
                    {
                        w.Line(MultiplyAddLine(bits, a, a == 0 ? "i" : $"i + {a * lanes}"));
                    }
                }
            }

            for (int a = 0; a < leftover; a++)
            {
                w.Line(MultiplyAddLine(bits, a, ((blocks * blockWidth) + (a * lanes)).ToString()));
            }

            w.Line($"float total = {Names.Intrinsics}.Vector{bits}.Sum({SumAccumulators(accumulators)});");
            for (int i = vectors * lanes; i < length; i++)
            {
                w.Line($"total += {Names.Unsafe}.Add(ref left, {i}) * {Names.Unsafe}.Add(ref right, {i});");
            }

            w.Line("return total;");
        }
    }

    private static string MultiplyAddLine(int bits, int accumulator, string offset) =>
        $"sum{accumulator} = {Names.SimdMath}.MultiplyAdd({Names.Intrinsics}.Vector{bits}.LoadUnsafe(ref left, {offset}), {Names.Intrinsics}.Vector{bits}.LoadUnsafe(ref right, {offset}), sum{accumulator});";

    private static string SumAccumulators(int count) => count switch
    {
        1 => "sum0",
        2 => "sum0 + sum1",
        3 => "(sum0 + sum1) + sum2",
        _ => "(sum0 + sum1) + (sum2 + sum3)",
    };

    /// <summary>
    /// Four dot products at once: four consecutive matrix rows (stride = length) with one input. The
    /// input is loaded once for all four, each row has its own accumulator, and one shuffle tree makes
    /// the four horizontal sums.
    /// </summary>
    private static void EmitDotOfFourRows(IndentedWriter w, string name, int length, bool streamRows)
    {
        w.Line($"/// <summary>Dot products of rows 0..3 (each {name} = {length} values, one after another) with one input.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveInlining)]");
        using (w.Block($"internal static {Names.Vector128}<float> DotFourRows{name}(ref float rows, ref float input)"))
        {
            foreach ((int bits, int lanes) in new[] { (256, 8), (128, 4) })
            {
                int vectors = length / lanes;
                if (vectors == 0)
                {
                    continue;
                }

                string vector = $"{Names.Intrinsics}.Vector{bits}";
                if (bits == 256 && streamRows)
                {
                    // Measured from DRAM: one row after another with a prefetch reads the matrix faster
                    // than four rows interleaved (one stream instead of four); from cache they tie.
                    using (w.Block($"if ({vector}.IsHardwareAccelerated)"))
                    {
                        w.Line($"return {Names.Vector128}.Create(DotStreamed{name}(ref rows, ref input), DotStreamed{name}(ref {Names.Unsafe}.Add(ref rows, {length}), ref input), DotStreamed{name}(ref {Names.Unsafe}.Add(ref rows, {2 * length}), ref input), DotStreamed{name}(ref {Names.Unsafe}.Add(ref rows, {3 * length}), ref input));");
                    }

                    continue;
                }

                using (w.Block($"if ({vector}.IsHardwareAccelerated)"))
                {
                    for (int r = 0; r < 4; r++)
                    {
                        w.Line($"{vector}<float> sum{r} = {vector}<float>.Zero;");
                    }

                    if (vectors <= 12)
                    {
                        for (int v = 0; v < vectors; v++)
                        {
                            EmitFourRowStep(w, vector, (v * lanes).ToString(), length);
                        }
                    }
                    else
                    {
                        using (w.Block($"for (nuint i = 0; i < {vectors * lanes}; i += {lanes})"))
                        {
                            EmitFourRowStep(w, vector, "i", length);
                        }
                    }

                    w.Line($"{Names.Vector128}<float> sums = {Names.SimdMath}.SumEach(sum0, sum1, sum2, sum3);");
                    if (vectors * lanes < length)
                    {
                        w.Line("float tail0 = 0, tail1 = 0, tail2 = 0, tail3 = 0;");
                        using (w.Block($"for (int i = {vectors * lanes}; i < {length}; i++)"))
                        {
                            w.Line($"float x = {Names.Unsafe}.Add(ref input, i);");
                            for (int r = 0; r < 4; r++)
                            {
                                w.Line($"tail{r} += {Names.Unsafe}.Add(ref rows, {r * length} + i) * x;");
                            }
                        }

                        w.Line($"sums += {Names.Vector128}.Create(tail0, tail1, tail2, tail3);");
                    }

                    w.Line("return sums;");
                }
            }

            w.Line($"return {Names.Vector128}.Create(Dot{name}(ref rows, ref input), Dot{name}(ref {Names.Unsafe}.Add(ref rows, {length}), ref input), Dot{name}(ref {Names.Unsafe}.Add(ref rows, {2 * length}), ref input), Dot{name}(ref {Names.Unsafe}.Add(ref rows, {3 * length}), ref input));");
        }
    }

    private static void EmitFourRowStep(IndentedWriter w, string vector, string offset, int length)
    {
        w.Line($"{vector}<float> x{(offset == "i" ? string.Empty : offset)} = {vector}.LoadUnsafe(ref input, {offset});");
        string x = $"x{(offset == "i" ? string.Empty : offset)}";
        for (int r = 0; r < 4; r++)
        {
            string rowOffset = r == 0 ? offset : (offset == "i" ? $"i + {r * length}" : (int.Parse(offset) + (r * length)).ToString());
            w.Line($"sum{r} = {Names.SimdMath}.MultiplyAdd({vector}.LoadUnsafe(ref rows, {rowOffset}), {x}, sum{r});");
        }
    }

    /// <summary>
    /// Writes a loop over rows [start, end) of one or more matrices with <paramref name="columns"/> columns
    /// and the same input: four rows at a time (each product a Vector128 of four results), then single rows.
    /// </summary>
    /// <param name="products">(matrix expression, result name) pairs; the block body sees Vector128 results, the row body floats.</param>
    public static void EmitRowLoop(IndentedWriter w, ModelSpec spec, string columnsName, string inputReference, (string Matrix, string Result)[] products, string[] blockBody, string[] rowBody)
    {
        MatrixCode code = MatrixCode.For(spec);
        int columns = columnsName == "FfnDim" ? spec.FfnDim : spec.DModel;
        code.EmitInput(w, inputReference, columnsName, columns);
        for (int i = 0; i < products.Length; i++)
        {
            code.EmitMatrix(w, i, products[i].Matrix);
        }

        w.Line("int row = start;");
        if (code.FourRowsStartOnGroups)
        {
            w.Line("// Four-row products read one stored group of four rows: single rows up to the first group.");
            using (w.Block("for (; row < end && (row & 3) != 0; row++)"))
            {
                EmitOneRow(w, code, columnsName, columns, products, rowBody);
            }
        }

        using (w.Block("for (; row + 4 <= end; row += 4)"))
        {
            for (int i = 0; i < products.Length; i++)
            {
                w.Line($"{Names.Vector128}<float> {products[i].Result} = {code.FourRows(i, columnsName, columns)};");
            }

            foreach (string line in blockBody)
            {
                w.Line(line);
            }
        }

        using (w.Block("for (; row < end; row++)"))
        {
            EmitOneRow(w, code, columnsName, columns, products, rowBody);
        }
    }

    private static void EmitOneRow(IndentedWriter w, MatrixCode code, string columnsName, int columns, (string Matrix, string Result)[] products, string[] rowBody)
    {
        for (int i = 0; i < products.Length; i++)
        {
            w.Line($"float {products[i].Result} = {code.OneRow(i, columnsName, columns)};");
        }

        foreach (string line in rowBody)
        {
            w.Line(line);
        }
    }

    public static void EmitMultiplyRows(IndentedWriter w, ModelSpec spec, string columns)
    {
        w.Line($"/// <summary>output[row] = matrix[row, :] . input for rows [start, end) of a matrix with {columns} columns.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRows{columns}({MatrixCode.For(spec).TypeName} matrix, ref float input, ref float output, int start, int end)"))
        {
            EmitRowLoop(
                w,
                spec,
                columns,
                "input",
                new[] { ("matrix", "dot") },
                new[] { $"{Names.Vector128}.StoreUnsafe(dot, ref output, (nuint)row);" },
                new[] { $"{Names.Unsafe}.Add(ref output, row) = dot;" });
        }
    }
}
