using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// The tokenizer benchmarks' job: one process, one warm-up and five measured encodings of a
/// megabyte each (one invocation per iteration: each takes tenths of a second), and bytes allocated.
/// </summary>
public sealed class TokenizerBenchmarkConfig : ManualConfig
{
    public TokenizerBenchmarkConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1).WithId("1 MB"));
        AddDiagnoser(MemoryDiagnoser.Default);
        WithOption(ConfigOptions.JoinSummary, true);
    }
}
