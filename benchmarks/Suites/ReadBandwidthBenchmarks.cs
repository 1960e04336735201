using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// The machine's read bandwidth in the same run as the model rows (the "Read GB/s" column): two threads each sum
/// their half of a 512 MiB array, far beyond the caches, with 256-bit loads, as benchmarks/SideBySide measures it.
/// Decoding reads every weight once a token, so this over the weight bytes is the decode ceiling.
/// </summary>
[Config(typeof(HuggingFaceBenchmarkConfig))]
[BenchmarkCategory("cpu", "huggingface", "bandwidth")]
public class ReadBandwidthBenchmarks
{
    /// <summary>Bytes read by one operation.</summary>
    public const long Bytes = 1L << 29;

    private long[] data = [];

    [GlobalSetup]
    public void Setup()
    {
        data = GC.AllocateUninitializedArray<long>((int)(Bytes / sizeof(long)));
        data.AsSpan().Fill(1); // every page touched before timing
    }

    /// <summary>One read of the whole array, by two threads.</summary>
    [Benchmark]
    public long Read()
    {
        int half = data.Length / 2;
        long first = 0, second = 0;
        Parallel.Invoke(
            () => first = Sum(data.AsSpan(0, half)),
            () => second = Sum(data.AsSpan(half)));
        return first + second;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Sum(ReadOnlySpan<long> values)
    {
        ReadOnlySpan<Vector256<long>> vectors = MemoryMarshal.Cast<long, Vector256<long>>(values);
        Vector256<long> a = Vector256<long>.Zero, b = a, c = a, d = a;
        int i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        return Vector256.Sum(a + b + c + d);
    }
}
