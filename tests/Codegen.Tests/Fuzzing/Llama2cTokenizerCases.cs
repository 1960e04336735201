using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutations of a llama2.c tokenizer file: int32 max_token_length, then per token a float32 score,
/// an int32 length and the piece's bytes.
/// </summary>
internal static class Llama2cTokenizerCases
{
    /// <summary>Tokens whose fields are set to boundary values: the special ones, the byte tokens' edges, and the last.</summary>
    private static readonly int[] SampledTokens = [0, 1, 2, 3, 258, 259, 300, 511];

    public static IEnumerable<FuzzCase> Systematic(Seed seed)
    {
        byte[] bytes = seed.Bytes;
        IEnumerable<FuzzCase> cases = ByteMutations.Truncations(seed.Name, bytes, 64, 60)
            .Concat(ByteMutations.Int32Field(seed.Name, bytes, 0, "max_token_length"))
            .Concat(ByteMutations.EveryBitFlip(seed.Name, bytes, 0, 32));
        int[] offsets = TokenOffsets(bytes);
        foreach (int token in SampledTokens.Where(token => token < offsets.Length))
        {
            cases = cases
                .Concat(ByteMutations.Float32Field(seed.Name, bytes, offsets[token], $"token {token} score"))
                .Concat(ByteMutations.Int32Field(seed.Name, bytes, offsets[token] + 4, $"token {token} length"));
        }

        return cases;
    }

    public static FuzzCase Random(Seed seed, Random random)
    {
        int[] offsets = TokenOffsets(seed.Bytes);
        if (random.Next(4) == 0)
        {
            int token = random.Next(offsets.Length);
            int[] values = BoundaryValues.Int32Around(BinaryPrimitives.ReadInt32LittleEndian(seed.Bytes.AsSpan(offsets[token] + 4))).ToArray();
            return ByteMutations.WriteInt32(seed.Name, seed.Bytes, offsets[token] + 4, $"token {token} length", values[random.Next(values.Length)]);
        }

        return ByteMutations.RandomCase(seed.Name, seed.Bytes, random, 64);
    }

    /// <summary>The byte offset of each token's score (its length follows at +4).</summary>
    private static int[] TokenOffsets(byte[] bytes)
    {
        var offsets = new List<int>();
        for (int offset = 4; offset + 8 <= bytes.Length;)
        {
            offsets.Add(offset);
            offset += 8 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
        }

        return offsets.ToArray();
    }
}
