using System;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>
/// <c>--random-checkpoints</c>: writes (if missing) the seeded random llama2.c checkpoints of the 15M and 110M shapes,
/// the very files the cpu benchmarks load, and prints "name path" a line, so that tools/llamacpp-bench/prepare-models.sh
/// converts the same weights to GGUF for llama.cpp.
/// </summary>
internal static class RandomCheckpointsCommand
{
    public const string Option = "--random-checkpoints";

    public static void Run()
    {
        foreach (LlamaShape shape in new[] { LlamaShape.Stories15M, LlamaShape.Stories110M })
        {
            Console.WriteLine($"{shape.Name} {RandomWeights.Llama2cCheckpoint(shape)}");
        }
    }
}
