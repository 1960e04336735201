using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU kernels of one projection of the plan, for decode (one token, a range of output rows)
/// and for prefill (every token of a chunk): the fused matrices, their biases when the plan has them,
/// and the epilogue (store, add back into the residual stream, SwiGLU, GELU). One writer for every
/// family: a bias is a flag of the operation, not another kernel.
/// </summary>
internal static class CpuProjectionEmitter
{
    /// <summary>The decode kernel's call, with {0} and {1} where the row range goes.</summary>
    public static string DecodeCall(ProjectionOperation projection) => projection.Epilogue switch
    {
        Epilogue.Store => $"CpuKernels.{projection.Name}(layer, {projection.Input}, {string.Join(", ", StoreOutputs(projection, decode: true))}, {{0}}, {{1}})",
        Epilogue.AddToResidual => $"CpuKernels.{projection.Name}(layer, {projection.Input}, residual, {{0}}, {{1}})",
        _ => $"CpuKernels.{projection.Name}(layer, {projection.Input}, hidden, {{0}}, {{1}})",
    };

    /// <summary>The prefill kernel's call over the chunk's batch buffers, with {0} and {1} where the row range goes.</summary>
    public static string BatchCall(ProjectionOperation projection) => projection.Epilogue switch
    {
        Epilogue.Store => $"CpuKernels.{projection.Name}Batch(layer, {projection.Input}Batch, {string.Join(", ", StoreOutputs(projection, decode: false))}, batchCount, {{0}}, {{1}})",
        Epilogue.AddToResidual => $"CpuKernels.{projection.Name}Batch(layer, {projection.Input}Batch, projectedBatch, residualBatch, batchCount, {{0}}, {{1}})",
        Epilogue.SwiGlu => $"CpuKernels.{projection.Name}Batch(layer, {projection.Input}Batch, hiddenBatch, upBatch, batchCount, {{0}}, {{1}})",
        _ => $"CpuKernels.{projection.Name}Batch(layer, {projection.Input}Batch, hiddenBatch, batchCount, {{0}}, {{1}})",
    };

    /// <summary>The outputs of a store projection: decode writes the value straight into the cache at its position.</summary>
    private static IEnumerable<string> StoreOutputs(ProjectionOperation projection, bool decode)
    {
        foreach (ProjectedMatrix matrix in projection.Matrices)
        {
            if (!decode)
            {
                yield return BatchName(matrix.Output);
            }
            else if (matrix.Output == "values")
            {
                yield return "values";
                yield return "currentPosition * KvDim";
            }
            else
            {
                yield return matrix.Output;
            }
        }
    }

    /// <summary>The batch buffer of a decode vector: one row per token of the chunk.</summary>
    private static string BatchName(string vector) => vector == "values" ? "valueBatch" : vector + "Batch";

    public static void EmitDecode(IndentedWriter w, ModelSpec spec, ProjectionOperation projection)
    {
        switch (projection.Epilogue)
        {
            case Epilogue.Store:
                EmitStore(w, spec, projection);
                break;
            case Epilogue.AddToResidual:
                EmitAddToResidual(w, spec, projection);
                break;
            case Epilogue.SwiGlu:
                EmitSwiGlu(w, spec, projection);
                break;
            default:
                EmitGelu(w, spec, projection);
                break;
        }
    }

