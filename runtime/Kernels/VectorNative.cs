using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
#endif

namespace Codegen.Kernels;

// The processor's own max, min, round and float-to-int conversion for the kernels, on every target framework.
// .NET 9 added them as Vector128/Vector256.MaxNative, MinNative, Round and ConvertToInt32Native (and made plain
// Max and ConvertToInt32 IEEE-exact and saturating, which costs instructions). On .NET 8 the same instructions
// are reached through the x86 and Arm intrinsics, and .NET 8's own ConvertToInt32 is already the processor's
// truncating conversion; without those instructions (or with hardware intrinsics switched off) the portable
// operations give the same results for the inputs the kernels feed (no NaN).

/// <summary>Vector128 operations with the processor's semantics (see the file's note).</summary>
internal static class Vector128Native
{
    /// <summary>The larger of each pair; with a NaN the result is unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right)
    {
#if NET9_0_OR_GREATER
        return Vector128.MaxNative(left, right);
#else
        if (Sse.IsSupported)
        {
            return Sse.Max(left, right);
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.Max(left, right);
        }

        return Vector128.Max(left, right);
#endif
    }

    /// <summary>Rounds each element to the nearest whole number, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Round(Vector128<float> values)
    {
#if NET9_0_OR_GREATER
        return Vector128.Round(values);
#else
        if (Sse41.IsSupported)
        {
            return Sse41.RoundToNearestInteger(values);
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.RoundToNearest(values);
        }

        return Vector128.Create(
            System.MathF.Round(values.GetElement(0)), System.MathF.Round(values.GetElement(1)),
            System.MathF.Round(values.GetElement(2)), System.MathF.Round(values.GetElement(3)));
#endif
    }

    /// <summary>Converts each element to an integer, truncating; out-of-range values give what the processor gives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> ConvertToInt32(Vector128<float> values)
    {
#if NET9_0_OR_GREATER
        return Vector128.ConvertToInt32Native(values);
#else
        return Vector128.ConvertToInt32(values);
#endif
    }
}

/// <summary>Vector256 operations with the processor's semantics (see the file's note).</summary>
internal static class Vector256Native
{
    /// <summary>The larger of each pair; with a NaN the result is unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right)
    {
#if NET9_0_OR_GREATER
        return Vector256.MaxNative(left, right);
#else
        return Avx.IsSupported
            ? Avx.Max(left, right)
            : Vector256.Create(Vector128Native.Max(left.GetLower(), right.GetLower()), Vector128Native.Max(left.GetUpper(), right.GetUpper()));
#endif
    }

    /// <summary>The smaller of each pair; with a NaN the result is unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> left, Vector256<float> right)
    {
#if NET9_0_OR_GREATER
        return Vector256.MinNative(left, right);
#else
        return Avx.IsSupported ? Avx.Min(left, right) : Vector256.Min(left, right);
#endif
    }

    /// <summary>Rounds each element to the nearest whole number, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Round(Vector256<float> values)
    {
#if NET9_0_OR_GREATER
        return Vector256.Round(values);
#else
        return Avx.IsSupported
            ? Avx.RoundToNearestInteger(values)
            : Vector256.Create(Vector128Native.Round(values.GetLower()), Vector128Native.Round(values.GetUpper()));
#endif
    }

    /// <summary>Converts each element to an integer, truncating; out-of-range values give what the processor gives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> ConvertToInt32(Vector256<float> values)
    {
#if NET9_0_OR_GREATER
        return Vector256.ConvertToInt32Native(values);
#else
        return Vector256.ConvertToInt32(values);
#endif
    }
}
