using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codegen.Formats;
using Codegen.Kernels;

namespace Codegen;

/// <summary>
/// A weight matrix quantized to 4 bits per value in blocks of 32 along each row, each block with a
/// float16 scale d and a float16 offset m (a value is d * q + m, q in [0, 15]; see <see cref="Q4Kernels"/>):
/// 0.625 bytes a weight, against 1.0625 for <see cref="Q8Matrix"/> and 4 for float32. Each row is
/// zero-padded to <see cref="BlocksPerRow"/> whole blocks, so any column count works.
/// </summary>
/// <remarks>
/// Layout (see <see cref="Q4Kernels"/>): rows in groups of <see cref="Q4Kernels.RowsPerGroup"/> (the row count
/// zero-padded to whole groups), within a group block by block, 64 bytes a group block with rows 0 and 1 in the
/// low nibbles and rows 2 and 3 in the high ones; the scales likewise, a group block holding the four rows'
/// scales and then their four offsets. Immutable after construction; both arrays are pinned so kernels on any
/// thread can read them through <see cref="GroupQuants"/> and <see cref="RowScales"/>.
/// </remarks>
public sealed class Q4Matrix
{
    private readonly byte[] quants;
    private readonly ushort[] scales;

    private Q4Matrix(string name, int rows, int columns, byte[] quants, ushort[] scales)
    {
        Name = name;
        Rows = rows;
        Columns = columns;
        BlocksPerRow = Q4Kernels.BlockCount(columns);
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

    /// <summary>Size of the stored quants, scales and offsets in bytes, padding included.</summary>
    public long ByteCount => quants.Length + ((long)scales.Length * sizeof(ushort));

    /// <summary>
    /// A reference to the first byte of quants of the group that holds <paramref name="row"/> (not bounds-checked):
    /// 64 bytes a block for the group's four rows, its next block <see cref="Q4Kernels.GroupBlockBytes"/> bytes on,
    /// the stretch <see cref="Q4Kernels.DotFourRows"/> reads (and <see cref="Q4Kernels.Dot"/> with row &amp; 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte GroupQuants(int row) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(quants), (nint)(row & ~(Q4Kernels.RowsPerGroup - 1)) * BlocksPerRow * Q4Kernels.BlockBytes);

    /// <summary>
    /// A reference to the float16 scale of block 0 of <paramref name="row"/> (not bounds-checked); its offset
    /// is <see cref="Q4Kernels.RowsPerGroup"/> values further on, and its next block's scale
    /// <see cref="Q4Kernels.GroupBlockScales"/> values further on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ushort RowScales(int row) =>
        ref Unsafe.Add(
            ref MemoryMarshal.GetArrayDataReference(scales),
            ((nint)(row & ~(Q4Kernels.RowsPerGroup - 1)) * BlocksPerRow * 2) + (row & (Q4Kernels.RowsPerGroup - 1)));

    /// <summary>
    /// Quantizes a two-dimensional float32 tensor block by block (see <see cref="FromFloat32(string, int, int, ReadOnlySpan{float})"/>).
    /// </summary>
    public static Q4Matrix FromFloat32(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shape.Length != 2)
        {
            throw new ArgumentException($"Tensor '{source.Name}' has rank {source.Shape.Length}; a matrix needs rank 2.", nameof(source));
        }

        return FromFloat32(source.Name, source.Shape[0], source.Shape[1], source.Values);
    }

    /// <summary>
    /// The stored form of a loaded tensor: a GGUF file's 4-bit blocks converted block for block when it
    /// carries them (Q4_0 and Q4_1 exactly; Q4_K with each sub-block's scale and minimum rounded to
    /// float16, see <see cref="Formats.Gguf.GgufQ4Matrix"/>), otherwise <see cref="FromFloat32(WeightTensor)"/>
    /// of its float32 values. The generated weights call this.
    /// </summary>
    public static Q4Matrix FromTensor(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Q4Blocks is { } blocks ? blocks.ToQ4Matrix(source.Name) : FromFloat32(source);
    }

    /// <summary>
    /// An all-zero matrix of <paramref name="rows"/> x <paramref name="columns"/> in the grouped layout,
    /// rows padded to whole groups and columns to whole blocks, for a builder to fill through
    /// <see cref="SetBlock"/> before anything reads it.
    /// </summary>
    internal static Q4Matrix AllocateZeroed(string name, int rows, int columns)
    {
        int blocksPerRow = Q4Kernels.BlockCount(columns);
        long paddedRows = ((long)rows + Q4Kernels.RowsPerGroup - 1) / Q4Kernels.RowsPerGroup * Q4Kernels.RowsPerGroup;
        long blockCount = paddedRows * blocksPerRow;
        if (blockCount * Q4Kernels.BlockBytes > Array.MaxLength)
        {
            throw new ArgumentException($"Matrix '{name}' needs {blockCount * Q4Kernels.BlockBytes} bytes of quants, more than one array can hold.");
        }

        var quants = GC.AllocateArray<byte>((int)blockCount * Q4Kernels.BlockBytes, pinned: true);
        var scales = GC.AllocateArray<ushort>((int)blockCount * 2, pinned: true);
        return new Q4Matrix(name, rows, columns, quants, scales);
    }

