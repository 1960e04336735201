using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>Mutations of a file as bytes: truncations, bit flips, random bytes, numeric fields overwritten.</summary>
internal static class ByteMutations
{
    /// <summary>
    /// The file cut to every length from 0 through <paramref name="headerLength"/>, then to
    /// <paramref name="spread"/> lengths spread over the rest, and to one byte short.
    /// </summary>
    public static IEnumerable<FuzzCase> Truncations(string seedName, byte[] seed, int headerLength, int spread)
    {
        var lengths = new SortedSet<int>();
        for (int length = 0; length <= Math.Min(headerLength, seed.Length - 1); length++)
        {
            lengths.Add(length);
        }

        for (int i = 1; i <= spread; i++)
        {
            lengths.Add(headerLength + (int)((long)(seed.Length - headerLength) * i / (spread + 1)));
        }

        lengths.Add(seed.Length - 1);
        return lengths.Where(length => length >= 0 && length < seed.Length).Select(length => Truncate(seedName, seed, length));
    }

    public static FuzzCase Truncate(string seedName, byte[] seed, int length) =>
        new(seedName, $"truncate to {length} of {seed.Length} bytes", seed[..length]);

    /// <summary>The int32 at <paramref name="offset"/> set to each boundary value.</summary>
    public static IEnumerable<FuzzCase> Int32Field(string seedName, byte[] seed, int offset, string field) =>
        BoundaryValues.Int32Around(BinaryPrimitives.ReadInt32LittleEndian(seed.AsSpan(offset)))
            .Select(value => WriteInt32(seedName, seed, offset, field, value));

    public static FuzzCase WriteInt32(string seedName, byte[] seed, int offset, string field, int value)
    {
        byte[] copy = (byte[])seed.Clone();
        int before = BinaryPrimitives.ReadInt32LittleEndian(copy.AsSpan(offset));
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return new(seedName, $"int32 {field} at byte {offset}: {before} -> {value}", copy);
    }

    /// <summary>The float32 at <paramref name="offset"/> set to each boundary value (NaN, infinities, extremes).</summary>
    public static IEnumerable<FuzzCase> Float32Field(string seedName, byte[] seed, int offset, string field) =>
        BoundaryValues.Float32().Select(value => WriteFloat32(seedName, seed, offset, field, value));

    public static FuzzCase WriteFloat32(string seedName, byte[] seed, int offset, string field, float value)
    {
        byte[] copy = (byte[])seed.Clone();
        float before = BinaryPrimitives.ReadSingleLittleEndian(copy.AsSpan(offset));
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(offset), value);
        return new(seedName, $"float32 {field} at byte {offset}: {before:R} -> {value:R}", copy);
    }

    /// <summary>One bit of every byte in [start, end) flipped, a case per byte and bit (8 cases a byte).</summary>
    public static IEnumerable<FuzzCase> EveryBitFlip(string seedName, byte[] seed, int start, int end)
    {
        for (int offset = start; offset < Math.Min(end, seed.Length); offset++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                yield return FlipBits(seedName, seed, [(offset, bit)]);
            }
        }
    }

    public static FuzzCase FlipBits(string seedName, byte[] seed, IReadOnlyList<(int Offset, int Bit)> flips)
    {
        byte[] copy = (byte[])seed.Clone();
        foreach ((int offset, int bit) in flips)
        {
            copy[offset] ^= (byte)(1 << bit);
        }

        return new(seedName, "flip " + string.Join(", ", flips.Select(flip => $"bit {flip.Bit} of byte {flip.Offset}")), copy);
    }

    /// <summary>1 to 4 random bits flipped in [start, end).</summary>
    public static FuzzCase RandomFlips(string seedName, byte[] seed, Random random, int start, int end)
    {
        end = Math.Min(end, seed.Length);
        var flips = Enumerable.Range(0, random.Next(1, 5)).Select(_ => (random.Next(start, end), random.Next(8))).ToList();
        return FlipBits(seedName, seed, flips);
    }

    /// <summary>1 to 8 consecutive bytes at a random offset in [start, end) overwritten with random values.</summary>
    public static FuzzCase RandomBytes(string seedName, byte[] seed, Random random, int start, int end)
    {
        end = Math.Min(end, seed.Length);
        int offset = random.Next(start, end);
        var bytes = new byte[Math.Min(random.Next(1, 9), seed.Length - offset)];
        random.NextBytes(bytes);
        byte[] copy = (byte[])seed.Clone();
        bytes.CopyTo(copy, offset);
        return new(seedName, $"write bytes {Convert.ToHexString(bytes)} at byte {offset}", copy);
    }

    /// <summary>
    /// A random byte-level case: a truncation, bit flips or random bytes, inside the first
    /// <paramref name="headerLength"/> bytes half of the time and anywhere otherwise.
    /// </summary>
    public static FuzzCase RandomCase(string seedName, byte[] seed, Random random, int headerLength)
    {
        int end = random.Next(2) == 0 ? Math.Min(headerLength, seed.Length) : seed.Length;
        return random.Next(3) switch
        {
            0 => Truncate(seedName, seed, random.Next(0, seed.Length)),
            1 => RandomFlips(seedName, seed, random, 0, end),
            _ => RandomBytes(seedName, seed, random, 0, end),
        };
    }
}
