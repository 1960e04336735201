using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Codegen.Formats;

/// <summary>
/// The load-time check that every weight is finite: a NaN or infinity in a weight file makes every
/// logit NaN, so the loaders refuse the file instead, naming the tensor, the first bad element and
/// its value. The scan looks at the exponent bits of float32 values (all ones: NaN or infinity) a
/// SIMD vector at a time; docs/reliability.md gives what it costs at load time.
/// </summary>
public static class FiniteWeights
{
    private const uint ExponentMask = 0x7F80_0000;

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        int width = Vector<uint>.Count;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var exponent = new Vector<uint>(ExponentMask);
            ReadOnlySpan<Vector<uint>> vectors = MemoryMarshal.Cast<uint, Vector<uint>>(bits);

            // Four vectors a step, so the loop is bound by memory, not by the compare-and-branch.
            int v = 0;
            for (; v + 4 <= vectors.Length; v += 4)
            {
                Vector<uint> any = Vector.Equals(vectors[v] & exponent, exponent)
                    | Vector.Equals(vectors[v + 1] & exponent, exponent)
                    | Vector.Equals(vectors[v + 2] & exponent, exponent)
                    | Vector.Equals(vectors[v + 3] & exponent, exponent);
                if (any != Vector<uint>.Zero)
                {
                    break;
                }
            }

            for (; v < vectors.Length; v++)
            {
                if (Vector.EqualsAny(vectors[v] & exponent, exponent))
                {
                    break;
                }
            }

            // The scalar loop below finds the element inside the vectors that matched, or checks the tail.
            i = v * width;
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentMask) == ExponentMask)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Throws a <see cref="ModelLoadException"/> for <paramref name="path"/> when <paramref name="values"/>
    /// holds a NaN or infinity. <paramref name="values"/> are elements <paramref name="firstElement"/>
    /// onward of tensor <paramref name="tensor"/> of shape <paramref name="shape"/>, in the file's
    /// row-major order; the message gives the element's coordinates in that shape.
    /// </summary>
    public static void Require(string path, string tensor, ReadOnlySpan<int> shape, ReadOnlySpan<float> values, long firstElement = 0)
    {
        int index = IndexOfNonFinite(values);
        if (index < 0)
        {
            return;
        }

        long element = firstElement + index;
        throw new ModelLoadException(
            path,
            $"tensor '{tensor}' element {Coordinates(element, shape)} (index {element}) is {Describe(values[index])}; " +
            "every weight must be finite (a NaN or infinity makes every logit NaN)");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the matrix, row and column of the first NaN or infinity.</summary>
    public static void RequireForMatrix(string name, int columns, ReadOnlySpan<float> values)
    {
        int index = IndexOfNonFinite(values);
        if (index >= 0)
        {
            throw new ArgumentException(
                $"Matrix '{name}' row {index / columns} column {index % columns} is {Describe(values[index])}; every weight must be finite.");
        }
    }

    /// <summary>NaN (with its bits, which carry the payload and sign), +infinity or -infinity.</summary>
    internal static string Describe(float value) => value switch
    {
        float.PositiveInfinity => "+infinity",
        float.NegativeInfinity => "-infinity",
        _ when float.IsNaN(value) => $"NaN (bits 0x{BitConverter.SingleToUInt32Bits(value):X8})",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string Coordinates(long element, ReadOnlySpan<int> shape)
    {
        if (shape.IsEmpty)
        {
            return "[]";
        }

        var coordinates = new long[shape.Length];
        long rest = element;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int dimension = Math.Max(shape[d], 1);
            coordinates[d] = rest % dimension;
            rest /= dimension;
        }

        var text = new StringBuilder("[");
        text.AppendJoin(", ", coordinates);
        return text.Append(']').ToString();
    }
}
