using System.Collections.Generic;
using Codegen.Generator.Model;
using Codegen.Generator.Plan;

namespace Codegen.Generator.Emit.Gpu;

/// <summary>
/// Writes the ILGPU kernels of one model: warp and group reductions, dot products of a matrix row
/// with a vector for each constant length, causal attention over the device KV cache and the argmax
/// (shared by both families), then the family's own fused kernels (norm + projections, MLP, unembedding).
/// Every size is a constant of the model, so shared arrays are sized at compile time and loops have
/// constant bounds.
/// </summary>
internal static class GpuKernelsEmitter
{
    /// <summary>The kernels every family has, in the order the session loads them.</summary>
    public static IReadOnlyList<GpuKernel> SharedKernels { get; } = new[]
    {
        GpuKernel.Of("Attention", views: 5, scalars: 1),
    };

    /// <summary>Every kernel of the plan: the embedding, a launch per projection, the final norm with the unembedding, then the shared ones.</summary>
    public static IReadOnlyList<GpuKernel> Kernels(ModelPlan plan)
    {
        var kernels = new List<GpuKernel>
        {
            plan.LearnedPositions ? GpuKernel.Of("Embed", views: 3, scalars: 2) : GpuKernel.Of("Embed", views: 2, scalars: 1),
        };
        foreach (GpuLaunch launch in GpuLaunch.Of(plan))
        {
            kernels.Add(launch.Kernel);
        }

        kernels.Add(GpuKernel.Of(plan.FinalNorm.Kind + "Unembed", views: plan.FinalNorm.Bias is null ? 4 : 5));
        kernels.AddRange(SharedKernels);
        return kernels;
    }

