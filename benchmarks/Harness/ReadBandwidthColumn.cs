using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codegen.Benchmarks.Suites;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// GB/s (1e9 bytes) read by <see cref="ReadBandwidthBenchmarks"/>: its bytes over the mean time of one read, with
/// <c>best: true</c> over the fastest iteration's. Empty ("-") on every other row.
/// </summary>
public sealed class ReadBandwidthColumn(bool best = false) : IColumn
{
    public string Id => nameof(ReadBandwidthColumn) + (best ? ".Best" : string.Empty);

    public string ColumnName => best ? "Read GB/s (best iteration)" : "Read GB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => best ? 3 : 2;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Read bandwidth of two threads over 512 MiB (ReadBandwidthBenchmarks only), 1e9 bytes per second";

    /// <summary>Whether a row is the bandwidth measurement (its tokens-per-second columns are then empty).</summary>
    public static bool IsBandwidthRow(BenchmarkCase benchmarkCase) => benchmarkCase.Descriptor.Type == typeof(ReadBandwidthBenchmarks);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        double? nanoseconds = best ? statistics?.Min : statistics?.Mean;
        return IsBandwidthRow(benchmarkCase) && nanoseconds is > 0
            ? (ReadBandwidthBenchmarks.Bytes / nanoseconds.Value).ToString("F1", CultureInfo.InvariantCulture)
            : "-";
    }
}
