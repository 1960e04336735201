using System;
using System.Runtime.Intrinsics;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The unrolled dot products of each constant length, one row and four rows at a time. The vectors sit
/// inside larger arrays padded with NaN on both sides, so a read past either end would show in the result.
/// </summary>
public sealed class DotProductTests
{
    public static TheoryData<string> Models => SharedKernelSet.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void DotDModelMatchesReference(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckDot(kernels.DotDModel, kernels.Dims.DModel, seed: 11);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DotFfnDimMatchesReference(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckDot(kernels.DotFfnDim, kernels.Dims.FfnDim, seed: 12);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DotFourRowsDModelMatchesReference(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckFourRows(kernels.DotFourRowsDModel, kernels.Dims.DModel, seed: 13);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DotFourRowsFfnDimMatchesReference(string model)
    {
        SharedKernelSet kernels = SharedKernelSet.For(model);
        CheckFourRows(kernels.DotFourRowsFfnDim, kernels.Dims.FfnDim, seed: 14);
    }

    private const int Padding = 9;

    private static void CheckDot(DotKernel dot, int length, int seed)
    {
        var random = new TestRandom(seed);
        for (int trial = 0; trial < 20; trial++)
        {
            float[] left = trial % 2 == 0 ? random.Normal(length) : random.Uniform(length);
            float[] right = random.Normal(length);
            float[] paddedLeft = Padded(left);
            float[] paddedRight = Padded(right);
            float actual = dot(ref paddedLeft[Padding], ref paddedRight[Padding]);
            Approx.Close(ReferenceMath.Dot(left, right), actual, ReferenceMath.TermScale(left, right), Approx.Float32, $"dot of {length}, trial {trial}");
        }
    }

    private static void CheckFourRows(DotFourRowsKernel dotFourRows, int length, int seed)
    {
        var random = new TestRandom(seed);
        for (int trial = 0; trial < 10; trial++)
        {
            float[] rows = random.Normal(4 * length);
            float[] input = random.Uniform(length);
            float[] paddedRows = Padded(rows);
            float[] paddedInput = Padded(input);
            Vector128<float> actual = dotFourRows(ref paddedRows[Padding], ref paddedInput[Padding]);
            for (int r = 0; r < 4; r++)
            {
                ReadOnlySpan<float> row = rows.AsSpan(r * length, length);
                Approx.Close(ReferenceMath.Dot(row, input), actual.GetElement(r), ReferenceMath.TermScale(row, input), Approx.Float32, $"row {r} of four, length {length}, trial {trial}");
            }
        }
    }

    /// <summary>The values with <see cref="Padding"/> NaNs before and after.</summary>
    private static float[] Padded(float[] values)
    {
        var padded = new float[values.Length + (2 * Padding)];
        padded.AsSpan().Fill(float.NaN);
        values.CopyTo(padded, Padding);
        return padded;
    }
}
