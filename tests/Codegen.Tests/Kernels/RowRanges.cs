using System;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Kernels;

/// <summary>The row ranges the projection tests run: how a session, or a worker pool's split, may call a kernel.</summary>
internal static class RowRanges
{
    /// <summary>All rows; ragged at both ends; one row; none; the last few rows.</summary>
    public static (int Start, int End)[] Of(int rows) => new[]
    {
        (0, rows),
        (1, rows - 2),
        (rows / 2, (rows / 2) + 1),
        (rows / 3, rows / 3),
        (Math.Max(rows - 5, 0), rows),
    };

    /// <summary>Contiguous pieces covering [0, rows) at uneven boundaries, none of them a multiple of four.</summary>
    public static (int Start, int End)[] Pieces(int rows, params int[] cuts)
    {
        int[] bounds = cuts.Where(cut => cut > 0 && cut < rows).Append(0).Append(rows).Distinct().Order().ToArray();
        var pieces = new List<(int, int)>();
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            pieces.Add((bounds[i], bounds[i + 1]));
        }

        return pieces.ToArray();
    }

    public static float[] Filled(int length, float value)
    {
        var values = new float[length];
        values.AsSpan().Fill(value);
        return values;
    }
}
