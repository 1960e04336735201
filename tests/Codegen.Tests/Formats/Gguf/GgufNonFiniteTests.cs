using System;
using System.Buffers.Binary;
using Codegen.Formats.Gguf;
using Xunit;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>A NaN or infinity after dequantization is refused by name, with the element's coordinates.</summary>
public sealed class GgufNonFiniteTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void RefusesAnInfiniteF16Weight()
    {
        var data = new byte[2 * 4];
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(6), 0x7C00);
        string path = directory.Write("inf.gguf", new GgufBuilder().AddTensor("w", [2, 2], GgmlType.F16, data).Build());
        using GgufFile gguf = GgufFile.Open(path);

        var exception = Assert.Throws<ModelLoadException>(() => gguf.ReadAsFloat32(gguf.RequireTensor("w")));

        Assert.Contains("tensor 'w' element [1, 1] (index 3) is +infinity", exception.Message);
    }

    [Fact]
    public void RefusesAQ8_0BlockWhoseScaleIsNaN()
    {
        var data = new byte[2 * 34];
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(34), 0x7E00);
        data[36] = 1;
        string path = directory.Write("nan.gguf", new GgufBuilder().AddTensor("q", [64], GgmlType.Q8_0, data).Build());
        using GgufFile gguf = GgufFile.Open(path);

        var exception = Assert.Throws<ModelLoadException>(() => gguf.ReadAsFloat32(gguf.RequireTensor("q")));

        Assert.Contains("tensor 'q' element [32] (index 32) is NaN", exception.Message);
    }

    /// <summary>
    /// Types whose layout the reader knows but cannot convert (an IQ codebook type, and Q8_K, which
    /// llama.cpp keeps for activations) open, and reading one of their tensors names the tensor and the type.
    /// </summary>
    [Theory]
    [InlineData(GgmlType.IQ4_XS, 136)]
    [InlineData(GgmlType.IQ2_XXS, 66)]
    [InlineData(GgmlType.Q8_K, 292)]
    public void RefusesTypesItCannotDequantizeByName(GgmlType type, int blockBytes)
    {
        string path = directory.Write("unsupported.gguf", new GgufBuilder().AddTensor("w", [256], type, new byte[blockBytes]).Build());
        using GgufFile gguf = GgufFile.Open(path);

        var exception = Assert.Throws<ModelLoadException>(() => gguf.ReadAsFloat32(gguf.RequireTensor("w")));

        Assert.Contains($"tensor 'w' ({type}, ne [256]): type {type} cannot be converted to float32", exception.Message);
    }
}
