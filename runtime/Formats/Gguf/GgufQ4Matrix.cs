using System;
using System.Buffers.Binary;
using Codegen.Kernels;

namespace Codegen.Formats.Gguf;

/// <summary>
/// A matrix tensor's 4-bit blocks as a GGUF file stores them (Q4_0, Q4_1 or Q4_K, row after row), checked
/// so that they convert block for block into a <see cref="Q4Matrix"/> (<see cref="ToQ4Matrix"/>) with no
/// dequantize-requantize round trip:
/// <list type="bullet">
/// <item>Q4_0 (d * (q - 8)): scale d, offset -8d; exact.</item>
/// <item>Q4_1 (d * q + m): scale d, offset m; exact.</item>
/// <item>Q4_K (sub-block s of 32: d * scale[s] * q - dmin * min[s], 6-bit scale and min): scale
/// d * scale[s] and offset -dmin * min[s], each rounded to float16 (a product of an 11-bit and a 6-bit
/// significand needs up to 17 bits; the rounding moves a value by at most 2^-11 of its block's
/// largest, a small fraction of the 4-bit step of 1/15). The quants are the same nibbles, re-paired.</item>
/// </list>
/// </summary>
internal sealed class GgufQ4Matrix
{
    private const int SuperBlockValues = 256;

    private readonly byte[] bytes;

    private GgufQ4Matrix(GgmlType type, int rows, int columns, byte[] bytes)
    {
        Type = type;
        Rows = rows;
        Columns = columns;
        this.bytes = bytes;
    }

    /// <summary>The file's block type: Q4_0, Q4_1 or Q4_K.</summary>
    public GgmlType Type { get; }

    /// <summary>Number of rows (ggml's ne[1]).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (ggml's ne[0]), a whole number of blocks.</summary>
    public int Columns { get; }

    /// <summary>Whether a tensor of <paramref name="type"/> can be kept as 4-bit blocks.</summary>
    public static bool Holds(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q4_K;

    /// <summary>
    /// Checks <paramref name="bytes"/>, tensor <paramref name="tensor"/> of file <paramref name="path"/> as
    /// [<paramref name="rows"/>, <paramref name="columns"/>], block by block: every scale and offset it
    /// will store must be a finite float16.
    /// </summary>
    /// <exception cref="ModelLoadException">A block's scale or minimum is NaN or infinite, or its stored form would not fit float16; the message names the file, tensor, row, block and value.</exception>
    public static GgufQ4Matrix Check(string path, GgufTensorInfo tensor, int rows, int columns, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(bytes);
        if (!Holds(tensor.Type) || !GgmlTypes.TryGetBlock((uint)tensor.Type, out int blockValues, out int blockBytes)
            || columns % blockValues != 0 || (long)rows * (columns / blockValues) * blockBytes != bytes.Length)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not the {tensor.Type} blocks of a [{rows}, {columns}] matrix.", nameof(bytes));
        }

        var matrix = new GgufQ4Matrix(tensor.Type, rows, columns, bytes);
        Span<ushort> scales = stackalloc ushort[8];
        Span<ushort> offsets = stackalloc ushort[8];
        int blocksPerRow = columns / blockValues;
        for (int row = 0; row < rows; row++)
        {
            for (int block = 0; block < blocksPerRow; block++)
            {
                int count = matrix.ScalesAndOffsets(row, block, scales, offsets);
                for (int sub = 0; sub < count; sub++)
                {
                    Half scale = BitConverter.UInt16BitsToHalf(scales[sub]);
                    Half offset = BitConverter.UInt16BitsToHalf(offsets[sub]);
                    if (!Half.IsFinite(scale) || !Half.IsFinite(offset))
                    {
                        int first = (block * blockValues) + (sub * Q4Kernels.BlockSize);
                        throw new ModelLoadException(
                            path,
                            $"tensor {tensor.Describe()} row {row} block {block} (columns {first} to {first + Q4Kernels.BlockSize - 1}) has scale {scale} and offset {offset} as float16; a 4-bit block's scale and minimum must be finite and fit float16");
                    }
                }
            }
        }

        return matrix;
    }

