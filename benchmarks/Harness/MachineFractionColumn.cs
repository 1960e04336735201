using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// What <see cref="FlopsColumn"/> and <see cref="DecodeBandwidthColumn"/> share: a text column on some rows, "-" on the
/// others; the derived column says which rows and what it prints.
/// </summary>
public abstract class MachineFractionColumn : IColumn
{
    public string Id => GetType().Name;

    public abstract string ColumnName { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public abstract int PriorityInCategory { get; }

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public abstract string Legend { get; }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return nanoseconds is > 0 ? Value(summary, benchmarkCase, nanoseconds.Value) ?? "-" : "-";
    }

    /// <summary>The row's text from its mean time in nanoseconds, or null for "-".</summary>
    protected abstract string? Value(Summary summary, BenchmarkCase benchmarkCase, double meanNanoseconds);
}
