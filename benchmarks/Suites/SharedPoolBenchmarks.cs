using System.Threading;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;
using Codegen.Generation;
using Codegen.Threading;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// Eight sessions of the 15M shape decoding at once on eight threads, all sharing one worker pool: the shared
/// pool (one thread per processor), a pool asked for eight threads (capped at one per processor), and a pool
/// that really has eight threads (the pool before the cap). Each operation is one token of one session.
/// </summary>
[BenchmarkCategory("threads")]
[Config(typeof(BenchmarkConfig))]
public class SharedPoolBenchmarks
{
    private const int Sessions = 8;
    private const int TokensPerSession = 32;

    private WorkerPool? ownPool;
    private Stories15M.CpuSession[] sessions = [];

    /// <summary>"shared", "asked-for-8" or "eight-threads".</summary>
    [Params("shared", "asked-for-8", "eight-threads")]
    public string Pool { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var model = Stories15M.Load(RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M));
        ownPool = Pool switch
        {
            "asked-for-8" => new WorkerPool(Sessions),
            "eight-threads" => new WorkerPool(Sessions, mostThreads: Sessions),
            _ => null,
        };
        sessions = new Stories15M.CpuSession[Sessions];
        for (int i = 0; i < Sessions; i++)
        {
            sessions[i] = ownPool is null ? model.CreateSession() : model.CreateSession(ownPool);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Stories15M.CpuSession session in sessions)
        {
            session.Dispose();
        }

        ownPool?.Dispose();
    }

    /// <summary>Every session decodes <see cref="TokensPerSession"/> tokens greedily on its own thread.</summary>
    [Benchmark(OperationsPerInvoke = Sessions * TokensPerSession)]
    public void EightSessionsDecode()
    {
        var threads = new Thread[Sessions];
        for (int i = 0; i < Sessions; i++)
        {
            Stories15M.CpuSession session = sessions[i];
            threads[i] = new Thread(() => Decode(session));
            threads[i].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }

    private static void Decode(IInferenceSession session)
    {
        session.Reset();
        int token = 1;
        for (int position = 0; position < TokensPerSession; position++)
        {
            token = Sampler.ArgMax(session.Forward(token, position));
        }
    }
}
