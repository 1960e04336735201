using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Codegen.Formats;
using Codegen.Formats.Gguf;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Loading;

/// <summary>
/// The loads that now read straight into the weights' storage, or through a bounded scratch buffer, give the weights
/// bit for bit as the whole-copy reads did: compared with the file's own bytes (llama2.c), with the whole tensor read
/// and split or transposed here (GPT-2's fused c_attn, its biases, the position table), and with
/// <see cref="GgufFile.ReadBytes"/> then <see cref="GgufFile.ToFloat32"/> (GGUF, every tensor).
/// </summary>
public sealed class OneCopyReadTests
{
    [Fact]
    public void Llama2cWeightsAreTheFilesFloatsInFileOrder()
    {
        string path = TestModels.Path("stories260K", "stories260K.bin");
        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<int> stored = MemoryMarshal.Cast<byte, int>(file.AsSpan(Llama2cHeader.SizeInBytes));

        var weights = Stories260KModel.Load(path).Weights;
        var layers = weights.Layers;
        WeightTensor[] inFileOrder =
        [
            weights.TokenEmbedding,
            .. layers.Select(l => l.AttentionNorm), .. layers.Select(l => l.Query), .. layers.Select(l => l.Key),
            .. layers.Select(l => l.Value), .. layers.Select(l => l.Output), .. layers.Select(l => l.FfnNorm),
            .. layers.Select(l => l.Gate), .. layers.Select(l => l.Down), .. layers.Select(l => l.Up),
            weights.FinalNorm,
        ];
        int offset = 0;
        foreach (WeightTensor tensor in inFileOrder)
        {
            AssertBits(stored.Slice(offset, tensor.Length), tensor.Values, tensor.Name);
            offset += tensor.Length;
        }
    }

    [Fact]
    public void Gpt2SplitAndLeadingRowReadsEqualTheWholeTensorSplitHere()
    {
        string folder = TestModels.Path("gpt2-tiny");
        var weights = Gpt2Tiny.Load(folder).Weights;
        using SafetensorsFile file = SafetensorsFile.OpenFileOrFolder(folder);
        int d = Gpt2Tiny.DModel;
        for (int i = 0; i < Gpt2Tiny.Layers; i++)
        {
            float[] fused = new float[d * 3 * d];
            file.ReadFloat32($"h.{i}.attn.c_attn.weight", fused); // [d, 3d]: inputs by query, key, value outputs
            float[] fusedBias = new float[3 * d];
            file.ReadFloat32($"h.{i}.attn.c_attn.bias", fusedBias);
            var layer = weights.Layers[i];
            WeightTensor[] parts = [layer.Query, layer.Key, layer.Value];
            WeightTensor[] biases = [layer.QueryBias, layer.KeyBias, layer.ValueBias];
            for (int part = 0; part < 3; part++)
            {
                float[] transposed = new float[d * d]; // [outputs, inputs]
                for (int input = 0; input < d; input++)
                {
                    for (int output = 0; output < d; output++)
                    {
                        transposed[(output * d) + input] = fused[(input * 3 * d) + (part * d) + output];
                    }
                }

                AssertBits(MemoryMarshal.Cast<float, int>(transposed), parts[part].Values, parts[part].Name);
                AssertBits(MemoryMarshal.Cast<float, int>(fusedBias.AsSpan(part * d, d)), biases[part].Values, biases[part].Name);
            }
        }

        float[] positions = new float[file.Tensors[file.ResolveName("wpe.weight")!].ElementCount];
        file.ReadFloat32("wpe.weight", positions);
        AssertBits(MemoryMarshal.Cast<float, int>(positions.AsSpan(0, Gpt2Tiny.Context * d)), weights.PositionEmbedding.Values, "positionEmbedding");
    }

    [Theory]
    [InlineData("stories260K.gguf")]
    [InlineData("gguf/stories260K-Q8_0.gguf")]
    [InlineData("gguf/stories260K-Q4_0.gguf")]
    [InlineData("gguf/stories260K-Q4_K_M.gguf")]
    public void GgufChunkedReadsEqualTheWholeTensorConverted(string name)
    {
        using GgufFile file = GgufFile.Open(TestModels.Path(["stories260K", .. name.Split('/')]));
        foreach (GgufTensorInfo tensor in file.Tensors.Where(t => GgufDequantizer.Supports(t.Type)))
        {
            float[] whole = file.ToFloat32(tensor, file.ReadBytes(tensor));
            AssertBits(MemoryMarshal.Cast<float, int>(whole), file.ReadAsFloat32(tensor), $"{tensor.Name} ({tensor.Type})");
        }
    }

    private static void AssertBits(ReadOnlySpan<int> expected, ReadOnlySpan<float> actual, string name)
    {
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(actual);
        Assert.True(expected.Length == bits.Length, $"{name}: {bits.Length} values, expected {expected.Length}");
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i] != expected[i])
            {
                Assert.Fail($"{name}[{i}] is {actual[i]} (bits {bits[i]:x8}), expected bits {expected[i]:x8}");
            }
        }
    }
}