    /// <summary>The blocks in <see cref="Q4Matrix"/>'s grouped layout, named <paramref name="name"/>, the rows padded with zeros to whole groups.</summary>
    public Q4Matrix ToQ4Matrix(string name)
    {
        Q4Matrix matrix = Q4Matrix.AllocateZeroed(name, Rows, Columns);
        Span<ushort> scales = stackalloc ushort[8];
        Span<ushort> offsets = stackalloc ushort[8];
        Span<byte> quants = stackalloc byte[Q4Kernels.BlockSize];
        GgmlTypes.TryGetBlock((uint)Type, out int blockValues, out int blockBytes);
        int blocksPerRow = Columns / blockValues;
        for (int row = 0; row < Rows; row++)
        {
            for (int block = 0; block < blocksPerRow; block++)
            {
                ReadOnlySpan<byte> source = bytes.AsSpan(((row * blocksPerRow) + block) * blockBytes, blockBytes);
                ScalesAndOffsets(row, block, scales, offsets);
                if (Type == GgmlType.Q4_K)
                {
                    // Quants: four 32-byte groups, group g holding sub-block 2g in its low nibbles and 2g + 1 in its high ones.
                    ReadOnlySpan<byte> packed = source.Slice(16, 128);
                    for (int sub = 0; sub < 8; sub++)
                    {
                        ReadOnlySpan<byte> group = packed.Slice(32 * (sub / 2), 32);
                        for (int i = 0; i < Q4Kernels.BlockSize; i++)
                        {
                            quants[i] = (byte)((sub & 1) == 0 ? group[i] & 0x0F : group[i] >> 4);
                        }

                        matrix.SetBlock(row, (block * 8) + sub, quants, scales[sub], offsets[sub]);
                    }
                }
                else
                {
                    // Q4_0 and Q4_1: ggml's packing (quants i and i + 16 in byte i), which SetPackedBlock re-lays for the kernels.
                    matrix.SetPackedBlock(row, block, source[(Type == GgmlType.Q4_0 ? 2 : 4)..], scales[0], offsets[0]);
                }
            }
        }

        return matrix;
    }

    /// <summary>
    /// The float16 scale and offset of each 32-value block in file block <paramref name="block"/> of
    /// <paramref name="row"/>: one for Q4_0 and Q4_1, eight for a Q4_K super-block. Returns the count.
    /// </summary>
    private int ScalesAndOffsets(int row, int block, Span<ushort> scales, Span<ushort> offsets)
    {
        GgmlTypes.TryGetBlock((uint)Type, out int blockValues, out int blockBytes);
        ReadOnlySpan<byte> source = bytes.AsSpan(((row * (Columns / blockValues)) + block) * blockBytes, blockBytes);
        ushort d = BinaryPrimitives.ReadUInt16LittleEndian(source);
        switch (Type)
        {
            case GgmlType.Q4_0:
                scales[0] = d;
                offsets[0] = BitConverter.HalfToUInt16Bits((Half)(-8f * (float)BitConverter.UInt16BitsToHalf(d)));
                return 1;
            case GgmlType.Q4_1:
                scales[0] = d;
                offsets[0] = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
                return 1;
            default:
                float superScale = (float)BitConverter.UInt16BitsToHalf(d);
                float superMin = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source[2..]));
                for (int sub = 0; sub < 8; sub++)
                {
                    (int scale, int min) = Q4_KBlocks.ScaleAndMin(source.Slice(4, 12), sub);
                    scales[sub] = BitConverter.HalfToUInt16Bits((Half)(superScale * scale));
                    offsets[sub] = BitConverter.HalfToUInt16Bits((Half)(-(superMin * min)));
                }

                return SuperBlockValues / Q4Kernels.BlockSize;
        }
    }
}