    public static void EmitBatch(IndentedWriter w, ProjectionOperation projection)
    {
        string columns = projection.Columns;
        switch (projection.Epilogue)
        {
            case Epilogue.Store:
                EmitStoreBatch(w, projection);
                break;
            case Epilogue.AddToResidual:
            {
                ProjectedMatrix matrix = projection.Matrices[0];
                string bias = matrix.Bias is null ? string.Empty : " + bias[row]";
                w.Line($"/// <summary>residual[t, row] += {Lower(matrix.Weight)} projection row . {projection.Input}[t, :]{bias}, for rows [start, end) and every token of the chunk.</summary>");
                w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
                using (w.Block($"internal static void {projection.Name}Batch(LayerWeights layer, float[] {projection.Input}, float[] projected, float[] residual, int tokens, int start, int end)"))
                {
                    w.Line($"MultiplyRowsBatch{columns}(layer.{matrix.Weight}, ref {projection.Input}[0], ref projected[0], DModel, tokens, start, end);");
                    using (w.Block("for (int t = 0; t < tokens; t++)"))
                    {
                        w.Line($"{Names.Span}<float> rows = new {Names.Span}<float>(projected, (t * DModel) + start, end - start);");
                        if (matrix.Bias is not null)
                        {
                            w.Line($"AddInPlace(rows, layer.{matrix.Bias}.Values.Slice(start, end - start));");
                        }

                        w.Line($"AddInPlace(new {Names.Span}<float>(residual, (t * DModel) + start, end - start), rows);");
                    }
                }

                break;
            }

            case Epilogue.SwiGlu:
                w.Line("/// <summary>Gate and up products of every token of a prefill chunk for rows [start, end), then SwiGLU on those rows into hidden.</summary>");
                w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
                using (w.Block($"internal static void {projection.Name}Batch(LayerWeights layer, float[] input, float[] hidden, float[] up, int tokens, int start, int end)"))
                {
                    w.Line($"MultiplyRowsBatch{columns}(layer.{projection.Matrices[0].Weight}, ref input[0], ref hidden[0], FfnDim, tokens, start, end);");
                    w.Line($"MultiplyRowsBatch{columns}(layer.{projection.Matrices[1].Weight}, ref input[0], ref up[0], FfnDim, tokens, start, end);");
                    using (w.Block("for (int t = 0; t < tokens; t++)"))
                    {
                        w.Line($"SwiGluInPlace(new {Names.Span}<float>(hidden, (t * FfnDim) + start, end - start), new {Names.Span}<float>(up, (t * FfnDim) + start, end - start));");
                    }
                }

                break;
            default:
            {
                ProjectedMatrix matrix = projection.Matrices[0];
                w.Line($"/// <summary>{matrix.Weight} products of every token of a prefill chunk for rows [start, end), then bias and GELU on those rows.</summary>");
                w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
                using (w.Block($"internal static void {projection.Name}Batch(LayerWeights layer, float[] input, float[] hidden, int tokens, int start, int end)"))
                {
                    w.Line($"MultiplyRowsBatch{columns}(layer.{matrix.Weight}, ref input[0], ref hidden[0], FfnDim, tokens, start, end);");
                    using (w.Block("for (int t = 0; t < tokens; t++)"))
                    {
                        w.Line(matrix.Bias is null
                            ? $"GeluInPlace(new {Names.Span}<float>(hidden, (t * FfnDim) + start, end - start));"
                            : $"AddBiasGelu(new {Names.Span}<float>(hidden, (t * FfnDim) + start, end - start), layer.{matrix.Bias}.Values.Slice(start, end - start));");
                    }
                }

                break;
            }
        }
    }

    /// <summary>
    /// The matrices of a store projection one after another in one row range: rows [0, rows of the first)
    /// are the first matrix's, then the second's, and so on, so the pool can split them as one product.
    /// </summary>
    private static void EmitStore(IndentedWriter w, ModelSpec spec, ProjectionOperation projection)
    {
        var parameters = new List<string>();
        foreach (ProjectedMatrix matrix in projection.Matrices)
        {
            parameters.Add($"float[] {matrix.Output}");
            if (matrix.Output == "values")
            {
                parameters.Add("int valueOffset");
            }
        }

        w.Line("/// <summary>");
        w.Line($"/// {Capitalize(projection.Description)}: rows [0, {projection.Matrices[0].Rows}) are the {Lower(projection.Matrices[0].Weight)}, then the");
        w.Line("/// next matrix's rows, and so on; the value rows are written into the value cache at valueOffset.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void {projection.Name}(LayerWeights layer, float[] input, {string.Join(", ", parameters)}, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            foreach ((ProjectedMatrix matrix, string first, string last) in RowRanges(projection))
            {
                string target = matrix.Output == "values" ? "values[valueOffset]" : $"{matrix.Output}[0]";
                string multiply = $"MultiplyRows{projection.Columns}(layer.{matrix.Weight}, ref x, ref {target}, ";
                if (matrix.Bias is null)
                {
                    w.Line($"{multiply}{first}, {last});");
                }
                else
                {
                    string local = Lower(matrix.Weight);
                    w.Line($"int {local}Start = {first}, {local}End = {last};");
                    w.Line($"{multiply}{local}Start, {local}End);");
                    string span = matrix.Output == "values" ? $"new {Names.Span}<float>(values, valueOffset, {matrix.Rows})" : $"new {Names.Span}<float>({matrix.Output})";
                    w.Line($"AddBias({span}, layer.{matrix.Bias}.Values, {local}Start, {local}End);");
                }

            }
        }
    }