    public static void Emit(IndentedWriter w, ModelSpec spec, ModelPlan plan)
    {
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// ILGPU kernels for exactly this shape, for any device ILGPU reaches (CUDA, OpenCL, its CPU accelerator).");
            w.Line("/// Launched with groups of whole warps. Projections give each warp a tile of four output rows: its lanes");
            w.Line("/// stride over the columns, so reads of a weight row are coalesced and each input value serves four rows,");
            w.Line("/// and one shuffle reduction adds the lanes up for all four. Norms and softmax reduce over the whole group");
            w.Line("/// through shared memory. Matrices are row-major [out, in] as on the CPU.");
            w.Line("/// </summary>");
            w.Line(Names.GeneratedCodeAttribute);
            using (w.Block("internal static class GpuKernels"))
            {
                w.Line("/// <summary>Shared slots for one partial result per warp of a group.</summary>");
                w.Line($"private const int MaxWarpsPerGroup = {Names.GpuDevice}.MaxWarpsPerGroup;");
                w.Line();
                w.Line("/// <summary>Shared slots for one partial result per thread of a group.</summary>");
                w.Line($"private const int MaxGroupSize = {Names.GpuDevice}.MaxGroupSize;");
                w.Line();
                EmitLaunchSizes(w, plan);
                w.Line();
                GpuOperationKernelsEmitter.Emit(w, spec, plan);
                foreach (GpuLaunch launch in GpuLaunch.Of(plan))
                {
                    w.Line();
                    GpuProjectionEmitter.Emit(w, spec, launch);
                }

                w.Line();
                GpuProjectionEmitter.EmitUnembed(w, spec, plan.FinalNorm);

                w.Line();
                EmitAttention(w, spec);
            }
        }
    }

    private static void EmitLaunchSizes(IndentedWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>Output rows a warp computes at a time.</summary>");
        w.Line("internal const int TileRows = 4;");
        w.Line();
        w.Line("// Warps each launch needs for one tile of rows per warp (the session launches that many, or fewer).");
        foreach (GpuLaunch launch in GpuLaunch.Of(plan))
        {
            // The query/key/value launch tiles its query rows first; the widest matrix sets the warps.
            w.Line($"internal const int {launch.WarpsConstant} = ({launch.Projection.Matrices[0].Rows} + TileRows - 1) / TileRows;");
        }

        w.Line("internal const int UnembedWarps = (Vocab + TileRows - 1) / TileRows;");
    }

    /// <summary>
    /// Writes a warp's loops over <paramref name="rows"/> output rows: whole tiles of four rows first
    /// (<paramref name="tileBody"/>, with <c>row</c> the tile's first row), then, only when the count is not a
    /// multiple of four, the rows left over <paramref name="step"/> at a time (<paramref name="leftoverBody"/>).
    /// </summary>
    public static void EmitRowLoops(IndentedWriter w, string rowsName, int rows, System.Action tileBody, System.Action leftoverBody, int step = 1)
    {
        using (w.Block($"for (int tile = {Names.GpuReductions}.FirstRowOfWarp(); tile < {rowsName} / TileRows; tile += {Names.GpuReductions}.WarpsOfLaunch())"))
        {
            w.Line("int row = TileRows * tile;");
            tileBody();
        }

        if (rows % 4 != 0)
        {
            w.Line();
            w.Line($"// The {rows % 4} rows after the last whole tile{(step == 1 ? string.Empty : $", {step} at a time")}.");
            string first = step == 1 ? $"{Names.GpuReductions}.FirstRowOfWarp()" : $"({step} * {Names.GpuReductions}.FirstRowOfWarp())";
            string next = step == 1 ? $"{Names.GpuReductions}.WarpsOfLaunch()" : $"{step} * {Names.GpuReductions}.WarpsOfLaunch()";
            using (w.Block($"for (int row = (({rowsName} / TileRows) * TileRows) + {first}; row < {rowsName}; row += {next})"))
            {
                leftoverBody();
            }
        }
    }

    /// <summary>
    /// Writes the common projection: <paramref name="rows"/> rows of <paramref name="matrix"/> (with
    /// <paramref name="columns"/> columns) times <paramref name="vector"/>, each result stored by the line
    /// <paramref name="store"/>(row expression, value expression).
    /// </summary>
    public static void EmitProjection(IndentedWriter w, string rowsName, int rows, string columns, string matrix, string vector, System.Func<string, string, string> store)
    {
        EmitRowLoops(
            w,
            rowsName,
            rows,
            () =>
            {
                w.Line($"{Names.GpuRows4} dots = {Names.GpuReductions}.WarpDot4({matrix}, row, {vector}, {columns});");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line(store("row", "dots.Row0"));
                    w.Line(store("row + 1", "dots.Row1"));
                    w.Line(store("row + 2", "dots.Row2"));
                    w.Line(store("row + 3", "dots.Row3"));
                }
            },
            () =>
            {
                w.Line($"float dot = {Names.GpuReductions}.WarpDot({matrix}, row, {vector}, {columns});");
                using (w.Block($"if ({Names.Warp}.IsFirstLane)"))
                {
                    w.Line(store("row", "dot"));
                }
            });
    }

    private static void EmitAttention(IndentedWriter w, ModelSpec spec)
    {
        w.Line("/// <summary>");
        w.Line("/// Causal attention of the newest position, one group per query head: scores of the keys of positions");
        w.Line("/// 0..position (never a later one) scaled by 1/sqrt(HeadDim), a softmax made safe by subtracting the");
        w.Line("/// maximum, then the values summed with those weights. Query heads share key/value heads in groups of");
        w.Line("/// QueriesPerKvHead. <paramref name=\"keys\"/> and <paramref name=\"values\"/> are this layer's [Context, KvDim] cache.");
        w.Line("/// </summary>");
        using (w.Block($"internal static void Attention({Names.ArrayView}<float> query, {Names.ArrayView}<float> keys, {Names.ArrayView}<float> values, {Names.ArrayView}<float> scores, {Names.ArrayView}<float> output, int position)"))
        {
            string start = spec.SlidingWindow > 0 ? "first + " : string.Empty;
            w.Line($"{Names.ArrayView}<float> headQuery = {Names.SharedMemory}.Allocate<float>(HeadDim);");
            w.Line($"{Names.ArrayView}<float> warpSums = {Names.SharedMemory}.Allocate<float>(MaxWarpsPerGroup);");
            w.Line($"{Names.ArrayView}<float> partialSums = {Names.SharedMemory}.Allocate<float>(MaxGroupSize);");
            w.Line("// One head per group (a launch with fewer groups takes the heads in turns).");
            w.Line($"for (int head = {Names.Grid}.IdxX; head < Heads; head += {Names.Grid}.DimX)");
            w.Line("{");
            w.Indent();
            w.Line("int kvOffset = (head / QueriesPerKvHead) * HeadDim;");
            if (spec.SlidingWindow > 0)
            {
                w.Line("// The sliding window: positions older than the last SlidingWindow are masked too.");
                w.Line("int first = position < SlidingWindow ? 0 : position + 1 - SlidingWindow;");
            }

            w.Line("int headScores = head * Context;");
            using (w.Block($"for (int i = {Names.Group}.IdxX; i < HeadDim; i += {Names.Group}.DimX)"))
            {
                w.Line("headQuery[i] = query[(head * HeadDim) + i];");
            }

            w.Line($"{Names.Group}.Barrier();");
            w.Line();
            w.Line("// Scores: one position per thread, its key read whole.");
            w.Line($"float sqrtHeadDim = {Names.MathF}.Sqrt(HeadDim);");
            w.Line("float localMax = float.NegativeInfinity;");
            using (w.Block($"for (int t = {start}{Names.Group}.IdxX; t <= position; t += {Names.Group}.DimX)"))
            {
                w.Line("long key = ((long)t * KvDim) + kvOffset;");
                w.Line("float dot = 0;");
                using (w.Block("for (int i = 0; i < HeadDim; i++)"))
                {
                    w.Line("dot += headQuery[i] * keys[key + i];");
                }

                w.Line("float score = dot / sqrtHeadDim;");
                w.Line("scores[headScores + t] = score;");
                w.Line("localMax = score > localMax ? score : localMax;");
            }

            w.Line($"float max = {Names.GpuReductions}.GroupMax(localMax, warpSums);");
            w.Line();
            w.Line("// Softmax: exponentials of score - max (never overflows), then their sum. Each thread rewrites the");
            w.Line("// scores it wrote; the barriers of GroupSum publish them to the whole group.");
            w.Line("float localSum = 0;");
            using (w.Block($"for (int t = {start}{Names.Group}.IdxX; t <= position; t += {Names.Group}.DimX)"))
            {
                w.Line($"float weight = {Names.MathF}.Exp(scores[headScores + t] - max);");
                w.Line("scores[headScores + t] = weight;");
                w.Line("localSum += weight;");
            }

            w.Line($"float sum = {Names.GpuReductions}.GroupSum(localSum, warpSums);");
            w.Line();
            w.Line("// Weighted sum of the values. Thread i sums dimension i % HeadDim over every slices-th position from");
            w.Line("// i / HeadDim on; the slices are then added up in shared memory.");
            w.Line($"int slices = {Names.Group}.DimX / HeadDim;");
            using (w.Block("if (slices == 0)"))
            {
                w.Line("// Heads wider than the group: each thread takes whole dimensions.");
                using (w.Block($"for (int dimension = {Names.Group}.IdxX; dimension < HeadDim; dimension += {Names.Group}.DimX)"))
                {
                    w.Line("float total = 0;");
                    using (w.Block($"for (int t = {(spec.SlidingWindow > 0 ? "first" : "0")}; t <= position; t++)"))
                    {
                        w.Line("total += (scores[headScores + t] / sum) * values[((long)t * KvDim) + kvOffset + dimension];");
                    }

                    w.Line("output[(head * HeadDim) + dimension] = total;");
                }
            }

            using (w.Block("else"))
            {
                w.Line($"int dimension = {Names.Group}.IdxX % HeadDim;");
                w.Line($"int slice = {Names.Group}.IdxX / HeadDim;");
                w.Line("float partial = 0;");
                using (w.Block("if (slice < slices)"))
                {
                    using (w.Block($"for (int t = {start}slice; t <= position; t += slices)"))
                    {
                        w.Line("partial += (scores[headScores + t] / sum) * values[((long)t * KvDim) + kvOffset + dimension];");
                    }
                }

                w.Line($"partialSums[{Names.Group}.IdxX] = partial;");
                w.Line($"{Names.Group}.Barrier();");
                using (w.Block("if (slice == 0)"))
                {
                    w.Line("float total = 0;");
                    using (w.Block("for (int s = 0; s < slices; s++)"))
                    {
                        w.Line("total += partialSums[(s * HeadDim) + dimension];");
                    }

                    w.Line("output[(head * HeadDim) + dimension] = total;");
                }
            }

            w.Unindent();
            w.Line("}");
        }
    }
}
