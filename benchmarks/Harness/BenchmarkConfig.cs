using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// One job for every benchmark: a few warm-up and measured iterations (a decode of the 110M shape takes
/// seconds), the memory diagnoser (bytes allocated per token), and tokens per second from the mean and
/// from the fastest iteration.
/// </summary>
public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(8).WithId("2 threads"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new TokensPerSecondColumn(), new TokensPerSecondColumn(best: true), new FlopsColumn(), new DecodeBandwidthColumn());
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        WithOption(ConfigOptions.JoinSummary, true);
    }
}
