using Codegen.Formats;
using System;
using System.Collections.Generic;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary><see cref="SafetensorsFile.Validate"/> on synthetic files and on the real gpt2-tiny checkpoint.</summary>
public sealed class SafetensorsValidateTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void ListsEveryProblemAtOnce()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder()
            .AddF32Sequence("wte.weight", 10, 4)
            .AddF32Sequence("h.0.ln_1.weight", 4)
            .Add("h.0.attn.bias", "U8", [4], new byte[4])
            .Add("ids", "I32", [4], new byte[16]));

        var exception = Assert.Throws<ModelLoadException>(() => file.Validate(
        [
            new ExpectedTensor("wte.weight", [10, 6]),
            new ExpectedTensor("h.0.ln_1.weight", [4]),
            new ExpectedTensor("h.0.ln_2.weight", [4]),
            new ExpectedTensor("ids", [4]),
            new ExpectedTensor("ln_f.weight", [4]),
        ]));

        Assert.Contains(
            "4 problems: tensor 'wte.weight' has shape [10, 4], expected [10, 6]; missing tensor 'h.0.ln_2.weight'; "
            + "tensor 'ids' has dtype I32; expected F32, F16 or BF16; missing tensor 'ln_f.weight'",
            exception.Message);
    }

    [Fact]
    public void SingleProblemIsCountedInTheSingular()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("a", 2));
        var exception = Assert.Throws<ModelLoadException>(() => file.Validate([new ExpectedTensor("b", [2])]));
        Assert.Contains("1 problem: missing tensor 'b'", exception.Message);
    }

    [Fact]
    public void IgnoresUnexpectedTensorsAndAcceptsThePrefix()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder()
            .AddF32Sequence("transformer.wte.weight", 10, 4)
            .Add("transformer.h.0.attn.bias", "BOOL", [1, 1, 2, 2], new byte[4])
            .Add("transformer.h.0.ln_1.weight", "BF16", [4], new byte[8]));

        file.Validate([new ExpectedTensor("wte.weight", [10, 4]), new ExpectedTensor("h.0.ln_1.weight", [4])]);
    }

    [Fact]
    public void RealGpt2TinyHasTheExpectedTensors()
    {
        using SafetensorsFile file = SafetensorsFile.Open(Gpt2TinyPath("model.safetensors"));

        Assert.Equal("transformer.wte.weight", file.ResolveName("wte.weight"));
        Assert.Equal([1000, 32], file.Tensors["transformer.wte.weight"].Shape);
        Assert.Equal([32, 96], file.Tensors["transformer.h.0.attn.c_attn.weight"].Shape);
        Assert.All(file.Tensors.Values, tensor => Assert.Equal(SafetensorsDType.F32, tensor.DType));
        Assert.Equal("pt", file.Metadata["format"]);

        file.Validate(Gpt2Tensors(dModel: 32, layers: 5, vocab: 1000, context: 512, ffn: 128));

        // The c_attn weight read transposed is the [out, in] form of the stored [in, out] matrix.
        var stored = new float[32 * 96];
        var transposed = new float[96 * 32];
        file.ReadFloat32("h.0.attn.c_attn.weight", stored);
        file.ReadFloat32Transposed("h.0.attn.c_attn.weight", 32, 96, transposed);
        Assert.Equal(stored[5 * 96 + 70], transposed[70 * 32 + 5]);
        Assert.Contains(stored, value => value != 0f);
    }

    [Fact]
    public void RealGpt2TinyReportsEveryMismatchForAWrongDeclaration()
    {
        using SafetensorsFile file = SafetensorsFile.Open(Gpt2TinyPath("model.safetensors"));

        // Declaring 6 layers of width 48 makes every tensor wrong or missing; all are listed.
        var exception = Assert.Throws<ModelLoadException>(() =>
            file.Validate(Gpt2Tensors(dModel: 48, layers: 6, vocab: 1000, context: 512, ffn: 192)));
        Assert.Contains("tensor 'wte.weight' has shape [1000, 32], expected [1000, 48]", exception.Message);
        Assert.Contains("missing tensor 'h.5.ln_2.weight'", exception.Message);
        Assert.Contains("tensor 'h.4.mlp.c_fc.weight' has shape [32, 128], expected [48, 192]", exception.Message);
    }

    /// <summary>The tensors a GPT-2 loader needs, in the stored (Conv1D [in, out]) layout.</summary>
    internal static List<ExpectedTensor> Gpt2Tensors(int dModel, int layers, int vocab, int context, int ffn)
    {
        var tensors = new List<ExpectedTensor>
        {
            new("wte.weight", [vocab, dModel]),
            new("wpe.weight", [context, dModel]),
            new("ln_f.weight", [dModel]),
            new("ln_f.bias", [dModel]),
        };
        for (int i = 0; i < layers; i++)
        {
            string p = $"h.{i}.";
            tensors.Add(new(p + "ln_1.weight", [dModel]));
            tensors.Add(new(p + "ln_1.bias", [dModel]));
            tensors.Add(new(p + "attn.c_attn.weight", [dModel, 3 * dModel]));
            tensors.Add(new(p + "attn.c_attn.bias", [3 * dModel]));
            tensors.Add(new(p + "attn.c_proj.weight", [dModel, dModel]));
            tensors.Add(new(p + "attn.c_proj.bias", [dModel]));
            tensors.Add(new(p + "ln_2.weight", [dModel]));
            tensors.Add(new(p + "ln_2.bias", [dModel]));
            tensors.Add(new(p + "mlp.c_fc.weight", [dModel, ffn]));
            tensors.Add(new(p + "mlp.c_fc.bias", [ffn]));
            tensors.Add(new(p + "mlp.c_proj.weight", [ffn, dModel]));
            tensors.Add(new(p + "mlp.c_proj.bias", [dModel]));
        }

        return tensors;
    }

    /// <summary>A file of the shared gpt2-tiny checkpoint.</summary>
    internal static string Gpt2TinyPath(string file) => TestModels.Path("gpt2-tiny", file);

    private SafetensorsFile Open(SafetensorsBuilder builder) =>
        SafetensorsFile.Open(directory.Write($"{Guid.NewGuid():N}.safetensors", builder.Build()));
}
