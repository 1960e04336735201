using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codegen.Kernels;

namespace Codegen.Formats.Gguf;

/// <summary>
/// A matrix tensor's Q8_0 blocks as a GGUF file stores them (row after row, each row
/// columns / 32 blocks of a float16 scale d then 32 int8 quants; see <see cref="Q8_0Blocks"/>), checked
/// so that <see cref="Q8Kernels"/> compute with them exactly: every d finite, no quant -128. They become a
/// <see cref="Q8Matrix"/> by copying (<see cref="ToQ8Matrix"/>), with no dequantize-requantize round trip.
/// </summary>
internal sealed class GgufQ8_0Matrix
{
    private const int BlockBytes = 2 + Q8Kernels.BlockSize;
    private const ushort SignBit = 0x8000;

    private readonly byte[] bytes;

    private GgufQ8_0Matrix(int rows, int columns, byte[] bytes)
    {
        Rows = rows;
        Columns = columns;
        this.bytes = bytes;
    }

    /// <summary>Number of rows (ggml's ne[1]).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (ggml's ne[0]), a whole number of blocks.</summary>
    public int Columns { get; }

    /// <summary>
    /// Checks <paramref name="bytes"/>, the Q8_0 tensor <paramref name="tensor"/> of file
    /// <paramref name="path"/> as [<paramref name="rows"/>, <paramref name="columns"/>], block by block.
    /// </summary>
    /// <exception cref="ModelLoadException">A block's scale d is NaN or infinite, or a quant is -128 (llama.cpp writes -127 to 127; the kernels' sign trick needs that range); the message names the file, tensor, row, block and value.</exception>
    public static GgufQ8_0Matrix Check(string path, GgufTensorInfo tensor, int rows, int columns, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(bytes);
        if (columns % Q8Kernels.BlockSize != 0 || (long)rows * (columns / Q8Kernels.BlockSize) * BlockBytes != bytes.Length)
        {
            throw new ArgumentException($"{bytes.Length} bytes are not the Q8_0 blocks of a [{rows}, {columns}] matrix.", nameof(bytes));
        }

        int blocksPerRow = columns / Q8Kernels.BlockSize;
        for (int row = 0; row < rows; row++)
        {
            for (int block = 0; block < blocksPerRow; block++)
            {
                ReadOnlySpan<byte> blockBytes = bytes.AsSpan(((row * blocksPerRow) + block) * BlockBytes, BlockBytes);
                ushort scaleBits = BinaryPrimitives.ReadUInt16LittleEndian(blockBytes);
                Half scale = BitConverter.UInt16BitsToHalf(scaleBits);
                if (!Half.IsFinite(scale))
                {
                    throw new ModelLoadException(
                        path, $"tensor {tensor.Describe()} row {row} block {block} (columns {block * Q8Kernels.BlockSize} to {((block + 1) * Q8Kernels.BlockSize) - 1}) has scale d = {scale} (float16 bits 0x{scaleBits:X4}); a Q8_0 scale must be finite");
                }

                int quant = blockBytes[2..].IndexOf(unchecked((byte)sbyte.MinValue));
                if (quant >= 0)
                {
                    throw new ModelLoadException(
                        path, $"tensor {tensor.Describe()} row {row} block {block} has quant -128 at column {(block * Q8Kernels.BlockSize) + quant}; Q8_0 quants must be -127 to 127 (llama.cpp never writes -128)");
                }
            }
        }

        return new GgufQ8_0Matrix(rows, columns, bytes);
    }

    /// <summary>
    /// The blocks in <see cref="Q8Matrix"/>'s grouped layout, named <paramref name="name"/>: quants and
    /// float16 scale bits copied as they are, the rows padded with zeros to whole groups. A negative d
    /// (llama.cpp never writes one; the kernels read scales as magnitudes) is stored as -d with every
    /// quant negated, which represents the same values exactly.
    /// </summary>
    public Q8Matrix ToQ8Matrix(string name)
    {
        Q8Matrix matrix = Q8Matrix.AllocateZeroed(name, Rows, Columns);
        int blocksPerRow = Columns / Q8Kernels.BlockSize;
        for (int row = 0; row < Rows; row++)
        {
            ref sbyte targetQuants = ref matrix.RowQuants(row);
            ref ushort targetScales = ref matrix.RowScales(row);
            for (int block = 0; block < blocksPerRow; block++)
            {
                ReadOnlySpan<byte> blockBytes = bytes.AsSpan(((row * blocksPerRow) + block) * BlockBytes, BlockBytes);
                ushort scaleBits = BinaryPrimitives.ReadUInt16LittleEndian(blockBytes);
                ReadOnlySpan<sbyte> quants = MemoryMarshal.Cast<byte, sbyte>(blockBytes[2..]);
                Span<sbyte> target = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref targetQuants, block * Q8Kernels.GroupBlockQuants), Q8Kernels.BlockSize);
                if ((scaleBits & SignBit) == 0)
                {
                    quants.CopyTo(target);
                }
                else
                {
                    for (int i = 0; i < Q8Kernels.BlockSize; i++)
                    {
                        target[i] = (sbyte)-quants[i];
                    }
                }

                Unsafe.Add(ref targetScales, block * Q8Kernels.RowsPerGroup) = (ushort)(scaleBits & ~SignBit);
            }
        }

        return matrix;
    }
}
