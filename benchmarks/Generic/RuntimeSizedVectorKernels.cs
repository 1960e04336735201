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

    /// <summary>GELU, tanh approximation (GPT-2's gelu_new).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x)
    {
        const float SqrtTwoOverPi = 0.7978845608028654f;
        return 0.5f * x * (1.0f + MathF.Tanh(SqrtTwoOverPi * (x + (0.044715f * x * x * x))));
    }

    /// <summary>hidden[i] = gelu(hidden[i] + bias[i]) for every i (prefill's MLP activation, one token's row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddBiasGeluInPlace(Span<float> hidden, ReadOnlySpan<float> bias)
    {
        ref float h = ref MemoryMarshal.GetReference(hidden);
        ref float b = ref MemoryMarshal.GetReference(bias);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // As the generated code: eight at a time through the runtime's vector GELU.
            for (; i + 8 <= hidden.Length; i += 8)
            {
                Vector256.StoreUnsafe(SimdMath.Gelu(Vector256.LoadUnsafe(ref h, (nuint)i) + Vector256.LoadUnsafe(ref b, (nuint)i)), ref h, (nuint)i);
            }
        }

        for (; i < hidden.Length; i++)
        {
            Unsafe.Add(ref h, i) = Gelu(Unsafe.Add(ref h, i) + Unsafe.Add(ref b, i));
        }
    }

    /// <summary>SwiGLU in place: gate[i] = silu(gate[i]) * up[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SwiGluInPlace(Span<float> gate, ReadOnlySpan<float> up)
    {
        ref float g = ref MemoryMarshal.GetReference(gate);
        ref float u = ref MemoryMarshal.GetReference(up);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= gate.Length; i += 8)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref g, (nuint)i);
                Vector256<float> silu = x * (Vector256<float>.One / (Vector256<float>.One + SimdMath.Exp(-x)));
                Vector256.StoreUnsafe(silu * Vector256.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);
            }
        }

        for (; i < gate.Length; i++)
        {
            float x = Unsafe.Add(ref g, i);
            Unsafe.Add(ref g, i) = x * (1.0f / (1.0f + MathF.Exp(-x))) * Unsafe.Add(ref u, i);
        }
    }

    /// <summary>target[i] += source[i] for every i of target.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInPlace(Span<float> target, ReadOnlySpan<float> source)
    {
        ref float t = ref MemoryMarshal.GetReference(target);
        ref float s = ref MemoryMarshal.GetReference(source);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= target.Length; i += 8)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref t, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i), ref t, (nuint)i);
            }
        }

        for (; i < target.Length; i++)
        {
            Unsafe.Add(ref t, i) += Unsafe.Add(ref s, i);
        }
    }

    /// <summary>target[i] += bias[i] for i in [start, end) (a projection's bias over the rows one thread computed).</summary>
    public static void AddBias(Span<float> target, ReadOnlySpan<float> bias, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            target[i] += bias[i];
        }
    }
}
