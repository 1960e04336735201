using System;
using System.Linq;
using Codegen;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>GPT-2's own kernels: LayerNorm with bias, GELU (tanh approximation) and the projections with biases.</summary>
public sealed class Gpt2KernelTests
{
    private const float Sentinel = -987.5f;

    public static TheoryData<string> Models => Gpt2KernelSet.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void LayerNormMatchesReference(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        int dModel = kernels.Dims.DModel;
        var random = new TestRandom(61);
        foreach ((double offset, double magnitude) in new[] { (0.0, 1.0), (3.0, 0.5), (0.0, 1e-2), (-1.0, 40.0) })
        {
            float[] input = random.Normal(dModel, magnitude).Select(x => (float)(x + offset)).ToArray();
            float[] weight = random.NormWeight(dModel);
            float[] bias = random.Normal(dModel, 0.2);
            var output = new float[dModel];
            kernels.LayerNorm(output, input, new WeightTensor("weight", new[] { dModel }, weight), new WeightTensor("bias", new[] { dModel }, bias));
            Approx.Close(ReferenceMath.LayerNorm(ReferenceMath.ToDouble(input), weight, bias, kernels.Dims.NormEpsilon), output, Approx.Float32, $"LayerNorm of {offset} + N(0, {magnitude}^2)");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GeluIsTheTanhApproximation(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        float[] inputs = new TestRandom(62).Uniform(200, -6, 6).Concat(new[] { 0f, 1f, -1f, 1e-4f, -1e-4f, 10f, -10f, 30f, -30f }).ToArray();
        foreach (float x in inputs)
        {
            // Far below zero GELU is a tiny difference of near-equal float32 numbers, hence the absolute floor.
            Approx.Close(ReferenceMath.Gelu(x), kernels.Gelu(x), 0.1, Approx.Float32, $"GELU({x:R})");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectQueryKeyValueAddsEachBiasToItsRows(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(63);
        Gpt2LayerData layer = Gpt2LayerData.Random(dims, random);
        float[] input = random.Normal(dims.DModel);
        double[] expected = StackedQueryKeyValue(layer, dims, input, withBiases: true);
        int rows = dims.DModel + (2 * dims.KvDim);
        foreach ((int start, int end) in RowRanges.Of(rows).Append((dims.DModel - 2, dims.DModel + dims.KvDim + 3)))
        {
            var outputs = new StackedOutputs(dims, Sentinel);
            kernels.ProjectQueryKeyValue(layer, input, outputs.Query, outputs.Key, outputs.Values, outputs.ValueOffset, start, end);
            ProjectionChecks.CheckRows(expected, outputs.Stacked(), start, end, Sentinel, "stacked query/key/value");
            outputs.AssertOtherValueSlotsUntouched();
        }

        var pieces = new StackedOutputs(dims, Sentinel);
        foreach ((int start, int end) in RowRanges.Pieces(rows, 3, dims.DModel + 1, (2 * dims.DModel) - 1, rows - 2))
        {
            kernels.ProjectQueryKeyValue(layer, input, pieces.Query, pieces.Key, pieces.Values, pieces.ValueOffset, start, end);
        }

        Approx.Close(expected, pieces.Stacked(), Approx.Float32, "query, key and value from pieces");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectOutputAddResidualAddsProductAndBias(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        var random = new TestRandom(64);
        Gpt2LayerData layer = Gpt2LayerData.Random(kernels.Dims, random);
        ProjectionChecks.CheckAddResidual(kernels.ProjectOutputAddResidual, layer, layer.Output, layer.OutputBias, kernels.Dims.DModel, kernels.Dims.DModel, random);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectDownAddResidualAddsProductAndBias(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        var random = new TestRandom(65);
        Gpt2LayerData layer = Gpt2LayerData.Random(kernels.Dims, random);
        ProjectionChecks.CheckAddResidual(kernels.ProjectDownAddResidual, layer, layer.Down, layer.DownBias, kernels.Dims.DModel, kernels.Dims.FfnDim, random);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectUpGeluWritesGeluOfProductPlusBias(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(66);
        Gpt2LayerData layer = Gpt2LayerData.Random(dims, random);
        float[] input = random.Normal(dims.DModel);
        double[] expected = ReferenceMath.MatrixVector(layer.Up, dims.FfnDim, ReferenceMath.ToDouble(input))
            .Select((p, row) => ReferenceMath.Gelu(p + layer.UpBias[row]))
            .ToArray();
        foreach ((int start, int end) in RowRanges.Of(dims.FfnDim))
        {
            float[] hidden = RowRanges.Filled(dims.FfnDim, Sentinel);
            kernels.ProjectUpGelu(layer, input, hidden, start, end);
            ProjectionChecks.CheckRows(expected, hidden, start, end, Sentinel, "hidden");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectQueryKeyValueBatchGivesEachTokensProductsPlusBiases(string model)
    {
        Gpt2KernelSet kernels = Gpt2KernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(67);
        Gpt2LayerData layer = Gpt2LayerData.Random(dims, random);
        // The batch product adds each row's bias on the rows its thread computed, as decode does.
        ProjectionChecks.CheckQueryKeyValueBatch(
            kernels.ProjectQueryKeyValueBatch, layer, dims, random, Sentinel, x => StackedQueryKeyValue(layer, dims, x, withBiases: true));
    }

    private static double[] StackedQueryKeyValue(Gpt2LayerData layer, ShapeDims dims, float[] input, bool withBiases)
    {
        double[] x = ReferenceMath.ToDouble(input);
        double[] query = ReferenceMath.MatrixVector(layer.Query, dims.DModel, x);
        double[] key = ReferenceMath.MatrixVector(layer.Key, dims.KvDim, x);
        double[] value = ReferenceMath.MatrixVector(layer.Value, dims.KvDim, x);
        return withBiases
            ? ReferenceMath.Add(query, layer.QueryBias).Concat(ReferenceMath.Add(key, layer.KeyBias)).Concat(ReferenceMath.Add(value, layer.ValueBias)).ToArray()
            : query.Concat(key).Concat(value).ToArray();
    }
}
