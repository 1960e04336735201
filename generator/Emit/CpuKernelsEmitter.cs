using System.Collections.Generic;
using Codegen.Generator.Model;

namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the CPU kernels of one model: SIMD dot products unrolled for each constant length,
/// row-range matrix-vector products, softmax and causal attention (shared by both families), then
/// the family's own kernels (norms, positions, fused projections).
/// </summary>
internal static class CpuKernelsEmitter
{
    public static void Emit(IndentedWriter w, ModelSpec spec)
    {
        w.Line("using System;");
        w.Line("using System.Runtime.CompilerServices;");
        w.Line("using System.Runtime.InteropServices;");
        w.Line("using System.Runtime.Intrinsics;");
        w.Line("using Codegen;");
        w.Line("using Codegen.Kernels;");
        w.Line();
        using (w.Block($"partial class {spec.ClassName}"))
        {
            w.Line("/// <summary>");
            w.Line("/// CPU kernels for exactly this shape. Every length is a constant, so loops are unrolled here and the");
            w.Line("/// JIT drops the branches for SIMD widths the processor lacks: Vector256 with FMA where available,");
            w.Line("/// Vector128 next, plain scalar code last. Matrices are row-major [out, in]; row ranges let the");
            w.Line("/// session split one product over the worker pool.");
            w.Line("/// </summary>");
            using (w.Block("internal static class CpuKernels"))
            {
                var dotLengths = new List<(string Name, int Length)> { ("DModel", spec.DModel), ("FfnDim", spec.FfnDim), ("HeadDim", spec.HeadDim) };
                foreach ((string name, int length) in dotLengths)
                {
                    EmitDot(w, name, length);
                    w.Line();
                }

                EmitAddScaled(w, "HeadDim", spec.HeadDim);
                w.Line();
                EmitMultiplyRows(w, "DModel");
                w.Line();
                EmitSoftmax(w);
                w.Line();
                EmitAttention(w);
                w.Line();
                if (spec.Family == Family.Gpt2)
                {
                    Gpt2CpuEmitter.EmitKernels(w, spec);
                }
                else
                {
                    LlamaCpuEmitter.EmitKernels(w, spec);
                }
            }
        }
    }