    private static void EmitStoreBatch(IndentedWriter w, ProjectionOperation projection)
    {
        var outputs = new List<string>();
        foreach (ProjectedMatrix matrix in projection.Matrices)
        {
            outputs.Add($"float[] {BatchName(matrix.Output)}");
        }

        w.Line("/// <summary>");
        w.Line($"/// {Capitalize(projection.Description)}, for every token of a chunk: rows [0, {projection.Matrices[0].Rows}) are the");
        w.Line($"/// {Lower(projection.Matrices[0].Weight)}, then the next matrix's rows, and so on, one output row per token.");
        w.Line("/// </summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void {projection.Name}Batch(LayerWeights layer, float[] input, {string.Join(", ", outputs)}, int tokens, int start, int end)"))
        {
            w.Line("ref float x = ref input[0];");
            foreach ((ProjectedMatrix matrix, string first, string last) in RowRanges(projection))
            {
                string output = BatchName(matrix.Output);
                if (matrix.Bias is null)
                {
                    w.Line($"MultiplyRowsBatch{projection.Columns}(layer.{matrix.Weight}, ref x, ref {output}[0], {matrix.Rows}, tokens, {first}, {last});");
                }
                else
                {
                    string local = Lower(matrix.Weight);
                    w.Line($"int {local}Start = {first}, {local}End = {last};");
                    w.Line($"MultiplyRowsBatch{projection.Columns}(layer.{matrix.Weight}, ref x, ref {output}[0], {matrix.Rows}, tokens, {local}Start, {local}End);");
                    using (w.Block("for (int t = 0; t < tokens; t++)"))
                    {
                        w.Line($"AddBias(new {Names.Span}<float>({output}, t * {matrix.Rows}, {matrix.Rows}), layer.{matrix.Bias}.Values, {local}Start, {local}End);");
                    }
                }

            }
        }
    }

    private static void EmitAddToResidual(IndentedWriter w, ModelSpec spec, ProjectionOperation projection)
    {
        ProjectedMatrix matrix = projection.Matrices[0];
        bool biased = matrix.Bias is not null;
        w.Line($"/// <summary>residual[row] += {Lower(matrix.Weight)} projection row . {projection.Input}{(biased ? " + bias" : string.Empty)}, for rows [start, end).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void {projection.Name}(LayerWeights layer, float[] {projection.Input}, float[] residual, int start, int end)"))
        {
            if (biased)
            {
                w.Line($"ref float bias = ref layer.{matrix.Bias}.Data;");
            }

            w.Line("ref float sum = ref residual[0];");
            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                projection.Columns,
                $"{projection.Input}[0]",
                new[] { ($"layer.{matrix.Weight}", "dot") },
                new[]
                {
                    biased
                        ? $"{Names.Vector128}.StoreUnsafe({Names.Vector128}.LoadUnsafe(ref sum, (nuint)row) + (dot + {Names.Vector128}.LoadUnsafe(ref bias, (nuint)row)), ref sum, (nuint)row);"
                        : $"{Names.Vector128}.StoreUnsafe({Names.Vector128}.LoadUnsafe(ref sum, (nuint)row) + dot, ref sum, (nuint)row);",
                },
                new[] { biased ? $"{Names.Unsafe}.Add(ref sum, row) += dot + {Names.Unsafe}.Add(ref bias, row);" : $"{Names.Unsafe}.Add(ref sum, row) += dot;" });
        }
    }

    private static void EmitSwiGlu(IndentedWriter w, ModelSpec spec, ProjectionOperation projection)
    {
        string gate = $"layer.{projection.Matrices[0].Weight}";
        string up = $"layer.{projection.Matrices[1].Weight}";
        w.Line("/// <summary>SwiGLU, gate and up in one pass: hidden[row] = silu(gate row . x) * (up row . x), for rows [start, end).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void {projection.Name}(LayerWeights layer, float[] input, float[] hidden, int start, int end)"))
        {
            if (!MatrixCode.For(spec).QuantizesInput && CpuKernelsEmitter.StreamsRows(spec))
            {
                w.Line("// Gate rows, then up rows: each matrix read front to back as one stream.");
                w.Line($"MultiplyRows{projection.Columns}({gate}, ref input[0], ref hidden[0], start, end);");
                CpuKernelsEmitter.EmitRowLoop(
                    w,
                    spec,
                    projection.Columns,
                    "input[0]",
                    new[] { (up, "u") },
                    new[]
                    {
                        $"{Names.Vector128}<float> g = {Names.Vector128}.LoadUnsafe(ref hidden[0], (nuint)row);",
                        $"{Names.Vector128}.StoreUnsafe(g * ({Names.Vector128}<float>.One / ({Names.Vector128}<float>.One + {Names.SimdMath}.Exp(-g))) * u, ref hidden[0], (nuint)row);",
                    },
                    new[] { "float g = hidden[row];", $"hidden[row] = g * (1.0f / (1.0f + {Names.MathF}.Exp(-g))) * u;" });
            }
            else
            {
                CpuKernelsEmitter.EmitRowLoop(
                    w,
                    spec,
                    projection.Columns,
                    "input[0]",
                    new[] { (gate, "g"), (up, "u") },
                    new[] { $"{Names.Vector128}.StoreUnsafe(g * ({Names.Vector128}<float>.One / ({Names.Vector128}<float>.One + {Names.SimdMath}.Exp(-g))) * u, ref hidden[0], (nuint)row);" },
                    new[] { $"hidden[row] = g * (1.0f / (1.0f + {Names.MathF}.Exp(-g))) * u;" });
            }
        }
    }

    private static void EmitGelu(IndentedWriter w, ModelSpec spec, ProjectionOperation projection)
    {
        ProjectedMatrix matrix = projection.Matrices[0];
        bool biased = matrix.Bias is not null;
        w.Line($"/// <summary>hidden[row] = GELU({Lower(matrix.Weight)} projection row . x{(biased ? " + bias" : string.Empty)}), for rows [start, end).</summary>");
        w.Line($"[{Names.MethodImpl}({Names.MethodImplOptions}.AggressiveOptimization)]");
        using (w.Block($"internal static void {projection.Name}(LayerWeights layer, float[] input, float[] hidden, int start, int end)"))
        {
            if (biased)
            {
                w.Line($"ref float bias = ref layer.{matrix.Bias}.Data;");
            }

            CpuKernelsEmitter.EmitRowLoop(
                w,
                spec,
                projection.Columns,
                "input[0]",
                new[] { ($"layer.{matrix.Weight}", "dot") },
                new[] { biased ? $"{Names.Vector128}.StoreUnsafe({Names.SimdMath}.Gelu(dot + {Names.Vector128}.LoadUnsafe(ref bias, (nuint)row)), ref hidden[0], (nuint)row);" : $"{Names.Vector128}.StoreUnsafe({Names.SimdMath}.Gelu(dot), ref hidden[0], (nuint)row);" },
                new[] { biased ? $"hidden[row] = Gelu(dot + {Names.Unsafe}.Add(ref bias, row));" : "hidden[row] = Gelu(dot);" });
        }
    }

    /// <summary>
    /// Each matrix of a store projection with its part of the row range [start, end): rows [0, rows of the first)
    /// are the first matrix's, the next ones the second's, and so on.
    /// </summary>
    private static IEnumerable<(ProjectedMatrix Matrix, string First, string Last)> RowRanges(ProjectionOperation projection)
    {
        string offset = string.Empty;
        foreach (ProjectedMatrix matrix in projection.Matrices)
        {
            yield return offset.Length == 0
                ? (matrix, "start", $"{Names.Math}.Min(end, {matrix.Rows})")
                : (matrix, $"{Names.Math}.Max(start - {offset}, 0)", $"{Names.Math}.Min(end - {offset}, {matrix.Rows})");
            offset = offset.Length == 0 ? matrix.Rows : $"{offset} - {matrix.Rows}";
        }
    }

    private static string Lower(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
}
