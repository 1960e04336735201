using System;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;
using Codegen.Generation;
using Codegen.Sessions;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// Aggregate decode speed with several sequences: one sequence through the single-sequence session (the
/// baseline), and 1 or 8 sequences through the batch session, whose step reads the weights once for all of them.
/// Each operation is one token of one sequence, so tokens/s is the aggregate over the sequences (eight sequences of
/// 64 tokens an invocation in every variant). Every sequence
/// decodes greedily from position 0 from a token of its own.
/// </summary>
[BenchmarkCategory("batch")]
[Config(typeof(BenchmarkConfig))]
public class BatchDecodeBenchmarks
{
    /// <summary>Decode steps each sequence takes (positions 0 to 63).</summary>
    private const int Steps = 64;

    /// <summary>Sequences decoded by one operation: every variant decodes the same number of tokens.</summary>
    private const int SequencesPerOperation = 8;

    private IInferenceSession? single;
    private CpuBatchSessionBase? batch;
    private int[] sequences = [];
    private int[] tokens = [];

    /// <summary>The shape and weight format: "110m-f32", "110m-q8", "15m-f32".</summary>
    [Params("110m-f32", "110m-q8", "15m-f32")]
    public string Model { get; set; } = "";

    /// <summary>"single-session" (one sequence at a time, the usual session), "batch-1" (one at a time through the batch session) or "batch-8" (eight together).</summary>
    [Params("single-session", "batch-1", "batch-8")]
    public string Session { get; set; } = "";

    private int Sequences => Session == "batch-8" ? 8 : 1;

    [GlobalSetup]
    public void Setup()
    {
        LlamaShape shape = Model.StartsWith("110m", StringComparison.Ordinal) ? LlamaShape.Stories110M : LlamaShape.Stories15M;
        string checkpoint = RandomWeights.Llama2cCheckpoint(shape);
        (Func<IInferenceSession> openSingle, Func<int, CpuBatchSessionBase> openBatch) = Model switch
        {
            "110m-f32" => Openers(Stories110M.Load(checkpoint)),
            "110m-q8" => Openers(Stories110MQ8.Load(checkpoint)),
            "15m-f32" => Openers(Stories15M.Load(checkpoint)),
            _ => throw new ArgumentException($"No model named '{Model}'.", nameof(Model)),
        };
        if (Session == "single-session")
        {
            single = openSingle();
        }
        else
        {
            batch = openBatch(Sequences);
        }

        sequences = new int[Sequences];
        tokens = new int[Sequences];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        single?.Dispose();
        batch?.Dispose();
        single = null;
        batch = null;
    }

    /// <summary>
    /// Eight sequences of <see cref="Steps"/> greedy tokens each (each step's logits pick each sequence's next token):
    /// one after another for one sequence at a time, all together for "batch-8".
    /// </summary>
    [Benchmark(OperationsPerInvoke = SequencesPerOperation * Steps)]
    public int DecodeEightSequences()
    {
        int last = 0;
        for (int run = 0; run < SequencesPerOperation / sequences.Length; run++)
        {
            last = single is not null ? DecodeAlone(single, firstToken: 1 + (run * 37)) : DecodeTogether(batch!, run);
        }

        return last;
    }

    private static int DecodeAlone(IInferenceSession session, int firstToken)
    {
        int token = firstToken;
        for (int position = 0; position < Steps; position++)
        {
            token = Sampler.ArgMax(session.Forward(token, position));
        }

        return token;
    }

    private int DecodeTogether(CpuBatchSessionBase session, int run)
    {
        for (int s = 0; s < sequences.Length; s++)
        {
            if (session.IsActive(s))
            {
                session.Leave(s);
            }

            sequences[s] = session.Join();
            tokens[s] = 1 + ((run + s) * 37);
        }

        for (int step = 0; step < Steps; step++)
        {
            session.Decode(sequences, tokens);
            for (int s = 0; s < sequences.Length; s++)
            {
                tokens[s] = Sampler.ArgMax(session.Logits(sequences[s]));
            }
        }

        return tokens[0];
    }

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories110M model) => (model.CreateSession, model.CreateBatchSession);

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories110MQ8 model) => (model.CreateSession, model.CreateBatchSession);

    private static (Func<IInferenceSession>, Func<int, CpuBatchSessionBase>) Openers(Stories15M model) => (model.CreateSession, model.CreateBatchSession);
}
