using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// Tokens per second: every benchmark counts one operation per token, so this is 1 s / mean time per token,
/// or with <c>best: true</c> 1 s / the fastest measured iteration's time per token. On a shared machine
/// whose speed shifts in the middle of a benchmark, the mean is what a run got and the best iteration
/// what the code does while the machine is quiet; the tables show both.
/// </summary>
public sealed class TokensPerSecondColumn(bool best = false) : IColumn
{
    public string Id => nameof(TokensPerSecondColumn) + (best ? ".Best" : string.Empty);

    public string ColumnName => best ? "Tokens/s (best iteration)" : "Tokens/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => best ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => best ? "Tokens per second in the fastest measured iteration (1 s / its time per token)" : "Tokens per second (1 s / mean time per token)";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        double? nanoseconds = best ? statistics?.Min : statistics?.Mean;
        return nanoseconds is > 0 && !ReadBandwidthColumn.IsBandwidthRow(benchmarkCase) && benchmarkCase.Descriptor.Type != typeof(Suites.FmaPeakBenchmarks) ? (1e9 / nanoseconds.Value).ToString("N0", CultureInfo.InvariantCulture) : "-";
    }
}
