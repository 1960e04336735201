using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codegen.Formats;
using Codegen.Kernels;

namespace Codegen;

/// <summary>
/// A weight matrix quantized to 8 bits per value in blocks of 32 along each row, with a float16 scale
/// per block (the quantization of llama.cpp's Q8_0, quants and scales in separate arrays; see
/// <see cref="Q8Kernels"/>): 1.0625 bytes a weight, against 4 for float32. Each row is zero-padded to
/// <see cref="BlocksPerRow"/> whole blocks, so any column count works.
/// </summary>
/// <remarks>
/// Layout, chosen for the kernels' access pattern: rows are stored in groups of
/// <see cref="Q8Kernels.RowsPerGroup"/> (the row count zero-padded to whole groups), and within a group
/// block by block: block 0 of rows 0-3, then block 1 of rows 0-3, and so on, for the quants (32 bytes a
/// row-block) and the scales (one float16 a row-block) alike. A product of four rows with an input then
/// reads one forward stream of quants and one of scales instead of four of each, which the hardware
/// prefetcher follows far better: on the 2-core AVX2 EPYC the 110M shape's 8-bit matrices went from
/// 20-30 GB/s to 23-38 GB/s (same runs, alternating). Immutable after construction; both arrays are pinned so kernels on any thread
/// can read them through <see cref="RowQuants"/> and <see cref="RowScales"/>.
/// </remarks>
public sealed class Q8Matrix
{
    private readonly sbyte[] quants;
    private readonly ushort[] scales;

    private Q8Matrix(string name, int rows, int columns, sbyte[] quants, ushort[] scales)
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

    /// <summary>Blocks of 32 quants a row: ceil(<see cref="Columns"/> / 32).</summary>
    public int BlocksPerRow { get; }

    /// <summary>Size of the stored quants and scales in bytes, padding included.</summary>
    public long ByteCount => quants.Length + ((long)scales.Length * sizeof(ushort));

    /// <summary>
    /// A reference to the first quant of <paramref name="row"/> (not bounds-checked). Its next block
    /// is <see cref="Q8Kernels.GroupBlockQuants"/> quants further on; for a row that starts a group,
    /// the group's four rows are the contiguous stretch <see cref="Q8Kernels.DotFourRows"/> reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref sbyte RowQuants(int row) =>
        ref Unsafe.Add(
            ref MemoryMarshal.GetArrayDataReference(quants),
            ((nint)(row & ~(Q8Kernels.RowsPerGroup - 1)) * BlocksPerRow * Q8Kernels.BlockSize) + ((row & (Q8Kernels.RowsPerGroup - 1)) * Q8Kernels.BlockSize));

    /// <summary>
    /// A reference to the first scale of <paramref name="row"/>, float16 bits (not bounds-checked); its next
    /// block's scale is <see cref="Q8Kernels.RowsPerGroup"/> scales further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ushort RowScales(int row) =>
        ref Unsafe.Add(
            ref MemoryMarshal.GetArrayDataReference(scales),
            ((nint)(row & ~(Q8Kernels.RowsPerGroup - 1)) * BlocksPerRow) + (row & (Q8Kernels.RowsPerGroup - 1)));

    /// <summary>
    /// Quantizes a two-dimensional float32 tensor row by row with <see cref="Q8Kernels.QuantizeVector"/> and
    /// stores each block's scale as float16. The values must be finite (a NaN or infinity is rejected by
    /// matrix, row and column before quantizing), and no block's largest magnitude
    /// may pass 127 times float16's largest value (about 8.3 million): such a matrix is rejected by name, row and block.
    /// </summary>
    public static Q8Matrix FromFloat32(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shape.Length != 2)
        {
            throw new ArgumentException($"Tensor '{source.Name}' has rank {source.Shape.Length}; a matrix needs rank 2.", nameof(source));
        }

