using System;
using System.IO;
using Codegen.Tests.Formats;

namespace Codegen.Tests.Fuzzing;

/// <summary>The valid files mutations start from: small real files from shared/models and the golden folder, and files built here.</summary>
internal static class FuzzSeeds
{
    public static Seed Stories260KCheckpoint => Shared("stories260K", "stories260K.bin");

    public static Seed Tok512 => Shared("stories260K", "tok512.bin");

    /// <summary>stories260K quantized to Q8_0 by llama.cpp (Q8_0, F16 and F32 tensors; llama.context_length 128).</summary>
    public static Seed Stories260KQ8_0Gguf => Shared("stories260K", "gguf", "stories260K-Q8_0.gguf");

    public static Seed Gpt2TinyWeights => Shared("gpt2-tiny", "model.safetensors");

    public static Seed Gpt2TinyConfig => Shared("gpt2-tiny", "config.json");

    public static Seed Gpt2TinyVocabulary => Shared("gpt2-tiny", "vocab.json");

    public static Seed Gpt2TinyMerges => Shared("gpt2-tiny", "merges.txt");

    /// <summary>A random Llama of odd sizes with grouped-query heads (tests/Codegen.Tests/Golden).</summary>
    public static Seed LlamaOddGqaCheckpoint => Golden("llama-odd-gqa.bin");

    /// <summary>A random Llama with a separate classifier: negative vocab_size, the classifier after the other tensors (tests/Codegen.Tests/Golden).</summary>
    public static Seed LlamaOddSeparateCheckpoint => Golden("llama-odd-separate.bin");

    /// <summary>A random GPT-2 of odd sizes stored as BF16 (tests/Codegen.Tests/Golden/gpt2-odd).</summary>
    public static Seed Gpt2OddBf16Weights => Golden("gpt2-odd", "model-bf16.safetensors");

    public static Seed Gpt2OddConfig => Golden("gpt2-odd", "config.json");

    /// <summary>
    /// A small safetensors file built here with one tensor of each kind the reader treats differently:
    /// F32, F16 and BF16 matrices, an integer tensor, an empty one, a scalar, and metadata.
    /// </summary>
    public static Seed BuiltSafetensors { get; } = new(
        "built: F32 a[2,3], F16 b[4], BF16 c[2,2], I64 d[2], F32 empty[0,3], F32 scalar[], metadata",
        new SafetensorsBuilder()
            .Metadata("format", "pt")
            .AddF32Sequence("a", 2, 3)
            .Add("b", "F16", [4], [0x00, 0x3C, 0x00, 0x40, 0x00, 0x42, 0x00, 0x44])
            .Add("c", "BF16", [2, 2], [0x80, 0x3F, 0x00, 0x40, 0x40, 0x40, 0x80, 0x40])
            .Add("d", "I64", [2], new byte[16])
            .AddF32("empty", [0, 3])
            .AddF32("scalar", [], 7f)
            .Build());

    private static Seed Shared(params string[] parts) =>
        new("shared/models/" + string.Join('/', parts), File.ReadAllBytes(TestModels.Path(parts)));

    private static Seed Golden(params string[] parts) =>
        new("tests/Codegen.Tests/Golden/" + string.Join('/', parts), File.ReadAllBytes(Path.Combine([AppContext.BaseDirectory, "Golden", .. parts])));
}

/// <summary>A valid file: its name in reproductions, and its bytes.</summary>
internal sealed record Seed(string Name, byte[] Bytes);