    /// <summary>
    /// Quantizes <paramref name="rows"/> x <paramref name="columns"/> row-major float32 values, each block of
    /// 32 to the 16 levels spanning its smallest to its largest value: offset m = the minimum rounded to
    /// float16, scale d = (maximum - m) / 15 rounded to float16, each quant the nearest level (clamped to
    /// [0, 15]). The values must be finite (a NaN or infinity is rejected by matrix, row and column), and a
    /// block whose offset or scale does not fit float16 (magnitudes past 65,504) is rejected by name, row and block.
    /// </summary>
    public static Q4Matrix FromFloat32(string name, int rows, int columns, ReadOnlySpan<float> source)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != source.Length)
        {
            throw new ArgumentException($"Matrix '{name}' is [{rows}, {columns}] ({(long)rows * columns} values) but {source.Length} values were given.");
        }

        FiniteWeights.RequireForMatrix(name, columns, source);
        Q4Matrix matrix = AllocateZeroed(name, rows, columns);
        Span<byte> blockQuants = stackalloc byte[Q4Kernels.BlockSize];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> values = source.Slice(row * columns, columns);
            for (int block = 0; block < matrix.BlocksPerRow; block++)
            {
                int first = block * Q4Kernels.BlockSize;
                ReadOnlySpan<float> blockValues = values.Slice(first, Math.Min(Q4Kernels.BlockSize, columns - first));
                float smallest = float.MaxValue, largest = float.MinValue;
                foreach (float value in blockValues)
                {
                    smallest = Math.Min(smallest, value);
                    largest = Math.Max(largest, value);
                }

                Half offset = (Half)smallest;
                Half scale = (Half)((largest - (float)offset) / 15f);
                if (!Half.IsFinite(offset) || !Half.IsFinite(scale))
                {
                    throw new ArgumentException(
                        $"Matrix '{name}' row {row} block {block} (columns {first} to {first + blockValues.Length - 1}) spans {smallest:G6} to {largest:G6}; a 4-bit block's float16 offset and scale hold magnitudes up to {(float)Half.MaxValue:G6}.");
                }

                float inverse = (float)scale != 0 ? 1f / (float)scale : 0f;
                blockQuants.Clear();
                for (int i = 0; i < blockValues.Length; i++)
                {
                    blockQuants[i] = (byte)Math.Clamp(MathF.Round((blockValues[i] - (float)offset) * inverse), 0f, 15f);
                }

                matrix.SetBlock(row, block, blockQuants, BitConverter.HalfToUInt16Bits(scale), BitConverter.HalfToUInt16Bits(offset));
            }
        }

        return matrix;
    }

    /// <summary>
    /// Writes block <paramref name="block"/> of <paramref name="row"/>: 32 quants (each 0 to 15) into the group's
    /// nibbles (quants 0-15 at byte 16 * (row &amp; 1), quants 16-31 32 bytes on, low nibbles for rows 0 and 1), with
    /// float16 <paramref name="scaleBits"/> and <paramref name="offsetBits"/>.
    /// </summary>
    internal void SetBlock(int row, int block, ReadOnlySpan<byte> blockQuants, ushort scaleBits, ushort offsetBits)
    {
        ref byte target = ref Unsafe.Add(ref GroupQuants(row), (block * Q4Kernels.GroupBlockBytes) + ((row & 1) * Q4Kernels.BlockBytes));
        int shift = ((row >> 1) & 1) * 4;
        int keep = 0xF0 >> shift;
        for (int i = 0; i < Q4Kernels.BlockBytes; i++)
        {
            ref byte first = ref Unsafe.Add(ref target, i);
            first = (byte)((first & keep) | (blockQuants[i] << shift));
            ref byte second = ref Unsafe.Add(ref target, 32 + i);
            second = (byte)((second & keep) | (blockQuants[Q4Kernels.BlockBytes + i] << shift));
        }

        ref ushort scale = ref Unsafe.Add(ref RowScales(row), block * Q4Kernels.GroupBlockScales);
        scale = scaleBits;
        Unsafe.Add(ref scale, Q4Kernels.RowsPerGroup) = offsetBits;
    }

    /// <summary>
    /// Writes block <paramref name="block"/> of <paramref name="row"/> from 16 bytes packed in ggml's order (a Q4_0
    /// or Q4_1 block's quants: byte i holds quant i in its low nibble and quant i + 16 in its high nibble).
    /// </summary>
    internal void SetPackedBlock(int row, int block, ReadOnlySpan<byte> packed, ushort scaleBits, ushort offsetBits)
    {
        Span<byte> blockQuants = stackalloc byte[Q4Kernels.BlockSize];
        for (int i = 0; i < Q4Kernels.BlockBytes; i++)
        {
            blockQuants[i] = (byte)(packed[i] & 0x0F);
            blockQuants[i + Q4Kernels.BlockBytes] = (byte)(packed[i] >> 4);
        }

        SetBlock(row, block, blockQuants, scaleBits, offsetBits);
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>) as the quantization represents it: scale times quant plus offset.</summary>
    public float Dequantize(int row, int column)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Matrix '{Name}' has {Rows} rows.");
        }

        if ((uint)column >= (uint)Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"Matrix '{Name}' has {Columns} columns.");
        }

        int block = column / Q4Kernels.BlockSize;
        int index = column % Q4Kernels.BlockSize;
        int at = (block * Q4Kernels.GroupBlockBytes) + ((row & 1) * Q4Kernels.BlockBytes) + (index < Q4Kernels.BlockBytes ? index : 32 + index - Q4Kernels.BlockBytes);
        int quant = (Unsafe.Add(ref GroupQuants(row), at) >> (((row >> 1) & 1) * 4)) & 0x0F;
        ref ushort scale = ref Unsafe.Add(ref RowScales(row), block * Q4Kernels.GroupBlockScales);
        return (Q4Kernels.HalfToSingle(scale) * quant) + Q4Kernels.HalfToSingle(Unsafe.Add(ref scale, Q4Kernels.RowsPerGroup));
    }
}
