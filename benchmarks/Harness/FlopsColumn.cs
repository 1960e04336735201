using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codegen.Benchmarks.Suites;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// GFLOP/s (1e9 floating-point operations a second): on the <see cref="FmaPeakBenchmarks"/> row, the measured
/// multiply-add peak; on a prefill row, the prompt's matrix-product operations over its mean time, with the fraction
/// of the peak measured in the same run. The operations counted are every projection of every token and the last
/// token's unembedding; attention is not counted, and the generated prefill runs the prompt's last layer past its
/// cache stores for the last token only (3% fewer operations on the 110M shape, 6% on 15M), so the figure is the rate
/// of the whole product, a little above what was executed. Empty ("-") on every other row.
/// </summary>
public sealed class FlopsColumn : IColumn
{
    public string Id => nameof(FlopsColumn);

    public string ColumnName => "GFLOP/s (of FMA peak)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 4;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Multiply-add peak (FmaPeakBenchmarks row), or a prefill's matrix-product GFLOP/s and its fraction of that peak";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (nanoseconds is not > 0)
        {
            return "-";
        }

        if (benchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmarks))
        {
            return Format(FmaPeakBenchmarks.Flops / nanoseconds.Value);
        }

        if (benchmarkCase.Descriptor.WorkloadMethod.Name != "Prefill" || PrefillFlopsPerToken(benchmarkCase.Descriptor.Type) is not double perToken)
        {
            return "-";
        }

        // Prefill's mean is the time of one prompt token (one operation per token).
        double gigaflops = perToken / nanoseconds.Value;
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

    /// <summary>Matrix-product operations per prompt token of the shapes with prefill rows (128-token prompts).</summary>
    private static double? PrefillFlopsPerToken(Type benchmark)
    {
        if (benchmark == typeof(Stories15MBenchmarks))
        {
            return LlamaFlopsPerToken(LlamaShape.Stories15M);
        }

        if (benchmark == typeof(Stories110MBenchmarks))
        {
            return LlamaFlopsPerToken(LlamaShape.Stories110M);
        }

        if (benchmark == typeof(Gpt2SmallBenchmarks))
        {
            Gpt2Shape shape = Gpt2Shape.Gpt2Small;
            double layer = ((double)shape.Embedding * 3 * shape.Embedding) + ((double)shape.Embedding * shape.Embedding) + (2.0 * shape.Embedding * shape.Inner);
            return 2 * ((shape.Layers * layer) + ((double)shape.Vocab * shape.Embedding / ModelBenchmarks.PromptTokens));
        }

        return null;
    }

    private static double LlamaFlopsPerToken(LlamaShape shape)
    {
        double layer = ((double)shape.Dim * (shape.Dim + (2 * shape.KvDim))) + ((double)shape.Dim * shape.Dim) + (3.0 * shape.Dim * shape.HiddenDim);
        return 2 * ((shape.Layers * layer) + ((double)shape.Vocab * shape.Dim / ModelBenchmarks.PromptTokens));
    }

    private static string Format(double gigaflops) => gigaflops.ToString("F0", CultureInfo.InvariantCulture);
}
