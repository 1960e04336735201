using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Codegen.Tests.Kernels;
using Codegen.Sessions;
using Codegen.Threading;
using Xunit;

namespace Codegen.Tests.Forward;

/// <summary>
/// One test model with seeded random weights: its float64 reference forward pass and a way to open
/// CPU sessions of the generated model over the very same weights.
/// </summary>
internal sealed class ForwardCase
{
    private static readonly ConcurrentDictionary<string, Lazy<ForwardCase>> Cases = new();

    private readonly Func<WorkerPool?, IInferenceSession> openSession;
    private readonly Func<int, CpuBatchSessionBase> openBatchSession;
    private readonly Func<IReadOnlyList<int>, double[][]> reference;

    private ForwardCase(string name, ShapeDims dims, Func<IReadOnlyList<int>, double[][]> reference, Func<WorkerPool?, IInferenceSession> openSession, Func<int, CpuBatchSessionBase> openBatchSession)
    {
        Name = name;
        Dims = dims;
        this.reference = reference;
        this.openSession = openSession;
        this.openBatchSession = openBatchSession;
    }

    /// <summary>Every test model, by name.</summary>
    public static TheoryData<string> Models => SharedKernelSet.Models;

    public string Name { get; }

    public ShapeDims Dims { get; }

    /// <summary>
    /// Positions the session-state tests feed: the whole context, but at most 140, which is still past
    /// position 124 where the pooled model starts splitting attention over the worker pool.
    /// </summary>
    public int SessionLength => Math.Min(Dims.Context, 140);

    /// <summary>The case of a test model, made once and shared (weights and models are immutable).</summary>
    public static ForwardCase For(string model) => Cases.GetOrAdd(model, name => new Lazy<ForwardCase>(() => Create(name))).Value;

    /// <summary>A session on the shared worker pool, or on <paramref name="pool"/>.</summary>
    public IInferenceSession OpenSession(WorkerPool? pool = null) => openSession(pool);

    /// <summary>A batch session of up to <paramref name="maxSequences"/> sequences on the shared worker pool.</summary>
    public CpuBatchSessionBase OpenBatchSession(int maxSequences) => openBatchSession(maxSequences);

    /// <summary>The reference logits after each token, fed from position 0.</summary>
    public double[][] Reference(IReadOnlyList<int> tokens) => reference(tokens);

    /// <summary>Seeded random tokens, the first and last token ids among them.</summary>
    public int[] Tokens(int count, int seed)
    {
        var random = new TestRandom(seed);
        int[] tokens = Enumerable.Range(0, count).Select(_ => random.Next(Dims.Vocab)).ToArray();
        tokens[Math.Min(1, count - 1)] = Dims.Vocab - 1;
        tokens[Math.Min(2, count - 1)] = 0;
        return tokens;
    }

    private static ForwardCase Create(string model)
    {
        ShapeDims dims = TestShapes.Of(model);
        const int seed = 2024;
        switch (model)
        {
            case nameof(LlamaRaggedModel):
            {
                var weights = LlamaWeightData.Random(dims, tied: true, seed);
                LlamaRaggedModel built = ModelBuilders.LlamaRagged(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(LlamaHeadDim10Model):
            {
                var weights = LlamaWeightData.Random(dims, tied: true, seed);
                LlamaHeadDim10Model built = ModelBuilders.LlamaHeadDim10(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(LlamaPooledModel):
            {
                var weights = LlamaWeightData.Random(dims, tied: true, seed);
                LlamaPooledModel built = ModelBuilders.LlamaPooled(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(LlamaNarrowModel):
            {
                var weights = LlamaWeightData.Random(dims, tied: true, seed);
                LlamaNarrowModel built = ModelBuilders.LlamaNarrow(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(LlamaUntiedModel):
            {
                var weights = LlamaWeightData.Random(dims, tied: false, seed);
                LlamaUntiedModel built = ModelBuilders.LlamaUntied(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(LlamaWideHeadModel):
            {
                var weights = LlamaWeightData.Random(dims, tied: true, seed);
                LlamaWideHeadModel built = ModelBuilders.LlamaWideHead(weights);
                return new ForwardCase(model, dims, new LlamaReference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(Gpt2RaggedModel):
            {
                var weights = Gpt2WeightData.Random(dims, seed);
                Gpt2RaggedModel built = ModelBuilders.Gpt2Ragged(weights);
                return new ForwardCase(model, dims, new Gpt2Reference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            case nameof(Gpt2OddHeadModel):
            {
                var weights = Gpt2WeightData.Random(dims, seed);
                Gpt2OddHeadModel built = ModelBuilders.Gpt2OddHead(weights);
                return new ForwardCase(model, dims, new Gpt2Reference(weights).Run, pool => pool is null ? built.CreateSession() : built.CreateSession(pool), built.CreateBatchSession);
            }

            default:
                throw new ArgumentException($"No test model named {model}.", nameof(model));
        }
    }
}
