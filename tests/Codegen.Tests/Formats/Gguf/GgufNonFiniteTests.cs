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

    [Fact]
    public void RefusesTypesItCannotDequantizeByName()
    {
        string path = directory.Write("q41.gguf", new GgufBuilder().AddTensor("w", [32], GgmlType.Q4_1, new byte[20]).Build());
        using GgufFile gguf = GgufFile.Open(path);

        var exception = Assert.Throws<ModelLoadException>(() => gguf.ReadAsFloat32(gguf.RequireTensor("w")));

        Assert.Contains("tensor 'w' (Q4_1, ne [32]): type Q4_1 cannot be converted to float32", exception.Message);
    }
}
