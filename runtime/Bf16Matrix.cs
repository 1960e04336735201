using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Codegen;

/// <summary>
/// A weight matrix stored as bfloat16 (the upper 16 bits of a float32), row-major
/// [<see cref="Rows"/>, <see cref="Columns"/>]: half the bytes of float32, so a bandwidth-bound
/// matrix-vector product reads half as much. Immutable after construction; the storage is pinned
/// so kernels on any thread can read it through <see cref="Data"/> without copying.
/// </summary>
public sealed class Bf16Matrix
{
    private readonly ushort[] values;

    private Bf16Matrix(string name, int rows, int columns, ushort[] values)
    {
        Name = name;
        Rows = rows;
        Columns = columns;
        this.values = values;
    }

    /// <summary>The matrix's name in the model's own terms (for example <c>layers[3].query</c>).</summary>
    public string Name { get; }

    /// <summary>Number of rows (output features).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (input features); the stride between rows, in values.</summary>
    public int Columns { get; }

    /// <summary>The bfloat16 bit patterns, row-major.</summary>
    public ReadOnlySpan<ushort> Values => values;

    /// <summary>Size of the stored values in bytes.</summary>
    public long ByteCount => (long)values.Length * sizeof(ushort);

    /// <summary>
    /// A reference to the first value, for generated kernels that index without bounds checks.
    /// The storage is pinned and never written after construction.
    /// </summary>
    public ref ushort Data => ref MemoryMarshal.GetArrayDataReference(values);

    /// <summary>A reference to the first value of <paramref name="row"/> (not bounds-checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ushort Row(int row) => ref Unsafe.Add(ref Data, (nint)row * Columns);

    /// <summary>
    /// Rounds a two-dimensional float32 tensor to bfloat16, to nearest with ties to even.
    /// NaN stays NaN (quieted, sign kept); values beyond the largest bfloat16 become infinities.
    /// </summary>
    public static Bf16Matrix FromFloat32(WeightTensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Shape.Length != 2)
        {
            throw new ArgumentException($"Tensor '{source.Name}' has rank {source.Shape.Length}; a matrix needs rank 2.", nameof(source));
        }

        return FromFloat32(source.Name, source.Shape[0], source.Shape[1], source.Values);
    }

    /// <summary>Rounds <paramref name="rows"/> x <paramref name="columns"/> row-major float32 values to bfloat16; see <see cref="FromFloat32(WeightTensor)"/>.</summary>
    public static Bf16Matrix FromFloat32(string name, int rows, int columns, ReadOnlySpan<float> source)
    {
        ushort[] storage = Allocate(name, rows, columns, source.Length);
        for (int i = 0; i < storage.Length; i++)
        {
            storage[i] = Round(source[i]);
        }

        return new Bf16Matrix(name, rows, columns, storage);
    }

    /// <summary>Copies bfloat16 bit patterns (as read from a BF16 checkpoint) into a new pinned matrix.</summary>
    public static Bf16Matrix FromBits(string name, int rows, int columns, ReadOnlySpan<ushort> bits)
    {
        ushort[] storage = Allocate(name, rows, columns, bits.Length);
        bits.CopyTo(storage);
        return new Bf16Matrix(name, rows, columns, storage);
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>) widened to float32 (exact).</summary>
    public float ToFloat32(int row, int column)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row));
        }

        if ((uint)column >= (uint)Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(column));
        }

        return ToFloat32(values[((long)row * Columns) + column]);
    }

    /// <summary>
    /// The bfloat16 nearest to <paramref name="value"/>, ties to even. NaN stays NaN (the quiet bit is
    /// set so a payload held only in the dropped bits cannot turn into infinity).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        // Adding 0x7FFF rounds halves down and the rest to nearest; the kept bit breaks ties to even.
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(bits >> 16);
    }

    /// <summary>A bfloat16 bit pattern widened to float32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat32(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static ushort[] Allocate(string name, int rows, int columns, int length)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        long count = (long)rows * columns;
        if (count != length)
        {
            throw new ArgumentException($"Matrix '{name}' is [{rows}, {columns}] ({count} values) but {length} values were given.");
        }

        return GC.AllocateArray<ushort>((int)count, pinned: true);
    }
}
