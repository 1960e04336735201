using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// Writes the ILGPU kernel of one launch of the plan: the fused norm into shared memory, then each
/// matrix's rows a tile of four per warp, and the epilogue (into the cache with rotary positions,
/// back into the residual stream, SwiGLU, GELU), biases where the plan has them.
/// </summary>
internal static class GpuProjectionEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec, GpuLaunch launch)
    {
        ProjectionOperation projection = launch.Projection;
        var parameters = new List<string>();
        foreach ((string type, string name) in launch.Parameters)
        {
            parameters.Add($"{type} {name}");
        }

        string what = launch.Norm is null ? char.ToUpperInvariant(projection.Description[0]) + projection.Description.Substring(1) : $"{launch.Norm.KindName}, then {projection.Description}";
        w.Line($"/// <summary>{what}{(launch.Rotary ? ", query and key rows turned by the rotary angle of the position" : string.Empty)}.</summary>");
        using (w.Block($"internal static void {launch.Name}({string.Join(", ", parameters)})"))
        {
            string vector = projection.Input;
            if (launch.Norm is not null)
            {
                EmitNormIntoShared(w, launch.Norm);
                vector = "normalized";
            }

            switch (projection.Epilogue)
            {
                case Epilogue.Store:
                    w.Line("int cache = position * KvDim;");
                    foreach (ProjectedMatrix matrix in projection.Matrices)
                    {
                        w.Line();
                        EmitStoredMatrix(w, spec, launch, matrix, vector);
                    }

                    break;
                case Epilogue.AddToResidual:
                {
                    ProjectedMatrix matrix = projection.Matrices[0];
                    GpuKernelsEmitter.EmitProjection(w, matrix.Rows, spec.Size(matrix.Rows), projection.Columns, WeightOf(matrix), vector, (row, value) => $"residual[{row}] += {Biased(matrix, row, value)};");
                    break;
                }

                case Epilogue.SwiGlu:
                    EmitSwiGlu(w, spec, projection, vector);
                    break;
                default:
                {
                    ProjectedMatrix matrix = projection.Matrices[0];
                    GpuKernelsEmitter.EmitProjection(w, matrix.Rows, spec.Size(matrix.Rows), projection.Columns, WeightOf(matrix), vector, (row, value) => $"hidden[{row}] = Gelu({Biased(matrix, row, value)});");
                    break;
                }
            }
        }
    }

    /// <summary>The final norm, then the unembedding: logits[row] = unembedding row . x, one per token of the vocabulary.</summary>
    public static void EmitUnembed(IndentedWriter w, ModelSpec spec, NormOperation norm)
    {
        string bias = norm.Bias is null ? string.Empty : $", {Names.ArrayView}<float> normBias";
        w.Line($"/// <summary>Final {norm.KindName}, then the unembedding: logits[row] = unembedding row . x, one per token of the vocabulary.</summary>");
        using (w.Block($"internal static void {norm.Kind}Unembed({Names.ArrayView}<float> residual, {Names.ArrayView}<float> normWeight{bias}, {Names.ArrayView}<float> unembedding, {Names.ArrayView}<float> logits)"))
        {
            EmitNormIntoShared(w, norm);
            GpuKernelsEmitter.EmitProjection(w, "Vocab", spec.Vocab, "DModel", "unembedding", "normalized", (row, value) => $"logits[{row}] = {value};");
        }
    }

    private static void EmitNormIntoShared(IndentedWriter w, NormOperation norm)
    {
        w.Line($"{Names.ArrayView}<float> normalized = {Names.SharedMemory}.Allocate<float>(DModel);");
        w.Line($"{Names.ArrayView}<float> warpSums = {Names.SharedMemory}.Allocate<float>(MaxWarpsPerGroup);");
        w.Line(norm.Bias is null
            ? $"{norm.Kind}(residual, normWeight, normalized, warpSums);"
            : $"{norm.Kind}(residual, normWeight, normBias, normalized, warpSums);");
        w.Line();
    }

    /// <summary>One matrix of the query/key/value launch: query rows into the query, key and value rows into this position's cache row.</summary>
    private static void EmitStoredMatrix(IndentedWriter w, ModelSpec spec, GpuLaunch launch, ProjectedMatrix matrix, string vector)
    {
        (string target, string offset, string what) = matrix.Output switch
        {
            "query" => ("query", "0", "Query rows"),
            "key" => ("keys", "cache", "Key rows, into the cache"),
            _ => ("values", "cache", "Value rows, into the cache"),
        };
        string at(string row) => offset == "0" ? row : $"{offset} + {row}";
        if (launch.Rotary && matrix.Output != "values")
        {
            w.Line(matrix.Bias is null ? $"// {what}, turned pair by pair." : $"// {what}, plus bias, turned pair by pair.");
            EmitRotatedProjection(w, matrix, spec.Size(matrix.Rows), target, offset, vector);
        }
        else
        {
            w.Line($"// {what}.");
            GpuKernelsEmitter.EmitProjection(w, matrix.Rows, spec.Size(matrix.Rows), "DModel", WeightOf(matrix), vector, (row, value) => $"{target}[{at(row)}] = {Biased(matrix, row, value)};");
        }
    }

    private static void EmitSwiGlu(IndentedWriter w, ModelSpec spec, ProjectionOperation projection, string vector)
    {
        string gate = WeightOf(projection.Matrices[0]);
        string up = WeightOf(projection.Matrices[1]);
        string columns = projection.Columns;
        GpuKernelsEmitter.EmitRowLoops(
            w,
            "FfnDim",
            spec.FfnDim,
            () =>
            {
                w.Line($"{Names.GpuRows4} gates = {Names.GpuReductions}.WarpDot4({gate}, row, {vector}, {columns});");
                w.Line($"{Names.GpuRows4} ups = {Names.GpuReductions}.WarpDot4({up}, row, {vector}, {columns});");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line("hidden[row] = SwiGlu(gates.Row0, ups.Row0);");
                    w.Line("hidden[row + 1] = SwiGlu(gates.Row1, ups.Row1);");
                    w.Line("hidden[row + 2] = SwiGlu(gates.Row2, ups.Row2);");
                    w.Line("hidden[row + 3] = SwiGlu(gates.Row3, ups.Row3);");
                }
            },
            () =>
            {
                w.Line($"float gate = {Names.GpuReductions}.WarpDot({gate}, row, {vector}, {columns});");
                w.Line($"float up = {Names.GpuReductions}.WarpDot({up}, row, {vector}, {columns});");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line("hidden[row] = SwiGlu(gate, up);");
                }
            });
    }

    /// <summary>A query or key projection whose rows are stored turned, two pairs a tile (rows come in pairs: HeadDim is even).</summary>
    private static void EmitRotatedProjection(IndentedWriter w, ProjectedMatrix projected, int rows, string target, string offset, string vector)
    {
        string matrix = WeightOf(projected);
        string Row(string row, string value) => Biased(projected, row, value);
        GpuKernelsEmitter.EmitRowLoops(
            w,
            projected.Rows,
            rows,
            () =>
            {
                w.Line($"{Names.GpuRows4} dots = {Names.GpuReductions}.WarpDot4({matrix}, row, {vector}, DModel);");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line($"StoreRotated({target}, {offset}, row, {Row("row", "dots.Row0")}, {Row("row + 1", "dots.Row1")}, position, rotaryCos, rotarySin);");
                    w.Line($"StoreRotated({target}, {offset}, row + 2, {Row("row + 2", "dots.Row2")}, {Row("row + 3", "dots.Row3")}, position, rotaryCos, rotarySin);");
                }
            },
            () =>
            {
                w.Line($"GpuDotPair dots = WarpDotPairDModel({matrix}, row, {vector});");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line($"StoreRotated({target}, {offset}, row, {Row("row", "dots.First")}, {Row("row + 1", "dots.Second")}, position, rotaryCos, rotarySin);");
                }
            },
            step: 2);
    }

    private static string WeightOf(ProjectedMatrix matrix) => GpuLaunch.Lower(matrix.Weight) + "Weight";

    private static string Biased(ProjectedMatrix matrix, string row, string value) =>
        matrix.Bias is null ? value : $"{value} + {GpuLaunch.Lower(matrix.Weight)}Bias[{row}]";
}
