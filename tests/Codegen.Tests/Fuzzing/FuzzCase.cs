namespace Codegen.Tests.Fuzzing;

/// <summary>
/// One mutated input: the bytes to write, and what it takes to make them again (the seed file and
/// the exact mutation), for the failure message.
/// </summary>
/// <param name="Seed">The valid file the mutation started from, such as <c>shared/models/stories260K/tok512.bin</c>.</param>
/// <param name="Mutation">What was done to the seed, precise enough to repeat by hand.</param>
/// <param name="Content">The mutated file.</param>
internal sealed record FuzzCase(string Seed, string Mutation, byte[] Content);
