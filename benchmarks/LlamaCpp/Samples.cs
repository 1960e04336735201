using System;
using System.Linq;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>Mean and sample standard deviation, as llama-bench reports its avg_ts and stddev_ts.</summary>
internal static class Samples
{
    public static double Mean(double[] values) => values.Average();

    public static double StandardDeviation(double[] values)
    {
        if (values.Length < 2)
        {
            return 0;
        }

        double mean = Mean(values);
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }
}
