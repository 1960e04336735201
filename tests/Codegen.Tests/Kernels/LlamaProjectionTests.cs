using System;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Llama's fused projections over row ranges: query/key/value (one stacked range over three matrices),
/// output and down projections added into the residual, gate and up with SwiGLU, and the prefill
/// batch versions. Rows in the range match the reference; everything else keeps its sentinel.
/// </summary>
public sealed class LlamaProjectionTests
{
    private const float Sentinel = 321.125f;

    public static TheoryData<string> Models => LlamaKernelSet.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectQueryKeyValueWritesItsRowsOfTheStackedProjections(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(51);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        float[] input = random.Normal(dims.DModel);
        double[] expected = StackedQueryKeyValue(layer, dims, input);
        int rows = dims.DModel + (2 * dims.KvDim);
        (int, int)[] ranges = RowRanges.Of(rows).Append((dims.DModel - 2, dims.DModel + dims.KvDim + 3)).ToArray();
        foreach ((int start, int end) in ranges)
        {
            var outputs = new StackedOutputs(dims, Sentinel);
            kernels.ProjectQueryKeyValue(layer, input, outputs.Query, outputs.Key, outputs.Values, outputs.ValueOffset, start, end);
            float[] actual = outputs.Stacked();
            for (int row = start; row < end; row++)
            {
                Approx.Close(expected[row], actual[row], Approx.RootMeanSquare(expected), Approx.Float32, $"stacked row {row} of [{start}, {end})");
            }

            Approx.UntouchedOutside(actual, start, end, Sentinel, $"stacked rows, range [{start}, {end})");
            outputs.AssertOtherValueSlotsUntouched();
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectQueryKeyValueInPiecesEqualsTheWhole(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(52);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        float[] input = random.Normal(dims.DModel);
        int rows = dims.DModel + (2 * dims.KvDim);
        var outputs = new StackedOutputs(dims, Sentinel);
        foreach ((int start, int end) in RowRanges.Pieces(rows, 5, dims.DModel + 3, dims.DModel + dims.KvDim + 1, rows - 1))
        {
            kernels.ProjectQueryKeyValue(layer, input, outputs.Query, outputs.Key, outputs.Values, outputs.ValueOffset, start, end);
        }

        Approx.Close(StackedQueryKeyValue(layer, dims, input), outputs.Stacked(), Approx.Float32, "query, key and value from pieces");
        outputs.AssertOtherValueSlotsUntouched();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectOutputAddResidualAddsItsRows(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(53);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        ProjectionChecks.CheckAddResidual(kernels.ProjectOutputAddResidual, layer, layer.Output, bias: null, dims.DModel, dims.DModel, random);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectDownAddResidualAddsItsRows(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(54);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        ProjectionChecks.CheckAddResidual(kernels.ProjectDownAddResidual, layer, layer.Down, bias: null, dims.DModel, dims.FfnDim, random);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectGateUpSwiGluWritesItsRows(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(55);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        float[] input = random.Normal(dims.DModel);
        double[] expected = SwiGlu(layer, dims, input);
        foreach ((int start, int end) in RowRanges.Of(dims.FfnDim))
        {
            float[] hidden = RowRanges.Filled(dims.FfnDim, Sentinel);
            kernels.ProjectGateUpSwiGlu(layer, input, hidden, start, end);
            for (int row = start; row < end; row++)
            {
                Approx.Close(expected[row], hidden[row], Approx.RootMeanSquare(expected), Approx.Float32, $"hidden row {row} of [{start}, {end})");
            }

            Approx.UntouchedOutside(hidden, start, end, Sentinel, $"hidden, rows [{start}, {end})");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectGateUpSwiGluBatchGivesEachTokensSwiGluAndUp(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(56);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        const int tokens = 3;
        float[] input = random.Normal(tokens * dims.DModel);
        foreach ((int start, int end) in RowRanges.Of(dims.FfnDim))
        {
            float[] gate = RowRanges.Filled(tokens * dims.FfnDim, Sentinel);
            float[] up = RowRanges.Filled(tokens * dims.FfnDim, Sentinel);
            kernels.ProjectGateUpSwiGluBatch(layer, input, gate, up, tokens, start, end);
            for (int t = 0; t < tokens; t++)
            {
                double[] x = ReferenceMath.ToDouble(input.AsSpan(t * dims.DModel, dims.DModel));
                double[] upRows = ReferenceMath.MatrixVector(layer.Up, dims.FfnDim, x);
                double[] swiGlu = ReferenceMath.MatrixVector(layer.Gate, dims.FfnDim, x).Select((g, i) => ReferenceMath.Silu(g) * upRows[i]).ToArray();
                ProjectionChecks.CheckRows(swiGlu, gate.AsSpan(t * dims.FfnDim, dims.FfnDim), start, end, Sentinel, $"SwiGLU of token {t}");
                ProjectionChecks.CheckRows(upRows, up.AsSpan(t * dims.FfnDim, dims.FfnDim), start, end, Sentinel, $"up of token {t}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ProjectQueryKeyValueBatchGivesEachTokensProjections(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(57);
        LlamaLayerData layer = LlamaLayerData.Random(dims, random);
        ProjectionChecks.CheckQueryKeyValueBatch(
            kernels.ProjectQueryKeyValueBatch, layer, dims, random, Sentinel, x => StackedQueryKeyValue(layer, dims, x));
    }

    /// <summary>The reference [Wq x; Wk x; Wv x].</summary>
    private static double[] StackedQueryKeyValue(LlamaLayerData layer, ShapeDims dims, ReadOnlySpan<float> input)
    {
        double[] x = ReferenceMath.ToDouble(input);
        return ReferenceMath.MatrixVector(layer.Query, dims.DModel, x)
            .Concat(ReferenceMath.MatrixVector(layer.Key, dims.KvDim, x))
            .Concat(ReferenceMath.MatrixVector(layer.Value, dims.KvDim, x))
            .ToArray();
    }

    private static double[] SwiGlu(LlamaLayerData layer, ShapeDims dims, float[] input)
    {
        double[] x = ReferenceMath.ToDouble(input);
        double[] gate = ReferenceMath.MatrixVector(layer.Gate, dims.FfnDim, x);
        double[] up = ReferenceMath.MatrixVector(layer.Up, dims.FfnDim, x);
        return gate.Select((g, i) => ReferenceMath.Silu(g) * up[i]).ToArray();
    }
}