        return FromFloat32(source.Name, source.Shape[0], source.Shape[1], source.Values);
    }

    /// <summary>
    /// The stored form of a loaded tensor: its 8-bit blocks as they are when it carries a GGUF file's
    /// Q8_0 blocks (<see cref="Formats.Gguf.GgufQ8_0Matrix"/>; exact, nothing requantized), otherwise
    /// <see cref="FromFloat32(WeightTensor)"/> of its float32 values. The generated weights call this.
    /// </summary>
    public static Q8Matrix FromTensor(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Q8_0Blocks is { } blocks ? blocks.ToQ8Matrix(source.Name) : FromFloat32(source);
    }

    /// <summary>
    /// An all-zero matrix of <paramref name="rows"/> x <paramref name="columns"/> in the grouped layout,
    /// rows padded to whole groups and columns to whole blocks, for a builder to fill through
    /// <see cref="RowQuants"/> and <see cref="RowScales"/> before anything reads it.
    /// </summary>
    internal static Q8Matrix AllocateZeroed(string name, int rows, int columns)
    {
        int blocksPerRow = Q8Kernels.BlockCount(columns);
        long paddedRows = ((long)rows + Q8Kernels.RowsPerGroup - 1) / Q8Kernels.RowsPerGroup * Q8Kernels.RowsPerGroup;
        long blockCount = paddedRows * blocksPerRow;
        if (blockCount * Q8Kernels.BlockSize > Array.MaxLength)
        {
            throw new ArgumentException($"Matrix '{name}' needs {blockCount * Q8Kernels.BlockSize} quants, more than one array can hold.");
        }

        var quants = GC.AllocateArray<sbyte>((int)blockCount * Q8Kernels.BlockSize, pinned: true);
        var scales = GC.AllocateArray<ushort>((int)blockCount, pinned: true);
        return new Q8Matrix(name, rows, columns, quants, scales);
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

        // Checked before quantizing: a NaN in a block could otherwise come out as finite quants and scale.
        FiniteWeights.RequireForMatrix(name, columns, source);
        int blocksPerRow = Q8Kernels.BlockCount(columns);
        Q8Matrix matrix = AllocateZeroed(name, rows, columns);
        Span<sbyte> rowQuants = new sbyte[blocksPerRow * Q8Kernels.BlockSize];
        Span<float> rowScales = new float[blocksPerRow];
        for (int row = 0; row < rows; row++)
        {
            Q8Kernels.QuantizeVector(source.Slice(row * columns, columns), rowQuants, rowScales);
            ref sbyte targetQuants = ref matrix.RowQuants(row);
            ref ushort targetScales = ref matrix.RowScales(row);
            for (int block = 0; block < blocksPerRow; block++)
            {
                rowQuants.Slice(block * Q8Kernels.BlockSize, Q8Kernels.BlockSize)
                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref targetQuants, block * Q8Kernels.GroupBlockQuants), Q8Kernels.BlockSize));
                Half scale = (Half)rowScales[block];
                if (Half.IsInfinity(scale))
                {
                    throw new ArgumentException(
                        $"Matrix '{name}' row {row} block {block} (columns {block * Q8Kernels.BlockSize} to {Math.Min(columns, (block + 1) * Q8Kernels.BlockSize) - 1}) has a value of magnitude {rowScales[block] * 127f:G6}; an 8-bit block's float16 scale holds at most {(float)Half.MaxValue * 127f:G6}.");
                }

                Unsafe.Add(ref targetScales, block * Q8Kernels.RowsPerGroup) = BitConverter.HalfToUInt16Bits(scale);
            }
        }

        return matrix;
    }

    /// <summary>
    /// Copies one row's blocks out in the plain order <see cref="Q8Kernels.QuantizeVector"/> writes:
    /// <see cref="BlocksPerRow"/> * 32 quants and <see cref="BlocksPerRow"/> scales (the stored float16 scales, widened).
    /// </summary>
    public void CopyRow(int row, Span<sbyte> rowQuants, Span<float> rowScales)
    {
        CheckRow(row);
        if (rowQuants.Length < BlocksPerRow * Q8Kernels.BlockSize || rowScales.Length < BlocksPerRow)
        {
            throw new ArgumentException($"A row of '{Name}' has {BlocksPerRow * Q8Kernels.BlockSize} quants and {BlocksPerRow} scales; the spans hold {rowQuants.Length} and {rowScales.Length}.");
        }

        ref sbyte sourceQuants = ref RowQuants(row);
        ref ushort sourceScales = ref RowScales(row);
        for (int block = 0; block < BlocksPerRow; block++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref sourceQuants, block * Q8Kernels.GroupBlockQuants), Q8Kernels.BlockSize)
                .CopyTo(rowQuants.Slice(block * Q8Kernels.BlockSize));
            rowScales[block] = Q8Kernels.ScaleToSingle(Unsafe.Add(ref sourceScales, block * Q8Kernels.RowsPerGroup));
        }
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>) as the quantization represents it: quant times block scale.</summary>
    public float Dequantize(int row, int column)
    {
        CheckRow(row);
        if ((uint)column >= (uint)Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(column));
        }

        int block = column / Q8Kernels.BlockSize;
        sbyte quant = Unsafe.Add(ref RowQuants(row), (block * Q8Kernels.GroupBlockQuants) + (column % Q8Kernels.BlockSize));
        return quant * Q8Kernels.ScaleToSingle(Unsafe.Add(ref RowScales(row), block * Q8Kernels.RowsPerGroup));
    }

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Matrix '{Name}' has {Rows} rows.");
        }
    }
}
