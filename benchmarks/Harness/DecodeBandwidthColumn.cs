using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codegen.Benchmarks.Suites;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// On a decode row of the 15M, 110M and GPT-2 small suites: the weight bytes a token reads times tokens per second
/// (GB/s, 1e9 bytes), and its fraction of the read bandwidth measured in the same run by
/// <see cref="ReadBandwidthBenchmarks"/> (its mean), the decode ceiling. The bytes are the projection matrices and the
/// unembedding in the implementation's format (float32 4 bytes a weight, bf16 2, Q8 34 bytes a block of 32); the
/// token embedding (one row a token), norms, biases and the KV cache are not counted. Empty ("-") on every other row,
/// and the fraction is left out when the run had no bandwidth row.
/// </summary>
public sealed class DecodeBandwidthColumn : MachineFractionColumn
{
    public override string ColumnName => "Decode GB/s (of read)";

    public override int PriorityInCategory => 5;

    public override string Legend => "A decode's weight bytes per token times tokens per second, and its fraction of the read bandwidth measured in the same run";

    protected override string? Value(Summary summary, BenchmarkCase benchmarkCase, double meanNanoseconds)
    {
        string implementation = benchmarkCase.Parameters.Items.FirstOrDefault(item => item.Name == "Implementation")?.Value as string ?? string.Empty;
        if (benchmarkCase.Descriptor.WorkloadMethod.Name != "Decode"
            || SuiteWeightCounts.Of(benchmarkCase.Descriptor.Type) is not SuiteWeightCounts weights
            || BytesPerWeight(implementation) is not double bytesPerWeight)
        {
            return null;
        }

        // Decode's mean is the time of one token (one operation per token); bytes per nanosecond are GB/s.
        double gigabytes = (weights.Layers + weights.Unembedding) * bytesPerWeight / meanNanoseconds;
        double? read = MeasuredReadBandwidth(summary);
        string value = gigabytes.ToString("F1", CultureInfo.InvariantCulture);
        return read is double limit ? $"{value} ({(gigabytes / limit).ToString("P0", CultureInfo.InvariantCulture)})" : value;
    }

    /// <summary>The mean read bandwidth of the same summary, if the run had that row.</summary>
    private static double? MeasuredReadBandwidth(Summary summary)
    {
        BenchmarkReport? read = summary.Reports.FirstOrDefault(report => ReadBandwidthColumn.IsBandwidthRow(report.BenchmarkCase) && report.ResultStatistics is not null);
        return read?.ResultStatistics is { Mean: > 0 } statistics ? ReadBandwidthBenchmarks.Bytes / statistics.Mean : null;
    }

    /// <summary>Bytes a weight takes in an implementation's format: float32 4, bf16 2, Q8 34 a block of 32.</summary>
    private static double? BytesPerWeight(string implementation) => implementation switch
    {
        "generated" or "generic" or "onnx" => 4.0,
        "generated-bf16" => 2.0,
        "generated-q8" => 34.0 / 32.0,
        _ => null,
    };
}
