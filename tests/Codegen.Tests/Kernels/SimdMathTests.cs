using System;
using System.Runtime.Intrinsics;
using Codegen.Kernels;
using Xunit;

namespace Codegen.Tests.Kernels;

/// <summary>
/// The runtime's shared vector helpers that generated softmax code leans on: the largest lane of a
/// vector (the softmax's shift) and the vector exp.
/// </summary>
public sealed class SimdMathTests
{
    [Fact]
    public void MaxAcrossFindsTheLargestLaneWhereverItIs()
    {
        for (int lane = 0; lane < Vector256<float>.Count; lane++)
        {
            var values = new float[Vector256<float>.Count];
            for (int i = 0; i < values.Length; i++)
            {
                // Every other lane is -infinity, as the softmax's padded positions are.
                values[i] = i % 2 == 0 ? float.NegativeInfinity : -3f - i;
            }

            values[lane] = 2.5f;
            Assert.Equal(2.5f, SimdMath.MaxAcross(Vector256.Create(values)));
            if (lane < Vector128<float>.Count)
            {
                Assert.Equal(2.5f, SimdMath.MaxAcross(Vector128.Create(values.AsSpan(0, Vector128<float>.Count))));
            }
        }
    }

    [Fact]
    public void MaxAcrossOfAllNegativeInfinityIsNegativeInfinity()
    {
        Assert.Equal(float.NegativeInfinity, SimdMath.MaxAcross(Vector256.Create(float.NegativeInfinity)));
        Assert.Equal(float.NegativeInfinity, SimdMath.MaxAcross(Vector128.Create(float.NegativeInfinity)));
    }

    [Fact]
    public void ExpMatchesTheScalarFunctionAcrossItsRangeAndGivesTheDocumentedEnds()
    {
        float[] inputs = [float.NegativeInfinity, -1000f, -87.5f, -87.3f, -86f, -50f, -10.25f, -1f, -1e-3f, 0f, 1e-3f, 0.5f, 1f, 10.75f, 50f, 88.37f, 88.38f, 88.7f, 89f, 1000f, float.PositiveInfinity];
        for (int start = 0; start < inputs.Length; start += Vector256<float>.Count)
        {
            var chunk = new float[Vector256<float>.Count];
            for (int i = 0; i < chunk.Length; i++)
            {
                chunk[i] = inputs[Math.Min(start + i, inputs.Length - 1)];
            }

            Vector256<float> wide = SimdMath.Exp(Vector256.Create(chunk));
            Vector128<float> narrow = SimdMath.Exp(Vector128.Create(chunk.AsSpan(0, Vector128<float>.Count)));
            for (int i = 0; i < chunk.Length; i++)
            {
                float expected = MathF.Exp(chunk[i]);
                CheckExp(chunk[i], expected, wide[i]);
                if (i < Vector128<float>.Count)
                {
                    CheckExp(chunk[i], expected, narrow[i]);
                }
            }
        }
    }

    private static void CheckExp(float x, float expected, float actual)
    {
        // Documented ends: below -87.33654 (where e^x leaves the normal floats) the result is 0, from
        // 88.3763 (2^127.5, where n would need 128) +infinity.
        if (x < -87.33654f || x >= 88.3763f)
        {
            float end = x < 0 ? 0f : float.PositiveInfinity;
            Assert.True(end == actual, $"exp({x}): expected {end}, got {actual}");
            return;
        }

        Assert.True(Math.Abs(actual - expected) <= 1e-6f * expected, $"exp({x}): expected {expected}, got {actual} (relative error {Math.Abs(actual - expected) / expected})");
    }
}
