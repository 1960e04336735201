using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Codegen.Kernels;

/// <summary>
/// Element-by-element kernels of any length: adding a projection or a bias into a row (the residual
/// add), and the MLP activations, SwiGLU (Llama) and GELU (GPT-2). Vector256 where accelerated, then
/// Vector128 (SwiGLU), then scalar for the last values; each element's result depends on its own inputs
/// only, so where a row is split between threads does not change it.
/// </summary>
public static class Elementwise
{
    /// <summary>target[i] += source[i] for every i of <paramref name="target"/>: a projection added into the residual stream, or a bias into a row.</summary>
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

    /// <summary>SwiGLU in place, the Llama MLP's activation: gate[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x).</summary>
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
                Vector256.StoreUnsafe(x * (Vector256<float>.One / (Vector256<float>.One + SimdMath.Exp(-x))) * Vector256.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= gate.Length; i += 4)
            {
                Vector128<float> x = Vector128.LoadUnsafe(ref g, (nuint)i);
                Vector128.StoreUnsafe(x * (Vector128<float>.One / (Vector128<float>.One + SimdMath.Exp(-x))) * Vector128.LoadUnsafe(ref u, (nuint)i), ref g, (nuint)i);
            }
        }

        for (; i < gate.Length; i++)
        {
            float x = Unsafe.Add(ref g, i);
            Unsafe.Add(ref g, i) = x * (1.0f / (1.0f + MathF.Exp(-x))) * Unsafe.Add(ref u, i);
        }
    }

    /// <summary>GELU, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gelu(float x)
    {
        const float SqrtTwoOverPi = 0.7978845608028654f;
        return 0.5f * x * (1.0f + MathF.Tanh(SqrtTwoOverPi * (x + (0.044715f * x * x * x))));
    }

    /// <summary>
    /// hidden[i] = GELU(hidden[i] + bias[i]) for a stretch of one token's MLP row: eight at a time with
    /// <see cref="SimdMath.Gelu(Vector256{float})"/> (which computes the same function another way, so its
    /// last bits differ from <see cref="Gelu"/>'s), the rest with <see cref="Gelu"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddBiasGelu(Span<float> hidden, ReadOnlySpan<float> bias)
    {
        ref float h = ref MemoryMarshal.GetReference(hidden);
        ref float b = ref MemoryMarshal.GetReference(bias);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
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
}
