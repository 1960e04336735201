using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Formats;

namespace Codegen.Tests.Fuzzing;

/// <summary>Mutations of a llama2.c checkpoint: its 28-byte header of seven int32 fields, then float32 weights.</summary>
internal static class Llama2cCheckpointCases
{
    private static readonly string[] HeaderFields = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];

    public static IEnumerable<FuzzCase> Systematic(Seed seed)
    {
        byte[] bytes = seed.Bytes;
        IEnumerable<FuzzCase> cases = ByteMutations.Truncations(seed.Name, bytes, 64, 40);
        for (int field = 0; field < HeaderFields.Length; field++)
        {
            cases = cases.Concat(ByteMutations.Int32Field(seed.Name, bytes, field * 4, HeaderFields[field]));
        }

        cases = cases.Concat(ByteMutations.EveryBitFlip(seed.Name, bytes, 0, Llama2cHeader.SizeInBytes));
        return cases.Concat(WeightValues(seed));
    }

    public static FuzzCase Random(Seed seed, Random random)
    {
        if (random.Next(4) == 0)
        {
            int field = random.Next(HeaderFields.Length);
            int[] values = BoundaryValues.Int32Around(BitConverter.ToInt32(seed.Bytes, field * 4)).ToArray();
            return ByteMutations.WriteInt32(seed.Name, seed.Bytes, field * 4, HeaderFields[field], values[random.Next(values.Length)]);
        }

        return ByteMutations.RandomCase(seed.Name, seed.Bytes, random, Llama2cHeader.SizeInBytes);
    }

    /// <summary>NaN, infinity and the largest float written over weights spread through the file (the first float of the data, and 7 more).</summary>
    private static IEnumerable<FuzzCase> WeightValues(Seed seed)
    {
        int floats = (seed.Bytes.Length - Llama2cHeader.SizeInBytes) / 4;
        for (int i = 0; i < 8; i++)
        {
            int offset = Llama2cHeader.SizeInBytes + (4 * (int)((long)floats * i / 8));
            foreach (float value in new[] { float.NaN, float.PositiveInfinity, float.MaxValue })
            {
                yield return ByteMutations.WriteFloat32(seed.Name, seed.Bytes, offset, $"weight {(offset - Llama2cHeader.SizeInBytes) / 4}", value);
            }
        }
    }
}
