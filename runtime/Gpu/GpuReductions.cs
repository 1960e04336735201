using System.Runtime.CompilerServices;
using ILGPU;

namespace Codegen.Gpu;

/// <summary>
/// Reductions over the lanes of a warp and the threads of a group, and the warp dot products of the
/// projections: the shape-independent pieces every generated ILGPU kernel calls. Each is inlined into its
/// kernel by ILGPU, so a size the kernel passes as a constant stays one.
/// </summary>
public static class GpuReductions
{
    /// <summary>Sum over the lanes of a warp by shuffles; lane 0 gets the total.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WarpSum(float value)
    {
        for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)
        {
            value += Warp.ShuffleDown(value, offset);
        }

        return value;
    }

    /// <summary>Sum over the lanes of a warp by a butterfly of xor shuffles; every lane gets the same total.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WarpAllSum(float value)
    {
        for (int mask = Warp.WarpSize / 2; mask > 0; mask /= 2)
        {
            value += Warp.ShuffleXor(value, mask);
        }

        return value;
    }

    /// <summary>Maximum over the lanes of a warp; every lane gets it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WarpAllMax(float value)
    {
        for (int mask = Warp.WarpSize / 2; mask > 0; mask /= 2)
        {
            float other = Warp.ShuffleXor(value, mask);
            value = other > value ? other : value;
        }

        return value;
    }

    /// <summary>
    /// Sum over every thread of the group; every thread gets the same total. Each warp adds its lanes; with
    /// more than one warp, lane 0 leaves the warp's sum in <paramref name="warpSums"/> (shared memory) and
    /// every thread adds those in the same order. Every thread of the group must call it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GroupSum(float value, ArrayView<float> warpSums)
    {
        value = WarpAllSum(value);
        if (Group.DimX == Warp.WarpSize)
        {
            return value;
        }

        if (Warp.IsFirstLane)
        {
            warpSums[Warp.WarpIdx] = value;
        }

        Group.Barrier();
        float total = 0;
        int warps = Group.DimX / Warp.WarpSize;
        for (int warp = 0; warp < warps; warp++)
        {
            total += warpSums[warp];
        }

        // The slots are free again once everyone has read them.
        Group.Barrier();
        return total;
    }

    /// <summary>Maximum over every thread of the group, as <see cref="GroupSum"/> does the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GroupMax(float value, ArrayView<float> warpSums)
    {
        value = WarpAllMax(value);
        if (Group.DimX == Warp.WarpSize)
        {
            return value;
        }

        if (Warp.IsFirstLane)
        {
            warpSums[Warp.WarpIdx] = value;
        }

        Group.Barrier();
        float max = float.NegativeInfinity;
        int warps = Group.DimX / Warp.WarpSize;
        for (int warp = 0; warp < warps; warp++)
        {
            max = warpSums[warp] > max ? warpSums[warp] : max;
        }

        Group.Barrier();
        return max;
    }

    /// <summary>Dot product of row <paramref name="row"/> of a matrix with <paramref name="columns"/> columns and <paramref name="vector"/>, by one warp; lane 0 gets it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WarpDot(ArrayView<float> matrix, int row, ArrayView<float> vector, int columns)
    {
        long start = (long)row * columns;
        float sum = 0;
        for (int column = Warp.LaneIdx; column < columns; column += Warp.WarpSize)
        {
            sum += matrix[start + column] * vector[column];
        }

        return WarpSum(sum);
    }

    /// <summary>Dot products of rows <paramref name="row"/> to row + 3 of a matrix with <paramref name="columns"/> columns and <paramref name="vector"/>, by one warp in one pass over the vector; lane 0 gets them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static GpuRows4 WarpDot4(ArrayView<float> matrix, int row, ArrayView<float> vector, int columns)
    {
        long start = (long)row * columns;
        GpuRows4 sums = default;
        for (int column = Warp.LaneIdx; column < columns; column += Warp.WarpSize)
        {
            float x = vector[column];
            sums.Row0 += matrix[start + column] * x;
            sums.Row1 += matrix[start + columns + column] * x;
            sums.Row2 += matrix[start + (2 * columns) + column] * x;
            sums.Row3 += matrix[start + (3 * columns) + column] * x;
        }

        // One shuffle of all four sums a step.
        for (int offset = Warp.WarpSize / 2; offset > 0; offset /= 2)
        {
            GpuRows4 other = Warp.ShuffleDown(sums, offset);
            sums.Row0 += other.Row0;
            sums.Row1 += other.Row1;
            sums.Row2 += other.Row2;
            sums.Row3 += other.Row3;
        }

        return sums;
    }

    /// <summary>The first output row (or row pair) of this warp: warp w of group g takes row g * warps per group + w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FirstRowOfWarp() => (Grid.IdxX * (Group.DimX / Warp.WarpSize)) + Warp.WarpIdx;

    /// <summary>Warps in the whole launch: a launch with fewer warps than rows takes the rows in turns of this many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WarpsOfLaunch() => Grid.DimX * (Group.DimX / Warp.WarpSize);
}

/// <summary>Four dot products computed together by one warp: a tile of four output rows.</summary>
public struct GpuRows4
{
    public float Row0;
    public float Row1;
    public float Row2;
    public float Row3;
}
