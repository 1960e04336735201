using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// The job of the huggingface category: as <see cref="BenchmarkConfig"/>, but 1 warm-up and 5 measured iterations
/// (a 256-token decode of Qwen2.5-0.5B's shape takes tens of seconds), and the read bandwidth columns, filled on the
/// row of <see cref="Suites.ReadBandwidthBenchmarks"/> that runs in the same category.
/// </summary>
public sealed class HuggingFaceBenchmarkConfig : ManualConfig
{
    public HuggingFaceBenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(5).WithId("2 threads 5 iterations"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new TokensPerSecondColumn(), new TokensPerSecondColumn(best: true));
        AddColumn(new ReadBandwidthColumn(), new ReadBandwidthColumn(best: true));
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        WithOption(ConfigOptions.JoinSummary, true);
    }
}
