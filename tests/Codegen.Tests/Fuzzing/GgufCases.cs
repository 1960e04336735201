using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutations of a GGUF file: truncations at every byte of the fixed header and at both sides of every
/// field; every numeric field (version, counts, string and array lengths, value and element types,
/// n_dims, dimensions, ggml types, offsets, and values such as general.alignment) set to boundary
/// values; every bit of the fixed header flipped; random flips and bytes in the header and anywhere.
/// </summary>
internal static class GgufCases
{
    /// <summary>
    /// The systematic cases. <paramref name="fieldLimit"/> caps how many fields get boundary values and
    /// truncations at their edges (the first ones, through the metadata and into the tensor infos, and
    /// the last tensor info's), to keep a large seed within the quick set's time.
    /// </summary>
    public static IEnumerable<FuzzCase> Systematic(Seed seed, int fieldLimit)
    {
        byte[] file = seed.Bytes;
        (List<GgufLayout.Field> fields, int headerEnd) = GgufLayout.Read(file);
        List<GgufLayout.Field> chosen = fields.Count <= fieldLimit
            ? fields
            : [.. fields.Take(fieldLimit - 6), .. fields.TakeLast(6)];
        return Truncations(seed, chosen, headerEnd)
            .Concat(chosen.SelectMany(field => BoundaryCases(seed, field)))
            .Concat(ByteMutations.EveryBitFlip(seed.Name, file, 0, 24));
    }

    public static FuzzCase Random(Seed seed, Random random)
    {
        byte[] file = seed.Bytes;
        (List<GgufLayout.Field> fields, int headerEnd) = GgufLayout.Read(file);
        if (random.Next(3) == 0)
        {
            GgufLayout.Field field = fields[random.Next(fields.Count)];
            ulong[] values = Values(file, field).ToArray();
            return Write(seed, field, values[random.Next(values.Length)]);
        }

        return ByteMutations.RandomCase(seed.Name, file, random, headerEnd);
    }

    private static IEnumerable<FuzzCase> Truncations(Seed seed, List<GgufLayout.Field> fields, int headerEnd)
    {
        byte[] file = seed.Bytes;
        var lengths = new SortedSet<int>(Enumerable.Range(0, 25));
        foreach (GgufLayout.Field field in fields)
        {
            lengths.Add(field.Offset);
            lengths.Add(field.Offset + 1);
            lengths.Add(field.Offset + field.Size - 1);
        }

        lengths.Add(headerEnd);
        for (int i = 1; i <= 20; i++)
        {
            lengths.Add(headerEnd + (int)((long)(file.Length - headerEnd) * i / 21));
        }

        lengths.Add(file.Length - 1);
        return lengths.Where(length => length < file.Length).Select(length => ByteMutations.Truncate(seed.Name, file, length));
    }

    private static IEnumerable<FuzzCase> BoundaryCases(Seed seed, GgufLayout.Field field) =>
        Values(seed.Bytes, field).Select(value => Write(seed, field, value));

    private static IEnumerable<ulong> Values(byte[] file, GgufLayout.Field field)
    {
        if (field.Size == 8)
        {
            return BoundaryValues.UInt64Around(BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(field.Offset)), (ulong)file.Length);
        }

        uint actual = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(field.Offset));
        return new ulong[]
        {
            0, 1, 2, 3, 4, 5, 8, 9, 12, 13, 14, 16, 30, 31, 48, 64, 0x8000_0000, uint.MaxValue, int.MaxValue,
            (ulong)actual + 1, (ulong)unchecked(actual - 1), (ulong)actual * 2,
        }.Select(value => value & uint.MaxValue).Where(value => value != actual).Distinct();
    }

    private static FuzzCase Write(Seed seed, GgufLayout.Field field, ulong value)
    {
        byte[] copy = (byte[])seed.Bytes.Clone();
        ulong before;
        if (field.Size == 8)
        {
            before = BinaryPrimitives.ReadUInt64LittleEndian(copy.AsSpan(field.Offset));
            BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(field.Offset), value);
        }
        else
        {
            before = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(field.Offset));
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(field.Offset), (uint)value);
        }

        return new FuzzCase(seed.Name, $"uint{field.Size * 8} {field.Name} at byte {field.Offset}: {before} -> {value}", copy);
    }
}
