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
}
