using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Kernels;

/// <summary>
/// Dot products of bfloat16 weight rows (see <see cref="Bf16Matrix"/>) with float32 inputs. A
/// bfloat16 widens to float32 exactly by a 16-bit left shift, so the products and sums are those of
/// float32 arithmetic on the stored values. Any column count works; the generated callers pass
/// compile-time constants, so after inlining the loop bounds and tail steps are constants too.
/// </summary>
public static class Bf16Kernels
{
    /// <summary>
    /// The dot products of four consecutive rows (row stride <paramref name="columns"/> values) with
    /// <paramref name="input"/>: [row0 · input, row1 · input, row2 · input, row3 · input].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> DotFourRows(ref ushort rows, int columns, ref float input)
    {
        // Each path is its own small method: the JIT will not inline a method with too many locals.
        nuint n = (nuint)(uint)columns;
        if (Vector256.IsHardwareAccelerated)
        {
            return DotFourRows256(ref rows, n, ref input);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return DotFourRows128(ref rows, n, ref input);
        }

        return DotFourRowsScalar(ref rows, n, ref input, 0);
    }

    /// <summary>The dot product of one row of <paramref name="columns"/> bfloat16 values with <paramref name="input"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref ushort row, ref float input, int columns)
    {
        nuint n = (nuint)(uint)columns;
        if (Vector256.IsHardwareAccelerated)
        {
            return Dot256(ref row, n, ref input);
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return Dot128(ref row, n, ref input);
        }

        return DotScalar(ref row, n, ref input, 0, 0);
    }

