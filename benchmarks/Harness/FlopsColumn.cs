using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codegen.Benchmarks.Suites;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// GFLOP/s (1e9 floating-point operations a second): on the <see cref="FmaPeakBenchmarks"/> row, the measured
/// multiply-add peak; on a prefill row, the prompt's matrix-product operations over its mean time, with the fraction
/// of the peak measured in the same run. The operations counted are every projection of every token and the last
/// token's unembedding; attention is not counted, and the generated prefill runs the prompt's last layer past its
/// cache stores for the last token only (3% fewer operations on the 110M shape, 6% on 15M), so the figure is the rate
/// of the whole product, a little above what was executed. Empty ("-") on every other row.
/// </summary>
public sealed class FlopsColumn : MachineFractionColumn
{
    public override string ColumnName => "GFLOP/s (of FMA peak)";

    public override int PriorityInCategory => 4;

    public override string Legend => "Multiply-add peak (FmaPeakBenchmarks row), or a prefill's matrix-product GFLOP/s and its fraction of that peak";

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, double meanNanoseconds)
    {
        if (benchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmarks))
        {
            return Format(FmaPeakBenchmarks.Flops / meanNanoseconds);
        }

        if (benchmarkCase.Descriptor.WorkloadMethod.Name != "Prefill" || SuiteWeightCounts.Of(benchmarkCase.Descriptor.Type) is not SuiteWeightCounts weights)
        {
            return null;
        }

        // Prefill's mean is the time of one prompt token (one operation per token): every layer's products for the
        // token, and its share of the last token's unembedding.
        double perToken = 2 * (weights.Layers + (weights.Unembedding / ModelBenchmarks.PromptTokens));
        double gigaflops = perToken / meanNanoseconds;
        double? peak = MeasuredPeak(summary, benchmarkCase);
        return peak is double value
            ? $"{Format(gigaflops)} ({(gigaflops / value).ToString("P0", CultureInfo.InvariantCulture)})"
            : Format(gigaflops);
    }

    /// <summary>The peak measured in the same summary under the same job, if the run had the FMA row.</summary>
    private static double? MeasuredPeak(Summary summary, BenchmarkCase benchmarkCase)
    {
        BenchmarkReport? peak = summary.Reports.FirstOrDefault(report =>
            report.BenchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmarks)
            && report.BenchmarkCase.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo
            && report.ResultStatistics is not null);
        return peak?.ResultStatistics is { Mean: > 0 } statistics ? FmaPeakBenchmarks.Flops / statistics.Mean : null;
    }

    private static string Format(double gigaflops) => gigaflops.ToString("F0", CultureInfo.InvariantCulture);
}
