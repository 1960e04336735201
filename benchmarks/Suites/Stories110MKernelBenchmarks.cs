using System;
using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;
using Codegen.Threading;
using GeneratedKernels = Codegen.Benchmarks.Models.Stories110M.CpuKernels;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// Where one decode token's time goes on the 110M shape: each step of the generated forward pass run
/// alone, over all 12 layers, with the same kernels and the same split over the worker pool as the
/// session. One operation is one token's worth of that step. Attention is timed at position 128, the
/// middle of the 256-token decode benchmark. docs/performance.md reads these against the bytes each
/// step moves. Caveat: a step whose weights fit in the 32 MB L3 (the output projection, 28 MB) runs
/// from cache when timed alone, faster than inside a whole token.
/// </summary>
[BenchmarkCategory("kernels")]
[Config(typeof(BenchmarkConfig))]
public class Stories110MKernelBenchmarks
{
    private const int Position = 128;
    private const int Layers = Stories110M.Layers;

    private readonly WorkerPool pool = WorkerPool.Shared;
    private readonly float[] residual = new float[Stories110M.DModel];
    private readonly float[] normalized = new float[Stories110M.DModel];
    private readonly float[] query = new float[Stories110M.DModel];
    private readonly float[] key = new float[Stories110M.KvDim];
    private readonly float[] attention = new float[Stories110M.DModel];
    private readonly float[] hidden = new float[Stories110M.FfnDim];
    private readonly float[] logits = new float[Stories110M.Vocab];
    private readonly float[] scores = new float[Stories110M.Heads * GeneratedKernels.CachePositions];
    private readonly float[][] keyCache = new float[Layers][];
    private readonly float[][] valueCache = new float[Layers][];
    private Stories110M model = null!;
    private Stories110M.LayerWeights layer = null!;
    private int layerIndex;
    private RowRangeAction projectQueryKeyValue = null!;
    private RowRangeAction attend = null!;
    private RowRangeAction projectOutput = null!;
    private RowRangeAction projectGateUp = null!;
    private RowRangeAction projectDown = null!;
    private RowRangeAction unembed = null!;

    [GlobalSetup]
    public void Setup()
    {
        model = Stories110M.Load(RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M));
        var random = new Random(3);
        for (int i = 0; i < Layers; i++)
        {
            keyCache[i] = RandomValues(random, GeneratedKernels.CachePositions * Stories110M.KvDim);
            valueCache[i] = RandomValues(random, GeneratedKernels.CachePositions * Stories110M.KvDim);
        }

        RandomValues(random, Stories110M.DModel).CopyTo(residual, 0);
        RandomValues(random, Stories110M.DModel).CopyTo(normalized, 0);
        RandomValues(random, Stories110M.DModel).CopyTo(query, 0);
        RandomValues(random, Stories110M.DModel).CopyTo(attention, 0);
        RandomValues(random, Stories110M.FfnDim).CopyTo(hidden, 0);
        projectQueryKeyValue = (start, end) => GeneratedKernels.ProjectQueryKeyValue(layer, normalized, query, key, valueCache[layerIndex], Position * Stories110M.KvDim, start, end);
        attend = (start, end) => GeneratedKernels.Attention(query, keyCache[layerIndex], valueCache[layerIndex], Position, scores, attention, start, end);
        projectOutput = (start, end) => GeneratedKernels.ProjectOutputAddResidual(layer, attention, residual, start, end);
        projectGateUp = (start, end) => GeneratedKernels.ProjectGateUpSwiGlu(layer, normalized, hidden, start, end);
        projectDown = (start, end) => GeneratedKernels.ProjectDownAddResidual(layer, hidden, residual, start, end);
        unembed = (start, end) => GeneratedKernels.MultiplyRowsDModel(model.Weights.Unembedding, ref normalized[0], ref logits[0], start, end);
    }

    /// <summary>Two RMSNorms and the rotary positions per layer, one thread (as in the session).</summary>
    [Benchmark]
    public void NormsAndRotary()
    {
        for (int i = 0; i < Layers; i++)
        {
            Stories110M.LayerWeights weights = model.Weights.Layers[i];
            GeneratedKernels.RmsNorm(normalized, residual, weights.AttentionNorm);
            GeneratedKernels.RotatePositions(query, key, Position, model.RotaryCos, model.RotarySin);
            GeneratedKernels.RmsNorm(normalized, residual, weights.FfnNorm);
        }
    }

    [Benchmark]
    public void QueryKeyValue() => EachLayer(projectQueryKeyValue, Stories110M.DModel + (2 * Stories110M.KvDim), granularity: 8);

    [Benchmark]
    public void AttentionAtPosition128() => EachLayer(attend, Stories110M.Heads, granularity: 1);

    [Benchmark]
    public void OutputProjection() => EachLayer(projectOutput, Stories110M.DModel, granularity: 8);

    [Benchmark]
    public void GateUpSwiGlu() => EachLayer(projectGateUp, Stories110M.FfnDim, granularity: 8);

    [Benchmark]
    public void DownProjection() => EachLayer(projectDown, Stories110M.DModel, granularity: 8);

    [Benchmark]
    public void Unembedding() => pool.Run(unembed, Stories110M.Vocab, granularity: 8);

    private void EachLayer(RowRangeAction step, int count, int granularity)
    {
        for (layerIndex = 0; layerIndex < Layers; layerIndex++)
        {
            layer = model.Weights.Layers[layerIndex];
            pool.Run(step, count, granularity);
        }
    }

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
