using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codegen.Kernels;

namespace Codegen;

/// <summary>
/// A weight matrix quantized to 8 bits per value in blocks of 32 along each row (the layout of
/// llama.cpp's Q8_0, quants and scales in separate arrays; see <see cref="Q8Kernels"/>): about a
/// quarter of the bytes of float32. Each row is zero-padded to <see cref="BlocksPerRow"/> whole
/// blocks, so any column count works. Immutable after construction; both arrays are pinned so
/// kernels on any thread can read them through <see cref="QuantsData"/> and <see cref="ScalesData"/>.
/// </summary>
public sealed class Q8Matrix
{
    private readonly sbyte[] quants;
    private readonly float[] scales;

    private Q8Matrix(string name, int rows, int columns, sbyte[] quants, float[] scales)
    {
        Name = name;
        Rows = rows;
        Columns = columns;
        BlocksPerRow = Q8Kernels.BlockCount(columns);
        this.quants = quants;
        this.scales = scales;
    }

    /// <summary>The matrix's name in the model's own terms (for example <c>layers[3].query</c>).</summary>
    public string Name { get; }

    /// <summary>Number of rows (output features).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (input features) before padding.</summary>
    public int Columns { get; }

    /// <summary>Blocks of 32 quants a row: ceil(<see cref="Columns"/> / 32). The quants' row stride is 32 times this, the scales' row stride this.</summary>
    public int BlocksPerRow { get; }

    /// <summary>The quants, row-major, <see cref="BlocksPerRow"/> * 32 a row (padding quants are 0).</summary>
    public ReadOnlySpan<sbyte> Quants => quants;

    /// <summary>The scales, row-major, <see cref="BlocksPerRow"/> a row.</summary>
    public ReadOnlySpan<float> Scales => scales;

    /// <summary>Size of the stored quants and scales in bytes.</summary>
    public long ByteCount => quants.Length + ((long)scales.Length * sizeof(float));

    /// <summary>A reference to the first quant, for generated kernels (pinned, never written after construction).</summary>
    public ref sbyte QuantsData => ref MemoryMarshal.GetArrayDataReference(quants);

    /// <summary>A reference to the first scale, for generated kernels (pinned, never written after construction).</summary>
    public ref float ScalesData => ref MemoryMarshal.GetArrayDataReference(scales);

    /// <summary>A reference to the first quant of <paramref name="row"/> (not bounds-checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref sbyte RowQuants(int row) => ref Unsafe.Add(ref QuantsData, (nint)row * BlocksPerRow * Q8Kernels.BlockSize);

    /// <summary>A reference to the first scale of <paramref name="row"/> (not bounds-checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref float RowScales(int row) => ref Unsafe.Add(ref ScalesData, (nint)row * BlocksPerRow);

    /// <summary>Quantizes a two-dimensional float32 tensor row by row with <see cref="Q8Kernels.QuantizeVector"/>. The values must be finite.</summary>
    public static Q8Matrix FromFloat32(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shape.Length != 2)
        {
            throw new ArgumentException($"Tensor '{source.Name}' has rank {source.Shape.Length}; a matrix needs rank 2.", nameof(source));
        }

        return FromFloat32(source.Name, source.Shape[0], source.Shape[1], source.Values);
    }

    /// <summary>Quantizes <paramref name="rows"/> x <paramref name="columns"/> row-major float32 values; see <see cref="FromFloat32(WeightTensor)"/>.</summary>
    public static Q8Matrix FromFloat32(string name, int rows, int columns, ReadOnlySpan<float> source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != source.Length)
        {
            throw new ArgumentException($"Matrix '{name}' is [{rows}, {columns}] ({(long)rows * columns} values) but {source.Length} values were given.");
        }

        int blocksPerRow = Q8Kernels.BlockCount(columns);
        long blockCount = (long)rows * blocksPerRow;
        if (blockCount * Q8Kernels.BlockSize > Array.MaxLength)
        {
            throw new ArgumentException($"Matrix '{name}' needs {blockCount * Q8Kernels.BlockSize} quants, more than one array can hold.");
        }

        var quants = GC.AllocateArray<sbyte>((int)blockCount * Q8Kernels.BlockSize, pinned: true);
        var scales = GC.AllocateArray<float>((int)blockCount, pinned: true);
        int rowQuants = blocksPerRow * Q8Kernels.BlockSize;
        for (int row = 0; row < rows; row++)
        {
            Q8Kernels.QuantizeVector(
                source.Slice(row * columns, columns),
                quants.AsSpan(row * rowQuants, rowQuants),
                scales.AsSpan(row * blocksPerRow, blocksPerRow));
        }

        return new Q8Matrix(name, rows, columns, quants, scales);
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>) as the quantization represents it: quant times block scale.</summary>
    public float Dequantize(int row, int column)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row));
        }

        if ((uint)column >= (uint)Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(column));
        }

        long block = ((long)row * BlocksPerRow) + (column / Q8Kernels.BlockSize);
        return quants[(block * Q8Kernels.BlockSize) + (column % Q8Kernels.BlockSize)] * scales[block];
    }
}
