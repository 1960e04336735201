using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Codegen.Kernels;

namespace Codegen.Benchmarks.Generic;

/// <summary>
/// Norms, activations and element-wise sums over vectors whose lengths are run-time values (the
/// lengths come from the spans). The same formulas, in the same order, as the generated kernels.
/// </summary>
internal static class RuntimeSizedVectorKernels
{
    /// <summary>RMSNorm: output = weight * input / sqrt(mean(input^2) + epsilon).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, float epsilon)
    {
        int length = input.Length;
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float scale = ref MemoryMarshal.GetReference(weight);
        ref float o = ref MemoryMarshal.GetReference(output);
        float meanSquare = RuntimeSizedMatrixKernels.Dot(ref x, ref x, length) / length;
        float inverseRms = 1.0f / MathF.Sqrt(meanSquare + epsilon);
        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref o, i) = Unsafe.Add(ref scale, i) * (inverseRms * Unsafe.Add(ref x, i));
        }
    }

    /// <summary>LayerNorm with bias: output = (input - mean) / sqrt(variance + epsilon) * weight + bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LayerNorm(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float epsilon)
    {
        int length = input.Length;
        float sum = 0;
        for (int i = 0; i < length; i++)
        {
            sum += input[i];
        }

        float mean = sum / length;
        float squares = 0;
        for (int i = 0; i < length; i++)
        {
            float centered = input[i] - mean;
            squares += centered * centered;
        }

        float inverseDeviation = 1.0f / MathF.Sqrt((squares / length) + epsilon);
        for (int i = 0; i < length; i++)
        {
            output[i] = ((input[i] - mean) * inverseDeviation * weight[i]) + bias[i];
        }
    }

    /// <summary>GELU, tanh approximation (GPT-2's gelu_new): the runtime's, which has no size to specialize.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x) => Elementwise.Gelu(x);

    /// <summary>hidden[i] = gelu(hidden[i] + bias[i]) for every i (prefill's MLP activation, one token's row): the runtime's kernel, which takes its length from the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddBiasGeluInPlace(Span<float> hidden, ReadOnlySpan<float> bias) => Elementwise.AddBiasGelu(hidden, bias);

    /// <summary>SwiGLU in place: gate[i] = silu(gate[i]) * up[i]: the runtime's kernel, which takes its length from the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SwiGluInPlace(Span<float> gate, ReadOnlySpan<float> up) => Elementwise.SwiGluInPlace(gate, up);

    /// <summary>target[i] += source[i] for every i of target: the runtime's kernel, which takes its length from the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInPlace(Span<float> target, ReadOnlySpan<float> source) => Elementwise.AddInPlace(target, source);

    /// <summary>target[i] += bias[i] for i in [start, end) (a projection's bias over the rows one thread computed).</summary>
    public static void AddBias(Span<float> target, ReadOnlySpan<float> bias, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            target[i] += bias[i];
        }
    }
}
