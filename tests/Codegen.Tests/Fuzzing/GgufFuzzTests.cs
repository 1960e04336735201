using System;
using System.Buffers.Binary;
using Codegen.Formats.Gguf;
using Codegen.Tests.EndToEnd;
using Codegen.Tests.Formats.Gguf;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Mutated GGUF files through the reader (<see cref="GgufFile"/>: open, then every tensor of a
/// supported type to float32) and through the generated llama2.c-family <c>Load</c>, which must tell
/// GGUF from a checkpoint by content and check it against the declared shape; a model that loads runs
/// one forward step, whose logits must be finite.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class GgufFuzzTests(ITestOutputHelper output)
{
    /// <summary>
    /// A small GGUF file built here: every metadata value type, a nested array, general.alignment 64,
    /// one tensor of each type the dequantizer supports, and one IQ4_XS tensor (a layout the reader knows
    /// but does not dequantize, which must be refused by name).
    /// </summary>
    private static readonly Seed BuiltGguf = new(
        "built: every metadata type, nested array, alignment 64, F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1/Q2_K/Q3_K/Q4_K/Q5_K/Q6_K and IQ4_XS tensors",
        BuildSeed());

    [Fact]
    public void BuiltFileOpensAndDequantizesOrFailsWithATypedError()
    {
        var target = new FuzzTarget("GGUF (GgufFile)", "built.gguf", FuzzTarget.NoCompanions, OpenAndReadEverything);

        FuzzDriver.Run(target, GgufCases.Systematic(BuiltGguf, fieldLimit: 1000), random => GgufCases.Random(BuiltGguf, random), output);
    }

    [Fact]
    public void Stories260KQ8_0LoadsOrFailsWithATypedError()
    {
        Seed seed = FuzzSeeds.Stories260KQ8_0Gguf;
        var target = new FuzzTarget(
            "GGUF (Stories260KContext128.Load, Q8_0)",
            "stories260K-Q8_0.gguf",
            FuzzTarget.NoCompanions,
            path => ForwardStep.NonFiniteLogits(Stories260KContext128.Load(path).CreateSession(), token: 1));

        FuzzDriver.Run(target, GgufCases.Systematic(seed, fieldLimit: 70), random => GgufCases.Random(seed, random), output);
    }

    private static string? OpenAndReadEverything(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        foreach (GgufTensorInfo tensor in file.Tensors)
        {
            if (GgufDequantizer.Supports(tensor.Type))
            {
                file.ReadAsFloat32(tensor);
            }
            else
            {
                // A type the reader can size but not convert is a typed refusal naming the tensor, never a crash.
                ModelLoadException refusal = Assert.Throws<ModelLoadException>(() => file.ReadAsFloat32(tensor));
                Assert.Contains($"'{tensor.Name}'", refusal.Message);
                Assert.Contains($"type {tensor.Type} cannot be converted", refusal.Message);
            }
        }

        return null;
    }

    private static byte[] BuildSeed()
    {
        var random = new Random(7);
        byte[] Bytes(int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        // Quantized blocks with small, finite float16 scales (random bytes elsewhere).
        byte[] Blocks(int count, int size, params int[] halfOffsets)
        {
            byte[] bytes = Bytes(count * size);
            for (int block = 0; block < count; block++)
            {
                foreach (int offset in halfOffsets)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan((block * size) + offset), (Half)0.01f);
                }
            }

            return bytes;
        }

        var builder = new GgufBuilder { Alignment = 64 }
            .AddString("general.architecture", "llama")
            .AddUInt32(GgufFile.AlignmentKey, 64)
            .Add("u8", GgufValueType.UInt8, w => w.Write((byte)7))
            .Add("i16", GgufValueType.Int16, w => w.Write((short)-7))
            .Add("i64", GgufValueType.Int64, w => w.Write(-7L))
            .Add("f64", GgufValueType.Float64, w => w.Write(0.5))
            .AddFloat32("f32", 1e-5f)
            .Add("flag", GgufValueType.Bool, w => w.Write((byte)1))
            .Add("tokens", GgufValueType.Array, w => { w.Write((uint)GgufValueType.String); w.Write(2UL); GgufBuilder.WriteString(w, "<s>"); GgufBuilder.WriteString(w, "▁a"); })
            .Add("nested", GgufValueType.Array, w =>
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(2UL);
                w.Write((uint)GgufValueType.UInt64); w.Write(1UL); w.Write(5UL);
                w.Write((uint)GgufValueType.Float32); w.Write(2UL); w.Write(1f); w.Write(2f);
            })
            .AddF32("f32.weight", [2, 2], 1, 2, 3, 4)
            .AddTensor("f16.weight", [4], GgmlType.F16, [0x00, 0x3C, 0x00, 0x40, 0x00, 0x42, 0x00, 0xC4])
            .AddTensor("bf16.weight", [2], GgmlType.BF16, [0x80, 0x3F, 0x00, 0x40])
            .AddTensor("q8_0.weight", [32, 2], GgmlType.Q8_0, Blocks(2, 34, 0))
            .AddTensor("q4_0.weight", [32], GgmlType.Q4_0, Blocks(1, 18, 0))
            .AddTensor("q4_1.weight", [32], GgmlType.Q4_1, Blocks(1, 20, 0, 2))
            .AddTensor("q5_0.weight", [32], GgmlType.Q5_0, Blocks(1, 22, 0))
            .AddTensor("q5_1.weight", [32], GgmlType.Q5_1, Blocks(1, 24, 0, 2))
            .AddTensor("q2_k.weight", [256], GgmlType.Q2_K, Blocks(1, 84, 80, 82))
            .AddTensor("q3_k.weight", [256], GgmlType.Q3_K, Blocks(1, 110, 108))
            .AddTensor("q4_k.weight", [256], GgmlType.Q4_K, Blocks(1, 144, 0, 2))
            .AddTensor("q5_k.weight", [256], GgmlType.Q5_K, Blocks(1, 176, 0, 2))
            .AddTensor("q6_k.weight", [256], GgmlType.Q6_K, Blocks(1, 210, 208))
            .AddTensor("iq4_xs.weight", [256], GgmlType.IQ4_XS, Blocks(1, 136, 0));
        return builder.Build();
    }
}
