using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutations of a safetensors file: truncations, the 8-byte header length set to boundary values,
/// bit flips in it, the JSON header's structure mutations (offsets, shapes, dtypes, keys) with the
/// length prefix kept true, and the data buffer one byte shorter or longer.
/// </summary>
internal static class SafetensorsCases
{
    public static IEnumerable<FuzzCase> Systematic(Seed seed, int pathLimit)
    {
        byte[] file = seed.Bytes;
        int headerEnd = 8 + SafetensorsLayout.HeaderLength(file);
        ulong headerLength = (ulong)SafetensorsLayout.HeaderLength(file);
        return ByteMutations.Truncations(seed.Name, file, headerEnd, 40)
            .Concat(BoundaryValues.UInt64Around(headerLength, (ulong)file.Length).Select(value => WithHeaderLength(seed, value)))
            .Concat(ByteMutations.EveryBitFlip(seed.Name, file, 0, 8))
            .Concat(DataLengthChanges(seed))
            .Concat(HeaderMutations(seed, pathLimit));
    }

    public static FuzzCase Random(Seed seed, Random random)
    {
        byte[] file = seed.Bytes;
        int headerEnd = 8 + SafetensorsLayout.HeaderLength(file);
        switch (random.Next(6))
        {
            case 0:
                ulong[] values = BoundaryValues.UInt64Around((ulong)(headerEnd - 8), (ulong)file.Length).ToArray();
                return WithHeaderLength(seed, values[random.Next(values.Length)]);
            case 1:
            case 2:
            case 3:
                (string mutation, byte[] header) = JsonMutations.Random(SafetensorsLayout.Header(file), random);
                return new FuzzCase(seed.Name, $"header JSON {mutation} (length prefix kept true)", SafetensorsLayout.Join(header, SafetensorsLayout.Data(file)));
            default:
                return ByteMutations.RandomCase(seed.Name, file, random, headerEnd);
        }
    }

    private static FuzzCase WithHeaderLength(Seed seed, ulong value)
    {
        byte[] copy = (byte[])seed.Bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, value);
        return new FuzzCase(seed.Name, $"header length prefix {SafetensorsLayout.HeaderLength(seed.Bytes)} -> {value}", copy);
    }

    private static IEnumerable<FuzzCase> DataLengthChanges(Seed seed)
    {
        byte[] file = seed.Bytes;
        yield return new FuzzCase(seed.Name, "one zero byte appended after the data", [.. file, 0]);
        yield return new FuzzCase(seed.Name, "8 zero bytes appended after the data", [.. file, .. new byte[8]]);
        yield return new FuzzCase(seed.Name, "last data byte removed", file[..^1]);
    }

    private static IEnumerable<FuzzCase> HeaderMutations(Seed seed, int pathLimit)
    {
        byte[] data = SafetensorsLayout.Data(seed.Bytes);
        return JsonMutations.Systematic(SafetensorsLayout.Header(seed.Bytes), pathLimit, expensivePaths: 2, FuzzSettings.QuickSeed)
            .Select(mutation => new FuzzCase(seed.Name, $"header JSON {mutation.Mutation} (length prefix kept true)", SafetensorsLayout.Join(mutation.Json, data)));
    }
}
