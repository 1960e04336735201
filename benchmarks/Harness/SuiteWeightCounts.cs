using System;
using Codegen.Benchmarks.Suites;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// The matrix weights of the shapes with decode and prefill rows (the 15M, 110M and GPT-2 small suites): the layers'
/// projections, and the unembedding. Norms, biases and the token embedding (one row a token) are not counted.
/// </summary>
public readonly record struct SuiteWeightCounts(double Layers, double Unembedding)
{
    /// <summary>The counts of a suite's shape; null for suites without one here.</summary>
    public static SuiteWeightCounts? Of(Type benchmark) =>
        benchmark == typeof(Stories15MBenchmarks) ? Llama(LlamaShape.Stories15M)
        : benchmark == typeof(Stories110MBenchmarks) ? Llama(LlamaShape.Stories110M)
        : benchmark == typeof(Gpt2SmallBenchmarks) ? Gpt2(Gpt2Shape.Gpt2Small)
        : null;

    private static SuiteWeightCounts Llama(LlamaShape shape)
    {
        // Query, key and value; output; gate, up and down.
        double layer = ((double)shape.Dim * (shape.Dim + (2 * shape.KvDim))) + ((double)shape.Dim * shape.Dim) + (3.0 * shape.Dim * shape.HiddenDim);
        return new SuiteWeightCounts(shape.Layers * layer, (double)shape.Vocab * shape.Dim);
    }

    private static SuiteWeightCounts Gpt2(Gpt2Shape shape)
    {
        // The fused query, key and value; output; up and down.
        double layer = (3.0 * shape.Embedding * shape.Embedding) + ((double)shape.Embedding * shape.Embedding) + (2.0 * shape.Embedding * shape.Inner);
        return new SuiteWeightCounts(shape.Layers * layer, (double)shape.Vocab * shape.Embedding);
    }
}
