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
        new GpuKernel("ArgMax", new[] { GpuKernel.View, GpuKernel.IntView }),
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
        w.Line("using System;");
        w.Line("using global::ILGPU;");
        w.Line("using global::ILGPU.Runtime;");
        w.Line();
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// ILGPU kernels for exactly this shape, for any device ILGPU reaches (CUDA, OpenCL, its CPU accelerator).");
            w.Line("/// Launched with groups of whole warps. Projections give each warp a tile of four output rows: its lanes");
            w.Line("/// stride over the columns, so reads of a weight row are coalesced and each input value serves four rows,");
            w.Line("/// and one shuffle reduction adds the lanes up for all four. Norms and softmax reduce over the whole group");
            w.Line("/// through shared memory. Matrices are row-major [out, in] as on the CPU.");
            w.Line("/// </summary>");
            using (w.Block("internal static class GpuKernels"))
            {
                w.Line("/// <summary>Shared slots for one partial result per warp of a group.</summary>");
                w.Line("private const int MaxWarpsPerGroup = global::Codegen.Gpu.GpuDevice.MaxWarpsPerGroup;");
                w.Line();
                w.Line("/// <summary>Shared slots for one partial result per thread of a group.</summary>");
                w.Line("private const int MaxGroupSize = global::Codegen.Gpu.GpuDevice.MaxGroupSize;");
                w.Line();
                EmitReductions(w);
                w.Line();
                var dotLengths = new List<string> { "DModel", "FfnDim" };
                foreach (string columns in dotLengths)
                {
                    EmitWarpDot(w, columns);
                    w.Line();
                    EmitWarpDot4(w, columns);
                    w.Line();
                }

                EmitRowOfWarp(w);
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
                EmitAttention(w);
                w.Line();
                EmitArgMax(w);
                w.Line();
                w.Line("/// <summary>Four dot products computed together by one warp: a tile of four output rows.</summary>");
                using (w.Block("internal struct Rows4"))
                {
                    w.Line("public float Row0;");
                    w.Line("public float Row1;");
                    w.Line("public float Row2;");
                    w.Line("public float Row3;");
                }
            }
        }
    }

    private static void EmitReductions(IndentedWriter w)
    {
        w.Line("/// <summary>Sum over the lanes of a warp by shuffles; lane 0 gets the total.</summary>");
        using (w.Block("private static float WarpSum(float value)"))
        {
            using (w.Block("for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)"))
            {
                w.Line("value += Warp.ShuffleDown(value, offset);");
            }

            w.Line("return value;");
        }

        w.Line();
        w.Line("/// <summary>Sum over the lanes of a warp by a butterfly of xor shuffles; every lane gets the same total.</summary>");
        using (w.Block("private static float WarpAllSum(float value)"))
        {
            using (w.Block("for (int mask = Warp.WarpSize / 2; mask > 0; mask /= 2)"))
            {
                w.Line("value += Warp.ShuffleXor(value, mask);");
            }

            w.Line("return value;");
        }

        w.Line();
        w.Line("/// <summary>Maximum over the lanes of a warp; every lane gets it.</summary>");
        using (w.Block("private static float WarpAllMax(float value)"))
        {
            using (w.Block("for (int mask = Warp.WarpSize / 2; mask > 0; mask /= 2)"))
            {
                w.Line("float other = Warp.ShuffleXor(value, mask);");
                w.Line("value = other > value ? other : value;");
            }

            w.Line("return value;");
        }

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Sum over every thread of the group; every thread gets the same total. Each warp adds its lanes; with");
        w.Line("/// more than one warp, lane 0 leaves the warp's sum in <paramref name=\"warpSums\"/> (shared memory) and");
        w.Line("/// every thread adds those in the same order. Every thread of the group must call it.");
        w.Line("/// </summary>");
        using (w.Block("private static float GroupSum(float value, ArrayView<float> warpSums)"))
        {
            w.Line("value = WarpAllSum(value);");
            using (w.Block("if (Group.DimX == Warp.WarpSize)"))
            {
                w.Line("return value;");
            }

            using (w.Block("if (Warp.IsFirstLane)"))
            {
                w.Line("warpSums[Warp.WarpIdx] = value;");
            }

            w.Line("Group.Barrier();");
            w.Line("float total = 0;");
            w.Line("int warps = Group.DimX / Warp.WarpSize;");
            using (w.Block("for (int warp = 0; warp < warps; warp++)"))
            {
                w.Line("total += warpSums[warp];");
            }

            w.Line("// The slots are free again once everyone has read them.");
            w.Line("Group.Barrier();");
            w.Line("return total;");
        }

        w.Line();
        w.Line("/// <summary>Maximum over every thread of the group, as <see cref=\"GroupSum\"/> does the sum.</summary>");
        using (w.Block("private static float GroupMax(float value, ArrayView<float> warpSums)"))
        {
            w.Line("value = WarpAllMax(value);");
            using (w.Block("if (Group.DimX == Warp.WarpSize)"))
            {
                w.Line("return value;");
            }

            using (w.Block("if (Warp.IsFirstLane)"))
            {
                w.Line("warpSums[Warp.WarpIdx] = value;");
            }

            w.Line("Group.Barrier();");
            w.Line("float max = float.NegativeInfinity;");
            w.Line("int warps = Group.DimX / Warp.WarpSize;");
            using (w.Block("for (int warp = 0; warp < warps; warp++)"))
            {
                w.Line("max = warpSums[warp] > max ? warpSums[warp] : max;");
            }

            w.Line("Group.Barrier();");
            w.Line("return max;");
        }
    }

    public static void EmitWarpDot(IndentedWriter w, string columns)
    {
        w.Line($"/// <summary>Dot product of row <paramref name=\"row\"/> of a matrix with {columns} columns and <paramref name=\"vector\"/>, by one warp; lane 0 gets it.</summary>");
        using (w.Block($"private static float WarpDot{columns}(ArrayView<float> matrix, int row, ArrayView<float> vector)"))
        {
            w.Line($"long start = (long)row * {columns};");
            w.Line("float sum = 0;");
            using (w.Block($"for (int column = Warp.LaneIdx; column < {columns}; column += Warp.WarpSize)"))
            {
                w.Line("sum += matrix[start + column] * vector[column];");
            }

            w.Line("return WarpSum(sum);");
        }
    }

    private static void EmitWarpDot4(IndentedWriter w, string columns)
    {
        w.Line($"/// <summary>Dot products of rows <paramref name=\"row\"/> to row + 3 of a matrix with {columns} columns and <paramref name=\"vector\"/>, by one warp in one pass over the vector; lane 0 gets them.</summary>");
        using (w.Block($"private static Rows4 WarpDot4{columns}(ArrayView<float> matrix, int row, ArrayView<float> vector)"))
        {
            w.Line($"long start = (long)row * {columns};");
            w.Line("Rows4 sums = default;");
            using (w.Block($"for (int column = Warp.LaneIdx; column < {columns}; column += Warp.WarpSize)"))
            {
                w.Line("float x = vector[column];");
                w.Line("sums.Row0 += matrix[start + column] * x;");
                w.Line($"sums.Row1 += matrix[start + {columns} + column] * x;");
                w.Line($"sums.Row2 += matrix[start + (2 * {columns}) + column] * x;");
                w.Line($"sums.Row3 += matrix[start + (3 * {columns}) + column] * x;");
            }

            w.Line("// One shuffle of all four sums a step.");
            using (w.Block("for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)"))
            {
                w.Line("Rows4 other = Warp.ShuffleDown(sums, offset);");
                w.Line("sums.Row0 += other.Row0;");
                w.Line("sums.Row1 += other.Row1;");
                w.Line("sums.Row2 += other.Row2;");
                w.Line("sums.Row3 += other.Row3;");
            }

            w.Line("return sums;");
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
        using (w.Block($"for (int tile = FirstRowOfWarp(); tile < {rowsName} / TileRows; tile += WarpsOfLaunch())"))
        {
            w.Line("int row = TileRows * tile;");
            tileBody();
        }

        if (rows % 4 != 0)
        {
            w.Line();
            w.Line($"// The {rows % 4} rows after the last whole tile{(step == 1 ? string.Empty : $", {step} at a time")}.");
            string first = step == 1 ? "FirstRowOfWarp()" : $"({step} * FirstRowOfWarp())";
            string next = step == 1 ? "WarpsOfLaunch()" : $"{step} * WarpsOfLaunch()";
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
                w.Line($"Rows4 dots = WarpDot4{columns}({matrix}, row, {vector});");
                using (w.Block("if (Warp.IsFirstLane)"))
                {
                    w.Line(store("row", "dots.Row0"));
                    w.Line(store("row + 1", "dots.Row1"));
                    w.Line(store("row + 2", "dots.Row2"));
                    w.Line(store("row + 3", "dots.Row3"));
                }
            },
            () =>
            {
                w.Line($"float dot = WarpDot{columns}({matrix}, row, {vector});");
                using (w.Block("if (Warp.IsFirstLane)"))
                {
                    w.Line(store("row", "dot"));
                }
            });
    }

    private static void EmitRowOfWarp(IndentedWriter w)
    {
        w.Line("/// <summary>The first output row (or row pair) of this warp: warp w of group g takes row g * warps per group + w.</summary>");
        using (w.Block("private static int FirstRowOfWarp()"))
        {
            w.Line("return (Grid.IdxX * (Group.DimX / Warp.WarpSize)) + Warp.WarpIdx;");
        }

        w.Line();
        w.Line("/// <summary>Warps in the whole launch: a launch with fewer warps than rows takes the rows in turns of this many.</summary>");
        using (w.Block("private static int WarpsOfLaunch()"))
        {
            w.Line("return Grid.DimX * (Group.DimX / Warp.WarpSize);");
        }
    }

    private static void EmitAttention(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Causal attention of the newest position, one group per query head: scores of the keys of positions");
        w.Line("/// 0..position (never a later one) scaled by 1/sqrt(HeadDim), a softmax made safe by subtracting the");
        w.Line("/// maximum, then the values summed with those weights. Query heads share key/value heads in groups of");
        w.Line("/// QueriesPerKvHead. <paramref name=\"keys\"/> and <paramref name=\"values\"/> are this layer's [Context, KvDim] cache.");
        w.Line("/// </summary>");
        using (w.Block("internal static void Attention(ArrayView<float> query, ArrayView<float> keys, ArrayView<float> values, ArrayView<float> scores, ArrayView<float> output, int position)"))
        {
            w.Line("ArrayView<float> headQuery = SharedMemory.Allocate<float>(HeadDim);");
            w.Line("ArrayView<float> warpSums = SharedMemory.Allocate<float>(MaxWarpsPerGroup);");
            w.Line("ArrayView<float> partialSums = SharedMemory.Allocate<float>(MaxGroupSize);");
            w.Line("// One head per group (a launch with fewer groups takes the heads in turns).");
            w.Line("for (int head = Grid.IdxX; head < Heads; head += Grid.DimX)");
            w.Line("{");
            w.Indent();
            w.Line("int kvOffset = (head / QueriesPerKvHead) * HeadDim;");
            w.Line("int headScores = head * Context;");
            using (w.Block("for (int i = Group.IdxX; i < HeadDim; i += Group.DimX)"))
            {
                w.Line("headQuery[i] = query[(head * HeadDim) + i];");
            }

            w.Line("Group.Barrier();");
            w.Line();
            w.Line("// Scores: one position per thread, its key read whole.");
            w.Line("float sqrtHeadDim = MathF.Sqrt(HeadDim);");
            w.Line("float localMax = float.NegativeInfinity;");
            using (w.Block("for (int t = Group.IdxX; t <= position; t += Group.DimX)"))
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

            w.Line("float max = GroupMax(localMax, warpSums);");
            w.Line();
            w.Line("// Softmax: exponentials of score - max (never overflows), then their sum. Each thread rewrites the");
            w.Line("// scores it wrote; the barriers of GroupSum publish them to the whole group.");
            w.Line("float localSum = 0;");
            using (w.Block("for (int t = Group.IdxX; t <= position; t += Group.DimX)"))
            {
                w.Line("float weight = MathF.Exp(scores[headScores + t] - max);");
                w.Line("scores[headScores + t] = weight;");
                w.Line("localSum += weight;");
            }

            w.Line("float sum = GroupSum(localSum, warpSums);");
            w.Line();
            w.Line("// Weighted sum of the values. Thread i sums dimension i % HeadDim over every slices-th position from");
            w.Line("// i / HeadDim on; the slices are then added up in shared memory.");
            w.Line("int slices = Group.DimX / HeadDim;");
            using (w.Block("if (slices == 0)"))
            {
                w.Line("// Heads wider than the group: each thread takes whole dimensions.");
                using (w.Block("for (int dimension = Group.IdxX; dimension < HeadDim; dimension += Group.DimX)"))
                {
                    w.Line("float total = 0;");
                    using (w.Block("for (int t = 0; t <= position; t++)"))
                    {
                        w.Line("total += (scores[headScores + t] / sum) * values[((long)t * KvDim) + kvOffset + dimension];");
                    }

                    w.Line("output[(head * HeadDim) + dimension] = total;");
                }
            }

            using (w.Block("else"))
            {
                w.Line("int dimension = Group.IdxX % HeadDim;");
                w.Line("int slice = Group.IdxX / HeadDim;");
                w.Line("float partial = 0;");
                using (w.Block("if (slice < slices)"))
                {
                    using (w.Block("for (int t = slice; t <= position; t += slices)"))
                    {
                        w.Line("partial += (scores[headScores + t] / sum) * values[((long)t * KvDim) + kvOffset + dimension];");
                    }
                }

                w.Line("partialSums[Group.IdxX] = partial;");
                w.Line("Group.Barrier();");
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

    private static void EmitArgMax(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// The index of the largest logit (the first one on ties, as Sampler.ArgMax), by one group: each thread");
        w.Line("/// scans every group-size-th logit, then thread 0 compares the threads' bests.");
        w.Line("/// </summary>");
        using (w.Block("internal static void ArgMax(ArrayView<float> logits, ArrayView<int> best)"))
        {
            w.Line("ArrayView<float> bestValues = SharedMemory.Allocate<float>(MaxGroupSize);");
            w.Line("ArrayView<int> bestIndices = SharedMemory.Allocate<int>(MaxGroupSize);");
            w.Line("int index = Group.IdxX < Vocab ? Group.IdxX : 0;");
            w.Line("float value = logits[index];");
            using (w.Block("for (int i = Group.IdxX + Group.DimX; i < Vocab; i += Group.DimX)"))
            {
                using (w.Block("if (logits[i] > value)"))
                {
                    w.Line("value = logits[i];");
                    w.Line("index = i;");
                }
            }

            w.Line("bestValues[Group.IdxX] = value;");
            w.Line("bestIndices[Group.IdxX] = index;");
            w.Line("Group.Barrier();");
            using (w.Block("if (Group.IsFirstThread)"))
            {
                using (w.Block("for (int thread = 1; thread < Group.DimX; thread++)"))
                {
                    w.Line("float candidate = bestValues[thread];");
                    using (w.Block("if (candidate > value || (candidate == value && bestIndices[thread] < index))"))
                    {
                        w.Line("value = candidate;");
                        w.Line("index = bestIndices[thread];");
                    }
                }

                w.Line("best[0] = index;");
            }
        }
    }
}
