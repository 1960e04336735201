using System;
using System.Linq;
using Codegen;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>Llama's element-wise kernels: RMSNorm, rotary positions (tables included) and SwiGLU.</summary>
public sealed class LlamaKernelTests
{
    public static TheoryData<string> Models => LlamaKernelSet.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void RmsNormMatchesReference(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(41);
        foreach (double magnitude in new[] { 1.0, 1e-3, 300.0 })
        {
            float[] input = random.Normal(dims.DModel, magnitude);
            float[] weight = random.NormWeight(dims.DModel);
            var output = new float[dims.DModel];
            kernels.RmsNorm(output, input, new WeightTensor("weight", new[] { dims.DModel }, weight));
            Approx.Close(ReferenceMath.RmsNorm(ReferenceMath.ToDouble(input), weight, dims.NormEpsilon), output, Approx.Float32, $"RMSNorm of values ~{magnitude}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RmsNormOfZerosIsZeroNotNaN(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        int dModel = kernels.Dims.DModel;
        var output = new float[dModel];
        kernels.RmsNorm(output, new float[dModel], new WeightTensor("weight", new[] { dModel }, new TestRandom(42).NormWeight(dModel)));
        Assert.All(output, value => Assert.Equal(0f, value));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RotatePositionsTurnsEveryPairByItsAngle(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        var random = new TestRandom(43);
        foreach (int position in new[] { 0, 1, 2, dims.Context / 2, dims.Context - 1 })
        {
            float[] query = random.Normal(dims.DModel);
            float[] key = random.Normal(dims.KvDim);
            double[] expectedQuery = ReferenceMath.ToDouble(query);
            double[] expectedKey = ReferenceMath.ToDouble(key);
            ReferenceMath.Rotate(expectedQuery, dims.HeadDim, position, dims.RopeTheta);
            ReferenceMath.Rotate(expectedKey, dims.HeadDim, position, dims.RopeTheta);
            kernels.RotatePositions(query, key, position, kernels.RotaryCos, kernels.RotarySin);

            // The tables hold cos and sin of a float32 angle, position * frequency, which is itself only
            // known to a few float32 roundings of its size: allow that on top of the usual tolerance.
            double tolerance = Approx.Float32 + (4 * position * Math.Pow(2, -24));
            Approx.Close(expectedQuery, query, tolerance, $"query at position {position}");
            Approx.Close(expectedKey, key, tolerance, $"key at position {position}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RotaryTablesHoldCosAndSinOfEveryPositionAndPair(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        ShapeDims dims = kernels.Dims;
        int pairs = dims.HeadDim / 2;
        Assert.Equal(dims.Context * pairs, kernels.RotaryCos.Length);
        Assert.Equal(dims.Context * pairs, kernels.RotarySin.Length);
        for (int position = 0; position < dims.Context; position++)
        {
            double tolerance = Approx.Float32 + (4 * position * Math.Pow(2, -24));
            for (int pair = 0; pair < pairs; pair++)
            {
                double angle = ReferenceMath.RotaryAngle(position, pair, dims.HeadDim, dims.RopeTheta);
                Approx.Close(Math.Cos(angle), kernels.RotaryCos[(position * pairs) + pair], 1.0, tolerance, $"cos at position {position}, pair {pair}");
                Approx.Close(Math.Sin(angle), kernels.RotarySin[(position * pairs) + pair], 1.0, tolerance, $"sin at position {position}, pair {pair}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void SwiGluInPlaceMatchesReferenceIncludingLargeGates(string model)
    {
        LlamaKernelSet kernels = LlamaKernelSet.For(model);
        var random = new TestRandom(44);
        foreach (int length in new[] { 1, 3, 4, 5, 9, kernels.Dims.FfnDim, 3 * kernels.Dims.FfnDim })
        {
            float[] gate = random.Normal(length, 3.0);
            gate[0] = length > 1 ? -100f : gate[0];
            gate[^1] = length > 2 ? 100f : gate[^1];
            float[] up = random.Normal(length);
            double[] expected = gate.Select((g, i) => ReferenceMath.Silu(g) * up[i]).ToArray();
            kernels.SwiGluInPlace(gate, up);
            Approx.Close(expected, gate, Approx.Float32, $"SwiGLU of {length}");
        }
    }
}
