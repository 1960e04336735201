using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Codegen.Tests.Quantized;

/// <summary>Shapes and seeded random values shared by the bfloat16 and Q8 tests.</summary>
internal static class QuantizedTestData
{
    /// <summary>Column counts below, at and above one block or vector, and odd sizes with tails.</summary>
    public static readonly int[] ColumnCounts = [31, 32, 33, 100, 288, 771];

    /// <summary>Four rows (one four-row group), seven (a partial last group) and nine (two groups and a leftover row).</summary>
    public static readonly int[] RowCounts = [4, 7, 9];

    /// <summary>Every (rows, columns) pair.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        foreach (int rows in RowCounts)
        {
            foreach (int columns in ColumnCounts)
            {
                yield return [rows, columns];
            }
        }
    }

    /// <summary>
    /// Values with a random sign and magnitudes over four decades (10^-2 to 10^2), so blocks and rows
    /// mix large and small numbers.
    /// </summary>
    public static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double magnitude = Math.Pow(10, (random.NextDouble() * 4) - 2);
            values[i] = (float)(random.NextDouble() < 0.5 ? -magnitude : magnitude);
        }

        return values;
    }

    /// <summary>Which kernel path this process takes, for the test log.</summary>
    public static string KernelPath =>
        $"Vector256={Vector256.IsHardwareAccelerated} Vector128={Vector128.IsHardwareAccelerated} Avx2={Avx2.IsSupported} Fma={Fma.IsSupported}";
}
