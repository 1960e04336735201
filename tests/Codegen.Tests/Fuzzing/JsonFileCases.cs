using System;
using System.Collections.Generic;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>Mutations of a JSON file (config.json, vocab.json): truncations, byte flips and the structure mutations of <see cref="JsonMutations"/>.</summary>
internal static class JsonFileCases
{
    public static IEnumerable<FuzzCase> Systematic(Seed seed, int pathLimit) =>
        ByteMutations.Truncations(seed.Name, seed.Bytes, 128, 64)
            .Concat(JsonMutations.Systematic(seed.Bytes, pathLimit, expensivePaths: 2, FuzzSettings.QuickSeed)
                .Select(mutation => new FuzzCase(seed.Name, mutation.Mutation, mutation.Json)));

    public static FuzzCase Random(Seed seed, Random random)
    {
        if (random.Next(4) == 0)
        {
            return ByteMutations.RandomCase(seed.Name, seed.Bytes, random, seed.Bytes.Length);
        }

        (string mutation, byte[] json) = JsonMutations.Random(seed.Bytes, random);
        return new FuzzCase(seed.Name, mutation, json);
    }
}
