using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Size-independent SIMD building blocks for generated kernels: fused multiply-add where the
/// processor has it, a plain multiply and add where it does not.
/// </summary>
public static class SimdMath
{
    /// <summary>How far ahead, in bytes, <see cref="PrefetchAhead"/> asks for weights.</summary>
    public const int PrefetchDistance = 2048;

    /// <summary>
    /// Asks the processor to fetch the two cache lines (128 bytes: 32 floats) lying
    /// <see cref="PrefetchDistance"/> bytes past <paramref name="at"/> into L1, where the processor
    /// has a prefetch instruction; a hint only, which never faults even past the end of an array.
    /// The reference must point into pinned memory (weights are pinned).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchAhead(ref float at)
    {
        if (Sse.IsSupported)
        {
            byte* ahead = (byte*)Unsafe.AsPointer(ref at) + PrefetchDistance;
            Sse.Prefetch0(ahead);
            Sse.Prefetch0(ahead + 64);
        }
    }

    /// <summary>
    /// Asks the processor to fetch into L1 the cache line <paramref name="valuesAhead"/> floats past <paramref name="at"/>,
    /// where it has a prefetch instruction; a hint only, which never faults even past the end of an array. The
    /// address is computed as a pointer, so no reference outside the array is ever made; <paramref name="at"/> must
    /// point into pinned memory (weights are pinned).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(ref float at, nint valuesAhead)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0((float*)Unsafe.AsPointer(ref at) + valuesAhead);
        }
    }

    /// <summary><paramref name="a"/> * <paramref name="b"/> + <paramref name="addend"/>, fused when FMA is available.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, addend) : (a * b) + addend;

    /// <summary><paramref name="a"/> * <paramref name="b"/> + <paramref name="addend"/>, fused when FMA (x64) or AdvSimd (Arm) is available.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend)
    {
        if (Fma.IsSupported)
        {
            return Fma.MultiplyAdd(a, b, addend);
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.FusedMultiplyAdd(addend, a, b);
        }

        return (a * b) + addend;
    }

    /// <summary>The four horizontal sums of four vectors: [sum(a), sum(b), sum(c), sum(d)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> pairs = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
            return pairs.GetLower() + pairs.GetUpper();
        }

        return Vector128.Create(Vector256.Sum(a), Vector256.Sum(b), Vector256.Sum(c), Vector256.Sum(d));
    }

    /// <summary>The four horizontal sums of four vectors: [sum(a), sum(b), sum(c), sum(d)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a, b), Sse3.HorizontalAdd(c, d));
        }

        return Vector128.Create(Vector128.Sum(a), Vector128.Sum(b), Vector128.Sum(c), Vector128.Sum(d));
    }

    /// <summary>
    /// The largest of eight floats, by halving (no trip through memory). For finite values and
    /// infinities; with a NaN among them the result is unspecified, as with the processor's max.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> values) =>
        MaxAcross(Vector128Native.Max(values.GetLower(), values.GetUpper()));

    /// <summary>The largest of four floats; see the Vector256 overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> values)
    {
        values = Vector128Native.Max(values, Vector128.Shuffle(values, Vector128.Create(2, 3, 0, 1)));
        values = Vector128Native.Max(values, Vector128.Shuffle(values, Vector128.Create(1, 0, 3, 2)));
        return values.ToScalar();
    }

    /// <summary>
    /// GELU, the tanh approximation GPT-2 uses, for eight floats: 0.5 x (1 + tanh(u)) with
    /// u = sqrt(2/pi) (x + 0.044715 x^3), computed as x / (1 + e^(-2u)), the same function since
    /// 1 + tanh(u) = 2 / (1 + e^(-2u)). Very negative x gives -0 (e^(-2u) overflows), as the limit does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Gelu(Vector256<float> x)
    {
        // -2u = x (-2 sqrt(2/pi) - 2 sqrt(2/pi) 0.044715 x^2)
        Vector256<float> minusTwoU = x * MultiplyAdd(x * x, Vector256.Create(-0.0713548162726f), Vector256.Create(-1.5957691216057f));
        return x / (Vector256<float>.One + Exp(minusTwoU));
    }

    /// <summary>GELU (tanh approximation) for four floats; see the Vector256 overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Gelu(Vector128<float> x)
    {
        Vector128<float> minusTwoU = x * MultiplyAdd(x * x, Vector128.Create(-0.0713548162726f), Vector128.Create(-1.5957691216057f));
        return x / (Vector128<float>.One + Exp(minusTwoU));
    }

    /// <summary>
    /// e^x for eight floats: x = n ln2 + r with |r| &lt;= ln2 / 2, e^r by a degree-6 polynomial, 2^n put
    /// into the exponent bits. Relative error about 2e-7 over the range. Inputs below -87.33654 give 0
    /// (the scalar function goes on into subnormals down to -103.97) and inputs from 88.3763 up give
    /// +infinity (2^n must fit the exponent bits, so n stops at 127 and the scalar function's finite
    /// values between e^88.3763 = 2^127.5 and float.MaxValue are not reached). Callers feed it softmax
    /// scores minus their maximum (never above 0) and SiLU's and GELU's negated inputs, where 1 / (1 + e^x)
    /// is below 1e-38 from x = 88 on either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33654f)), Vector256.Create(88.72283f));
        Vector256<float> n = Vector256Native.Round(clamped * Vector256.Create(1.44269504088896341f));
        // r = x - n ln2, with ln2 split in two so the subtraction stays exact.
        Vector256<float> r = MultiplyAdd(n, Vector256.Create(-0.693359375f), clamped);
        r = MultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = MultiplyAdd(p * r, r, r) + Vector256<float>.One;
        // n is a whole number within [-126, 128] after the clamp, so the processor's own conversion is exact.
        Vector256<int> exponent = (Vector256Native.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        Vector256<float> result = p * exponent.AsSingle();
        // Below the clamp the true value underflows to zero; above it, overflows to infinity.
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-87.33654f)), Vector256<float>.Zero, result);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(88.72283f)), Vector256.Create(float.PositiveInfinity), result);
    }

    /// <summary>e^x for four floats; see the Vector256 overload.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> clamped = Vector128.Min(Vector128.Max(x, Vector128.Create(-87.33654f)), Vector128.Create(88.72283f));
        Vector128<float> n = Vector128Native.Round(clamped * Vector128.Create(1.44269504088896341f));
        Vector128<float> r = MultiplyAdd(n, Vector128.Create(-0.693359375f), clamped);
        r = MultiplyAdd(n, Vector128.Create(2.12194440e-4f), r);
        Vector128<float> p = Vector128.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector128.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector128.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector128.Create(5.0000001201e-1f));
        p = MultiplyAdd(p * r, r, r) + Vector128<float>.One;
        Vector128<int> exponent = (Vector128Native.ConvertToInt32(n) + Vector128.Create(127)) << 23;
        Vector128<float> result = p * exponent.AsSingle();
        result = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-87.33654f)), Vector128<float>.Zero, result);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(88.72283f)), Vector128.Create(float.PositiveInfinity), result);
    }
}