    private static void EmitDot(IndentedWriter w, string name, int length)
    {
        w.Line($"/// <summary>Dot product of two vectors of {name} = {length} values.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"internal static float Dot{name}(ref float left, ref float right)"))
        {
            EmitVectorDot(w, 256, 8, length);
            EmitVectorDot(w, 128, 4, length);
            w.Line("float sum = 0;");
            using (w.Block($"for (int i = 0; i < {length}; i++)"))
            {
                w.Line("sum += Unsafe.Add(ref left, i) * Unsafe.Add(ref right, i);");
            }

            w.Line("return sum;");
        }
    }

    /// <summary>
    /// One SIMD width's dot product for a constant length: up to four independent accumulators,
    /// straight-line code when the length is short, a loop of four vectors a step when it is long,
    /// then the leftover vectors and scalar tail spelled out.
    /// </summary>
    private static void EmitVectorDot(IndentedWriter w, int bits, int lanes, int length)
    {
        int vectors = length / lanes;
        if (vectors == 0)
        {
            return;
        }

        string type = $"Vector{bits}<float>";
        int accumulators = vectors < 4 ? vectors : 4;
        int blocks = vectors / accumulators;
        int leftover = vectors % accumulators;
        int blockWidth = accumulators * lanes;

        using (w.Block($"if (Vector{bits}.IsHardwareAccelerated)"))
        {
            for (int a = 0; a < accumulators; a++)
            {
                w.Line($"{type} sum{a} = {type}.Zero;");
            }

            if (blocks <= 4)
            {
                for (int b = 0; b < blocks; b++)
                {
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

            w.Line($"float total = Vector{bits}.Sum({SumAccumulators(accumulators)});");
            for (int i = vectors * lanes; i < length; i++)
            {
                w.Line($"total += Unsafe.Add(ref left, {i}) * Unsafe.Add(ref right, {i});");
            }

            w.Line("return total;");
        }
    }

    private static string MultiplyAddLine(int bits, int accumulator, string offset) =>
        $"sum{accumulator} = SimdMath.MultiplyAdd(Vector{bits}.LoadUnsafe(ref left, {offset}), Vector{bits}.LoadUnsafe(ref right, {offset}), sum{accumulator});";

    private static string SumAccumulators(int count) => count switch
    {
        1 => "sum0",
        2 => "sum0 + sum1",
        3 => "(sum0 + sum1) + sum2",
        _ => "(sum0 + sum1) + (sum2 + sum3)",
    };

    private static void EmitAddScaled(IndentedWriter w, string name, int length)
    {
        w.Line($"/// <summary>destination += scale * source, for vectors of {name} = {length} values.</summary>");
        w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"internal static void AddScaled{name}(ref float destination, ref float source, float scale)"))
        {
            foreach ((int bits, int lanes) in new[] { (256, 8), (128, 4) })
            {
                int vectors = length / lanes;
                if (vectors == 0)
                {
                    continue;
                }

                using (w.Block($"if (Vector{bits}.IsHardwareAccelerated)"))
                {
                    w.Line($"Vector{bits}<float> factor = Vector{bits}.Create(scale);");
                    using (w.Block($"for (nuint i = 0; i < {vectors * lanes}; i += {lanes})"))
                    {
                        w.Line($"Vector{bits}.StoreUnsafe(SimdMath.MultiplyAdd(Vector{bits}.LoadUnsafe(ref source, i), factor, Vector{bits}.LoadUnsafe(ref destination, i)), ref destination, i);");
                    }

                    for (int i = vectors * lanes; i < length; i++)
                    {
                        w.Line($"Unsafe.Add(ref destination, {i}) += scale * Unsafe.Add(ref source, {i});");
                    }

                    w.Line("return;");
                }
            }

            using (w.Block($"for (int i = 0; i < {length}; i++)"))
            {
                w.Line("Unsafe.Add(ref destination, i) += scale * Unsafe.Add(ref source, i);");
            }
        }
    }

    private static void EmitMultiplyRows(IndentedWriter w, string columns)
    {
        w.Line($"/// <summary>output[row] = matrix[row, :] . input for rows [start, end) of a matrix with {columns} columns.</summary>");
        using (w.Block($"internal static void MultiplyRows{columns}(ref float matrix, ref float input, ref float output, int start, int end)"))
        {
            using (w.Block("for (int row = start; row < end; row++)"))
            {
                w.Line($"Unsafe.Add(ref output, row) = Dot{columns}(ref Unsafe.Add(ref matrix, (nint)row * {columns}), ref input);");
            }
        }
    }

    private static void EmitSoftmax(IndentedWriter w)
    {
        w.Line("/// <summary>Softmax in place: subtract the maximum (numerically safe), exponentiate, divide by the sum.</summary>");
        using (w.Block("internal static void Softmax(Span<float> values)"))
        {
            w.Line("float max = values[0];");
            using (w.Block("for (int i = 1; i < values.Length; i++)"))
            {
                w.Line("max = MathF.Max(max, values[i]);");
            }

            w.Line("float sum = 0;");
            using (w.Block("for (int i = 0; i < values.Length; i++)"))
            {
                w.Line("values[i] = MathF.Exp(values[i] - max);");
                w.Line("sum += values[i];");
            }

            using (w.Block("for (int i = 0; i < values.Length; i++)"))
            {
                w.Line("values[i] /= sum;");
            }
        }
    }

    private static void EmitAttention(IndentedWriter w)
    {
        w.Line("/// <summary>");
        w.Line("/// Causal multi-head attention of the newest position over the cache, for query heads [startHead, endHead):");
        w.Line("/// each head scores the keys of positions 0..position (the causal mask: never a later one), scaled by");
        w.Line("/// 1/sqrt(HeadDim), turns the scores into weights with a softmax and sums the values with those weights.");
        w.Line("/// Query heads share key/value heads in groups of QueriesPerKvHead.");
        w.Line("/// </summary>");
        using (w.Block("internal static void Attention(float[] query, float[] keys, float[] values, int position, float[] scores, float[] output, int startHead, int endHead)"))
        {
            w.Line("float sqrtHeadDim = MathF.Sqrt(HeadDim);");
            using (w.Block("for (int head = startHead; head < endHead; head++)"))
            {
                w.Line("int kvOffset = (head / QueriesPerKvHead) * HeadDim;");
                w.Line("ref float headQuery = ref query[head * HeadDim];");
                w.Line("Span<float> headScores = scores.AsSpan(head * Context, position + 1);");
                using (w.Block("for (int t = 0; t <= position; t++)"))
                {
                    w.Line("headScores[t] = DotHeadDim(ref headQuery, ref keys[(t * KvDim) + kvOffset]) / sqrtHeadDim;");
                }

                w.Line("Softmax(headScores);");
                w.Line("ref float headOutput = ref output[head * HeadDim];");
                w.Line("MemoryMarshal.CreateSpan(ref headOutput, HeadDim).Clear();");
                using (w.Block("for (int t = 0; t <= position; t++)"))
                {
                    w.Line("AddScaledHeadDim(ref headOutput, ref values[(t * KvDim) + kvOffset], headScores[t]);");
                }
            }
        }
    }
}
