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
    /// <summary>The runtime's float32 product kernels for one column count, specialized to it by the model's Shape.</summary>
    private static string F32(string kernel, string columns) => $"{Names.F32Products}.{kernel}<{Names.Kernels}.{columns}Columns<Shape>>";

    /// <summary>
    /// Opens the partial <c>CpuKernels</c> class of one generated file, with <paramref name="description"/>
    /// as the comment that says what that file holds.
    /// </summary>
    public static System.IDisposable OpenKernels(IndentedWriter w, ModelSpec spec, string[] description, out System.IDisposable inner, bool first = false)
    {
        System.IDisposable outer = w.Block($"partial class {spec.ClassName}");
        w.Line("/// <summary>");
        foreach (string line in description)
        {
            w.Line("/// " + line);
        }

        w.Line("/// </summary>");
        if (first)
        {
            // Attributes go on one part of a partial class only.
            w.Line(Names.GeneratedCodeAttribute);
        }

        inner = w.Block("internal static partial class CpuKernels");
        return outer;
    }

    /// <summary>
    /// The products file: dot products and row-range matrix-vector and matrix-matrix products for the two
    /// input lengths (DModel, FfnDim). Float32 ones are the runtime's kernels, compiled for this shape's
    /// constants; bf16 and Q8 matrices are read by row loops written here over the runtime's format kernels.
    /// </summary>
    public static void EmitProducts(IndentedWriter w, ModelSpec spec)
    {
        using (OpenKernels(w, spec, new[]
        {
            "Products: every projection is rows of a weight matrix (row-major [out, in]) times an input vector. Each",
            "length is a constant of this shape, so the runtime's kernels compile unrolled for it and the JIT drops",
            "the branches for SIMD widths the processor lacks (Vector256 with FMA, then Vector128, then scalar).",
            "Row ranges let the session split one product over the worker pool.",
        }, out System.IDisposable inner, first: true))
        using (inner)
        {
            w.Line("/// <summary>Positions the CPU KV cache holds: Context rounded up to a whole block of sixteen.</summary>");
            w.Line($"internal const int CachePositions = {(spec.Context + 15) / 16 * 16};");
            foreach (string columns in new[] { "DModel", "FfnDim" })
            {
                w.Line();
                if (spec.Weights == WeightFormat.F32)
                {
                    EmitFloat32Dots(w, columns);
                    w.Line($"/// <summary>output[row] = matrix[row, :] . input for rows [start, end) of a matrix with {columns} columns.</summary>");
                    w.Line(Names.AggressiveInlining);
                    w.Line($"internal static void MultiplyRows{columns}({Names.WeightTensor} matrix, ref float input, ref float output, int start, int end) => {F32("MultiplyRows", columns)}(matrix, ref input, ref output, start, end);");
                    w.Line();
                    w.Line($"/// <summary>output[t, row] = matrix[row, :] . input[t, :] for rows [start, end) and tokens [0, tokens): prefill's matrix-matrix product.</summary>");
                    w.Line(Names.AggressiveInlining);
                    w.Line($"internal static void MultiplyRowsBatch{columns}({Names.WeightTensor} weights, ref float input, ref float output, int outputStride, int tokens, int start, int end) => {Names.F32BatchProducts}.MultiplyRowsBatch<{Names.Kernels}.{columns}Columns<Shape>>(weights, ref input, ref output, outputStride, tokens, start, end);");
                }
                else
                {
                    EmitMultiplyRows(w, spec, MatrixCode.For(spec), columns);
                    w.Line();
                    CpuBatchEmitter.EmitFormatBatch(w, spec, columns);
                }

                if (columns == "DModel" && MatrixCode.UnembeddingDiffers(spec))
                {
                    w.Line();
                    w.Line("// The unembedding's own format (a 4-bit model keeps it in 8 bits): the same product, overloaded by matrix type.");
                    EmitMultiplyRows(w, spec, MatrixCode.ForUnembedding(spec), columns);
                }
            }
        }
    }

    private static void EmitFloat32Dots(IndentedWriter w, string columns)
    {
        w.Line($"/// <summary>Dot product of two vectors of {columns} values.</summary>");
        w.Line(Names.AggressiveInlining);
        w.Line($"internal static float Dot{columns}(ref float left, ref float right) => {F32("Dot", columns)}(ref left, ref right);");
        w.Line();
        w.Line($"/// <summary>Dot products of four consecutive rows of {columns} values with one input.</summary>");
        w.Line(Names.AggressiveInlining);
        w.Line($"internal static {Names.Vector128}<float> DotFourRows{columns}(ref float rows, ref float input) => {F32("DotFourRows", columns)}(ref rows, ref input);");
        w.Line();
    }

    /// <summary>The attention file: the key cache layout and causal attention, the runtime's kernels for this shape.</summary>
    public static void EmitAttention(IndentedWriter w, ModelSpec spec)
    {
        var summary = new System.Collections.Generic.List<string>
        {
            "Attention: each query head scores the cached keys of positions 0..position (the causal mask: never a",
            "later one), scaled by 1/sqrt(HeadDim), turns the scores into weights with a softmax and sums the cached",
            "values with them; query heads share key/value heads in groups of QueriesPerKvHead. Keys are cached",
            "transposed in blocks of sixteen positions, values one row per position.",
        };
        if (spec.SlidingWindow > 0)
        {
            summary.Add("The sliding window (Shape.AttentionWindow = SlidingWindow) also hides the positions before");
            summary.Add("position - SlidingWindow + 1: a query sees the last SlidingWindow positions, itself included.");
        }

        using (OpenKernels(w, spec, summary.ToArray(), out System.IDisposable inner))
        using (inner)
        {
            string attention = Names.CpuAttention, keyCache = Names.KeyCache;
            w.Line("/// <summary>Writes this position's key into the blocked, transposed key cache.</summary>");
            w.Line(Names.AggressiveInlining);
            w.Line($"internal static void StoreKey({Names.ReadOnlySpan}<float> key, float[] keys, int position) => {keyCache}.StoreKey<Shape>(key, keys, position);");
            w.Line();
            w.Line("/// <summary>Writes the keys of a prefill chunk's tokens [first, end) into the key cache from firstPosition on.</summary>");
            w.Line(Names.AggressiveInlining);
            w.Line($"internal static void StoreKeys(float[] keyRows, int first, int end, float[] keys, int firstPosition) => {keyCache}.StoreKeys<Shape>(keyRows, first, end, keys, firstPosition);");
            w.Line();
            w.Line("/// <summary>Causal attention of the newest position over the cache, for query heads [startHead, endHead).</summary>");
            w.Line(Names.AggressiveInlining);
            w.Line($"internal static void Attention({Names.Span}<float> query, float[] keys, float[] values, int position, float[] scores, {Names.Span}<float> output, int startHead, int endHead) => {attention}.Attention<Shape>(query, keys, values, position, scores, output, startHead, endHead);");
            w.Line();
            w.Line("/// <summary>Causal attention of each token of a prefill chunk (token t at position firstPosition + t), query heads [startHead, endHead).</summary>");
            w.Line(Names.AggressiveInlining);
            w.Line($"internal static void AttentionBatch(float[] query, float[] keys, float[] values, int firstPosition, int tokens, float[] scores, float[] output, int startHead, int endHead) => {attention}.AttentionBatch<Shape>(query, keys, values, firstPosition, tokens, scores, output, startHead, endHead);");
        }
    }

    /// <summary>The operations file: the plan's norms, rotary positions and activations, then its projections (decode and prefill).</summary>
    public static void EmitOperations(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        using (OpenKernels(w, spec, new[]
        {
            "Model operations, in the layer's order: the norm of the residual stream, rotary positions, the",
            "activations of the MLP, and each projection of the layer with its biases and what follows it (into",
            "the cache, added back into the residual stream, SwiGLU, GELU), for one token and for a prefill chunk.",
        }, out System.IDisposable inner))
        using (inner)
        {
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

    /// <summary>
    /// Whether the Vector256 matrix-vector products read rows one after another with a prefetch
    /// (models whose float32 matrices, <see cref="ModelSpec.MatrixValues"/>, outgrow the caches) or four
    /// rows interleaved (small models).
    /// Measured: the 15M shape decodes about 30% faster streaming rows; stories260K, whose weights
    /// stay in cache, about 10% slower.
    /// </summary>
    internal static bool StreamsRows(ModelSpec spec) => spec.MatrixValues * sizeof(float) > TuningConstants.CachedWeightBytes;

    /// <summary>
    /// Writes a loop over rows [start, end) of one or more matrices with <paramref name="columns"/> columns
    /// and the same input: four rows at a time (each product a Vector128 of four results), then single rows.
    /// </summary>
    /// <param name="products">(matrix expression, result name) pairs; the block body sees Vector128 results, the row body floats.</param>
    public static void EmitRowLoop(IndentedWriter w, ModelSpec spec, string columnsName, string inputReference, (string Matrix, string Result)[] products, string[] blockBody, string[] rowBody) =>
        EmitRowLoop(w, spec, MatrixCode.For(spec), columnsName, inputReference, products, blockBody, rowBody);

    /// <summary><see cref="EmitRowLoop(IndentedWriter, ModelSpec, string, string, (string, string)[], string[], string[])"/> for matrices read through <paramref name="code"/>.</summary>
    private static void EmitRowLoop(IndentedWriter w, ModelSpec spec, MatrixCode code, string columnsName, string inputReference, (string Matrix, string Result)[] products, string[] blockBody, string[] rowBody)
    {
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

    public static void EmitMultiplyRows(IndentedWriter w, ModelSpec spec, MatrixCode code, string columns)
    {
        w.Line($"/// <summary>output[row] = matrix[row, :] . input for rows [start, end) of a matrix with {columns} columns.</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void MultiplyRows{columns}({code.TypeName} matrix, ref float input, ref float output, int start, int end)"))
        {
            EmitRowLoop(
                w,
                spec,
                code,
                columns,
                "input",
                new[] { ("matrix", "dot") },
                new[] { $"{Names.Vector128}.StoreUnsafe(dot, ref output, (nuint)row);" },
                new[] { $"{Names.Unsafe}.Add(ref output, row) = dot;" });
        }
    }
}
