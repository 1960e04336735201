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
/// On a decode row of the 15M, 110M and GPT-2 small suites: the weight bytes a token reads times tokens per second
/// (GB/s, 1e9 bytes), and its fraction of the read bandwidth measured in the same run by
/// <see cref="ReadBandwidthBenchmarks"/> (its mean), the decode ceiling. The bytes are the projection matrices and the
/// unembedding in the implementation's format (float32 4 bytes a weight, bf16 2, Q8 34 bytes a block of 32); the
/// token embedding (one row a token), norms, biases and the KV cache are not counted. Empty ("-") on every other row,
/// and the fraction is left out when the run had no bandwidth row.
/// </summary>
public sealed class DecodeBandwidthColumn : IColumn
{
    public string Id => nameof(DecodeBandwidthColumn);

    public string ColumnName => "Decode GB/s (of read)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 5;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "A decode's weight bytes per token times tokens per second, and its fraction of the read bandwidth measured in the same run";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (nanoseconds is not > 0 || benchmarkCase.Descriptor.WorkloadMethod.Name != "Decode")
        {
            return "-";
        }

        string implementation = benchmarkCase.Parameters.Items.FirstOrDefault(item => item.Name == "Implementation")?.Value as string ?? string.Empty;
        if (WeightBytesPerToken(benchmarkCase.Descriptor.Type, implementation) is not double bytes)
        {
            return "-";
        }

        // Decode's mean is the time of one token (one operation per token); bytes per nanosecond are GB/s.
        double gigabytes = bytes / nanoseconds.Value;
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

    /// <summary>Weight bytes one decoded token reads, by suite and implementation; null where not counted.</summary>
    private static double? WeightBytesPerToken(Type benchmark, string implementation)
    {
        double? weights = benchmark == typeof(Stories15MBenchmarks) ? LlamaWeights(LlamaShape.Stories15M)
            : benchmark == typeof(Stories110MBenchmarks) ? LlamaWeights(LlamaShape.Stories110M)
            : benchmark == typeof(Gpt2SmallBenchmarks) ? Gpt2Weights(Gpt2Shape.Gpt2Small)
            : null;
        double? bytesPerWeight = implementation switch
        {
            "generated" or "generic" or "onnx" => 4.0,
            "generated-bf16" => 2.0,
            "generated-q8" => 34.0 / 32.0,
            _ => null,
        };
        return weights * bytesPerWeight;
    }

    private static double LlamaWeights(LlamaShape shape)
    {
        double layer = ((double)shape.Dim * (shape.Dim + (2 * shape.KvDim))) + ((double)shape.Dim * shape.Dim) + (3.0 * shape.Dim * shape.HiddenDim);
        return (shape.Layers * layer) + ((double)shape.Vocab * shape.Dim);
    }

    private static double Gpt2Weights(Gpt2Shape shape)
    {
        double layer = (3.0 * shape.Embedding * shape.Embedding) + ((double)shape.Embedding * shape.Embedding) + (2.0 * shape.Embedding * shape.Inner);
        return (shape.Layers * layer) + ((double)shape.Vocab * shape.Embedding);
    }
}
