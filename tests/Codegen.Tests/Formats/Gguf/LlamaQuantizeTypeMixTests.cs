using System.Linq;
using Codegen.Formats.Gguf;
using Codegen.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// The types llama-quantize really stored in the random-dim256 files of Golden/llamacpp/ (each preset is a
/// mixture: attn_v and ffn_down often get more bits, output.weight gets Q6_K), so that the golden tests
/// that load them are known to exercise every type the dequantizer supports. The norms stay F32.
/// </summary>
public sealed class LlamaQuantizeTypeMixTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Q4_1", "F32 Q4_1 Q6_K")]
    [InlineData("Q5_1", "F32 Q5_1 Q6_K")]
    [InlineData("Q2_K", "F32 Q2_K Q3_K Q6_K")]
    [InlineData("Q3_K_M", "F32 Q3_K Q4_K Q5_K Q6_K")]
    [InlineData("Q4_K_S", "F32 Q4_K Q5_K Q6_K")]
    [InlineData("Q5_K_M", "F32 Q5_K Q6_K")]
    [InlineData("Q6_K", "F32 Q6_K")]
    public void FileHoldsTheTypesOfItsPreset(string preset, string types)
    {
        using GgufFile file = GgufFile.Open(LlamaCppGolden.GgufPath($"{LlamaCppGolden.RandomDim256}-{preset}"));

        foreach (var group in file.Tensors.GroupBy(tensor => tensor.Type).OrderBy(group => group.Key))
        {
            output.WriteLine($"{preset}: {group.Key}: {string.Join(", ", group.Select(tensor => tensor.Name))}");
        }

        string actual = string.Join(' ', file.Tensors.Select(tensor => tensor.Type).Distinct().Order());
        Assert.Equal(types, actual);
        Assert.All(file.Tensors, tensor => Assert.True(GgufDequantizer.Supports(tensor.Type), tensor.Describe()));
    }
}
