using System;
using System.Collections.Generic;
using System.Diagnostics;
using Codegen.Benchmarks.Suites;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>
/// The machine's read bandwidth in the same run, measured by the benchmarks' own <see cref="ReadBandwidthBenchmarks"/>
/// (two threads, 512 MiB, 256-bit loads), each read timed with a Stopwatch. 1e9 bytes per second.
/// </summary>
internal static class ReadBandwidth
{
    public static double[] Measure(int reads)
    {
        var reader = new ReadBandwidthBenchmarks();
        reader.Setup();
        for (int i = 0; i < 3; i++)
        {
            reader.Read(); // warm-up: the JIT's final code, and the threads of the pool started
        }

        var gigabytesPerSecond = new List<double>();
        for (int i = 0; i < reads; i++)
        {
            long start = Stopwatch.GetTimestamp();
            reader.Read();
            gigabytesPerSecond.Add(ReadBandwidthBenchmarks.Bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
        }

        return gigabytesPerSecond.ToArray();
    }
}
