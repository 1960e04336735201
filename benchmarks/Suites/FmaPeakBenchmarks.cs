using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// The machine's multiply-add peak in the same run as the model rows (the "GFLOP/s" column): two threads each run
/// twelve independent chains of fused multiply-adds on registers, with the widest vectors the processor has
/// (Vector512 with AVX-512, else Vector256). No memory is touched, so this is the ceiling of any matrix product;
/// <see cref="FlopsColumn"/> prints each prefill row's products as a fraction of it.
/// </summary>
[Config(typeof(BenchmarkConfig))]
[BenchmarkCategory("cpu", "bandwidth")]
public class FmaPeakBenchmarks
{
    /// <summary>Loop iterations of each thread per operation.</summary>
    private const int Iterations = 20_000_000;

    /// <summary>Independent accumulators: more than the multiply-add latency times the units, so the units never wait.</summary>
    private const int Chains = 12;

    /// <summary>Floating-point operations of one operation (both threads; a multiply-add counts two).</summary>
    public static double Flops => 2.0 * Chains * Iterations * Lanes * 2;

    private static int Lanes => Avx512F.IsSupported ? Vector512<float>.Count : Vector256<float>.Count;

    /// <summary>Both threads' loops.</summary>
    [Benchmark]
    public float MultiplyAdd()
    {
        float first = 0, second = 0;
        Parallel.Invoke(() => first = Chains12(), () => second = Chains12());
        return first + second;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains12() => Avx512F.IsSupported ? Chains12Of512() : Chains12Of256();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains12Of512()
    {
        Vector512<float> a = Vector512.Create(1.0000001f), b = Vector512.Create(0.9999999f);
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector512<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        for (int i = 0; i < Iterations; i++)
        {
            s0 = Avx512F.FusedMultiplyAdd(a, b, s0); s1 = Avx512F.FusedMultiplyAdd(a, b, s1); s2 = Avx512F.FusedMultiplyAdd(a, b, s2);
            s3 = Avx512F.FusedMultiplyAdd(a, b, s3); s4 = Avx512F.FusedMultiplyAdd(a, b, s4); s5 = Avx512F.FusedMultiplyAdd(a, b, s5);
            s6 = Avx512F.FusedMultiplyAdd(a, b, s6); s7 = Avx512F.FusedMultiplyAdd(a, b, s7); s8 = Avx512F.FusedMultiplyAdd(a, b, s8);
            s9 = Avx512F.FusedMultiplyAdd(a, b, s9); s10 = Avx512F.FusedMultiplyAdd(a, b, s10); s11 = Avx512F.FusedMultiplyAdd(a, b, s11);
        }

        return Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Chains12Of256()
    {
        Vector256<float> a = Vector256.Create(1.0000001f), b = Vector256.Create(0.9999999f);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default;
        Vector256<float> s6 = default, s7 = default, s8 = default, s9 = default, s10 = default, s11 = default;
        for (int i = 0; i < Iterations; i++)
        {
            s0 = MultiplyAdd(a, b, s0); s1 = MultiplyAdd(a, b, s1); s2 = MultiplyAdd(a, b, s2);
            s3 = MultiplyAdd(a, b, s3); s4 = MultiplyAdd(a, b, s4); s5 = MultiplyAdd(a, b, s5);
            s6 = MultiplyAdd(a, b, s6); s7 = MultiplyAdd(a, b, s7); s8 = MultiplyAdd(a, b, s8);
            s9 = MultiplyAdd(a, b, s9); s10 = MultiplyAdd(a, b, s10); s11 = MultiplyAdd(a, b, s11);
        }

        return Vector256.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) + ((s8 + s9) + (s10 + s11)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, addend) : (a * b) + addend;
}