    /// <summary><see cref="DotFourRows"/> with Vector256: 16 columns a step, two accumulators a row, the input loads shared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DotFourRows256(ref ushort rows, nuint n, ref float input)
    {
        Vector256<float> a0 = Vector256<float>.Zero, b0 = Vector256<float>.Zero;
        Vector256<float> a1 = Vector256<float>.Zero, b1 = Vector256<float>.Zero;
        Vector256<float> a2 = Vector256<float>.Zero, b2 = Vector256<float>.Zero;
        Vector256<float> a3 = Vector256<float>.Zero, b3 = Vector256<float>.Zero;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref input, i);
            Vector256<float> x1 = Vector256.LoadUnsafe(ref input, i + 8);
            a0 = SimdMath.MultiplyAdd(Widen8(ref rows, i), x0, a0);
            b0 = SimdMath.MultiplyAdd(Widen8(ref rows, i + 8), x1, b0);
            a1 = SimdMath.MultiplyAdd(Widen8(ref rows, n + i), x0, a1);
            b1 = SimdMath.MultiplyAdd(Widen8(ref rows, n + i + 8), x1, b1);
            a2 = SimdMath.MultiplyAdd(Widen8(ref rows, (2 * n) + i), x0, a2);
            b2 = SimdMath.MultiplyAdd(Widen8(ref rows, (2 * n) + i + 8), x1, b2);
            a3 = SimdMath.MultiplyAdd(Widen8(ref rows, (3 * n) + i), x0, a3);
            b3 = SimdMath.MultiplyAdd(Widen8(ref rows, (3 * n) + i + 8), x1, b3);
        }

        if (i + 8 <= n)
        {
            Vector256<float> x0 = Vector256.LoadUnsafe(ref input, i);
            a0 = SimdMath.MultiplyAdd(Widen8(ref rows, i), x0, a0);
            a1 = SimdMath.MultiplyAdd(Widen8(ref rows, n + i), x0, a1);
            a2 = SimdMath.MultiplyAdd(Widen8(ref rows, (2 * n) + i), x0, a2);
            a3 = SimdMath.MultiplyAdd(Widen8(ref rows, (3 * n) + i), x0, a3);
            i += 8;
        }

        Vector128<float> sums = SimdMath.SumEach(a0 + b0, a1 + b1, a2 + b2, a3 + b3);
        return i < n ? sums + DotFourRowsScalar(ref rows, n, ref input, i) : sums;
    }

    /// <summary><see cref="DotFourRows"/> with Vector128: 8 columns a step, two accumulators a row, the input loads shared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DotFourRows128(ref ushort rows, nuint n, ref float input)
    {
        Vector128<float> a0 = Vector128<float>.Zero, b0 = Vector128<float>.Zero;
        Vector128<float> a1 = Vector128<float>.Zero, b1 = Vector128<float>.Zero;
        Vector128<float> a2 = Vector128<float>.Zero, b2 = Vector128<float>.Zero;
        Vector128<float> a3 = Vector128<float>.Zero, b3 = Vector128<float>.Zero;
        nuint i = 0;
        for (; i + 8 <= n; i += 8)
        {
            Vector128<float> x0 = Vector128.LoadUnsafe(ref input, i);
            Vector128<float> x1 = Vector128.LoadUnsafe(ref input, i + 4);
            Vector128<ushort> w = Vector128.LoadUnsafe(ref rows, i);
            a0 = SimdMath.MultiplyAdd(WidenLower(w), x0, a0);
            b0 = SimdMath.MultiplyAdd(WidenUpper(w), x1, b0);
            w = Vector128.LoadUnsafe(ref rows, n + i);
            a1 = SimdMath.MultiplyAdd(WidenLower(w), x0, a1);
            b1 = SimdMath.MultiplyAdd(WidenUpper(w), x1, b1);
            w = Vector128.LoadUnsafe(ref rows, (2 * n) + i);
            a2 = SimdMath.MultiplyAdd(WidenLower(w), x0, a2);
            b2 = SimdMath.MultiplyAdd(WidenUpper(w), x1, b2);
            w = Vector128.LoadUnsafe(ref rows, (3 * n) + i);
            a3 = SimdMath.MultiplyAdd(WidenLower(w), x0, a3);
            b3 = SimdMath.MultiplyAdd(WidenUpper(w), x1, b3);
        }

        Vector128<float> sums = SimdMath.SumEach(a0 + b0, a1 + b1, a2 + b2, a3 + b3);
        return i < n ? sums + DotFourRowsScalar(ref rows, n, ref input, i) : sums;
    }

    /// <summary><see cref="Dot"/> with Vector256: 32 columns a step in four accumulators, then 8 at a time, then scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot256(ref ushort row, nuint n, ref float input)
    {
        Vector256<float> sum0 = Vector256<float>.Zero;
        Vector256<float> sum1 = Vector256<float>.Zero;
        Vector256<float> sum2 = Vector256<float>.Zero;
        Vector256<float> sum3 = Vector256<float>.Zero;
        nuint i = 0;
        for (; i + 32 <= n; i += 32)
        {
            sum0 = SimdMath.MultiplyAdd(Widen8(ref row, i), Vector256.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd(Widen8(ref row, i + 8), Vector256.LoadUnsafe(ref input, i + 8), sum1);
            sum2 = SimdMath.MultiplyAdd(Widen8(ref row, i + 16), Vector256.LoadUnsafe(ref input, i + 16), sum2);
            sum3 = SimdMath.MultiplyAdd(Widen8(ref row, i + 24), Vector256.LoadUnsafe(ref input, i + 24), sum3);
        }

        for (; i + 8 <= n; i += 8)
        {
            sum0 = SimdMath.MultiplyAdd(Widen8(ref row, i), Vector256.LoadUnsafe(ref input, i), sum0);
        }

        return DotScalar(ref row, n, ref input, i, Vector256.Sum((sum0 + sum1) + (sum2 + sum3)));
    }

    /// <summary><see cref="Dot"/> with Vector128: 16 columns a step in four accumulators, then 8 at a time, then scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot128(ref ushort row, nuint n, ref float input)
    {
        Vector128<float> sum0 = Vector128<float>.Zero;
        Vector128<float> sum1 = Vector128<float>.Zero;
        Vector128<float> sum2 = Vector128<float>.Zero;
        Vector128<float> sum3 = Vector128<float>.Zero;
        nuint i = 0;
        for (; i + 16 <= n; i += 16)
        {
            Vector128<ushort> w = Vector128.LoadUnsafe(ref row, i);
            sum0 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 4), sum1);
            w = Vector128.LoadUnsafe(ref row, i + 8);
            sum2 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i + 8), sum2);
            sum3 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 12), sum3);
        }

        if (i + 8 <= n)
        {
            Vector128<ushort> w = Vector128.LoadUnsafe(ref row, i);
            sum0 = SimdMath.MultiplyAdd(WidenLower(w), Vector128.LoadUnsafe(ref input, i), sum0);
            sum1 = SimdMath.MultiplyAdd(WidenUpper(w), Vector128.LoadUnsafe(ref input, i + 4), sum1);
            i += 8;
        }

        return DotScalar(ref row, n, ref input, i, Vector128.Sum((sum0 + sum1) + (sum2 + sum3)));
    }

    /// <summary>Eight bfloat16 values at <paramref name="offset"/> widened to eight float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen8(ref ushort source, nuint offset)
    {
        Vector128<ushort> bits = Vector128.LoadUnsafe(ref source, offset);
        Vector256<uint> wide = Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bits).AsUInt32()
            : Vector256.WidenLower(bits.ToVector256Unsafe());
        return (wide << 16).AsSingle();
    }

    /// <summary>The lower four of eight bfloat16 values widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> WidenLower(Vector128<ushort> bits) => (Vector128.WidenLower(bits) << 16).AsSingle();

    /// <summary>The upper four of eight bfloat16 values widened to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> WidenUpper(Vector128<ushort> bits) => (Vector128.WidenUpper(bits) << 16).AsSingle();

    /// <summary>Scalar dot product of one row over columns [<paramref name="start"/>, <paramref name="n"/>), added to <paramref name="total"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotScalar(ref ushort row, nuint n, ref float input, nuint start, float total)
    {
        for (nuint i = start; i < n; i++)
        {
            total += Bf16Matrix.ToFloat32(Unsafe.Add(ref row, i)) * Unsafe.Add(ref input, i);
        }

        return total;
    }

    /// <summary>Scalar dot products of four rows over columns [<paramref name="start"/>, <paramref name="n"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> DotFourRowsScalar(ref ushort rows, nuint n, ref float input, nuint start)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (nuint i = start; i < n; i++)
        {
            float x = Unsafe.Add(ref input, i);
            s0 += Bf16Matrix.ToFloat32(Unsafe.Add(ref rows, i)) * x;
            s1 += Bf16Matrix.ToFloat32(Unsafe.Add(ref rows, n + i)) * x;
            s2 += Bf16Matrix.ToFloat32(Unsafe.Add(ref rows, (2 * n) + i)) * x;
            s3 += Bf16Matrix.ToFloat32(Unsafe.Add(ref rows, (3 * n) + i)) * x;
        }

        return Vector128.Create(s0, s1, s2, s3);
    }
}
