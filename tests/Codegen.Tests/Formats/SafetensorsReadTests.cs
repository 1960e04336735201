using Codegen.Formats;
using System;
using System.Buffers.Binary;
using System.IO;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>Reading, converting and transposing tensor data, and the <c>transformer.</c> prefix.</summary>
public sealed class SafetensorsReadTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void ReadsF32()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32("a", [2, 2], 1.5f, -2f, 0f, 3.25f));
        var values = new float[4];
        file.ReadFloat32("a", values);
        Assert.Equal([1.5f, -2f, 0f, 3.25f], values);
    }

    [Fact]
    public void ConvertsF16()
    {
        // 0x3C00 = 1, 0xC000 = -2, 0x3555 ~ 0.33325, 0x7BFF = 65504 (max), 0x0001 = 2^-24 (smallest subnormal), 0xFBFF = -65504.
        // (Infinities and NaN are refused at load: NonFiniteWeightTests.)
        ushort[] bits = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0xFBFF];
        using SafetensorsFile file = Open(new SafetensorsBuilder().Add("h", "F16", [6], ToBytes(bits)));
        var values = new float[6];
        file.ReadFloat32("h", values);
        Assert.Equal([1f, -2f, 0.333251953125f, 65504f, MathF.Pow(2, -24), -65504f], values);
    }

    [Fact]
    public void ConvertsBF16()
    {
        // bfloat16 is the upper half of a float32: 0x3F80 = 1, 0xC040 = -3, 0x3EAB = 0.333984375, 0x4049 = 3.140625,
        // 0x7F7F = the largest finite bfloat16. (Infinities and NaN are refused at load: NonFiniteWeightTests.)
        ushort[] bits = [0x3F80, 0xC040, 0x3EAB, 0x4049, 0x0000, 0x7F7F];
        using SafetensorsFile file = Open(new SafetensorsBuilder().Add("b", "BF16", [2, 3], ToBytes(bits)));
        var values = new float[6];
        file.ReadFloat32("b", values);
        Assert.Equal([1f, -3f, 0.333984375f, 3.140625f, 0f, BitConverter.UInt32BitsToSingle(0x7F7F0000)], values);
    }

    [Fact]
    public void RejectsNonFloatDType()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().Add("x", "I64", [2], new byte[16]));
        var exception = Assert.Throws<ModelLoadException>(() => file.ReadFloat32("x", new float[2]));
        Assert.Contains("tensor 'x' has dtype I64; expected F32, F16 or BF16", exception.Message);
    }

    [Fact]
    public void RejectsWrongDestinationLength()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("a", 2, 3));
        var exception = Assert.Throws<ModelLoadException>(() => file.ReadFloat32("a", new float[5]));
        Assert.Contains("tensor 'a' has 6 elements (shape [2, 3]) but the destination holds 5", exception.Message);
    }

    [Fact]
    public void RejectsMissingTensor()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("a", 2));
        var exception = Assert.Throws<ModelLoadException>(() => file.ReadFloat32("b", new float[2]));
        Assert.Contains("missing tensor 'b'", exception.Message);
    }

    [Fact]
    public void ReadsTheRightRangeAmongSeveralTensors()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder()
            .AddF32("first", [2], 10f, 11f)
            .Add("half", "F16", [1], ToBytes([0x4000]))
            .AddF32("last", [3], 20f, 21f, 22f));
        var last = new float[3];
        file.ReadFloat32("last", last);
        Assert.Equal([20f, 21f, 22f], last);
        var half = new float[1];
        file.ReadFloat32("half", half);
        Assert.Equal(2f, half[0]);
    }

    [Fact]
    public void ReadsTransposed()
    {
        // Stored [2, 3] = [[0, 1, 2], [3, 4, 5]]; the transpose is [3, 2] = [[0, 3], [1, 4], [2, 5]].
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("w", 2, 3));
        var values = new float[6];
        file.ReadFloat32Transposed("w", 2, 3, values);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], values);
    }

    [Fact]
    public void ReadsTransposedBF16()
    {
        // Stored [3, 1] = [1, -3, 3.140625]; the transpose [1, 3] holds the same order.
        using SafetensorsFile file = Open(new SafetensorsBuilder().Add("w", "BF16", [3, 1], ToBytes([0x3F80, 0xC040, 0x4049])));
        var values = new float[3];
        file.ReadFloat32Transposed("w", 3, 1, values);
        Assert.Equal([1f, -3f, 3.140625f], values);
    }

    [Fact]
    public void TransposedRejectsWrongShape()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("w", 2, 3));
        var exception = Assert.Throws<ModelLoadException>(() => file.ReadFloat32Transposed("w", 3, 2, new float[6]));
        Assert.Contains("tensor 'w' has shape [2, 3], expected [3, 2]", exception.Message);
    }

    [Fact]
    public void ResolvesTheTransformerPrefix()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder()
            .AddF32("transformer.wte.weight", [2], 1f, 2f)
            .AddF32("lm_head.weight", [2], 3f, 4f));

        Assert.Equal("transformer.wte.weight", file.ResolveName("wte.weight"));
        Assert.Equal("transformer.wte.weight", file.ResolveName("transformer.wte.weight"));
        Assert.Equal("lm_head.weight", file.ResolveName("lm_head.weight"));
        Assert.Null(file.ResolveName("wpe.weight"));

        var values = new float[2];
        file.ReadFloat32("wte.weight", values);
        Assert.Equal([1f, 2f], values);
    }

    [Fact]
    public void ExactNameWinsOverPrefixedName()
    {
        using SafetensorsFile file = Open(new SafetensorsBuilder()
            .AddF32("transformer.x", [1], 1f)
            .AddF32("x", [1], 2f));
        var values = new float[1];
        file.ReadFloat32("x", values);
        Assert.Equal(2f, values[0]);
    }

    [Fact]
    public void ReadsAfterDisposeThrow()
    {
        SafetensorsFile file = Open(new SafetensorsBuilder().AddF32Sequence("a", 2));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadFloat32("a", new float[2]));
    }

    [Fact]
    public void FileTruncatedAfterOpeningIsAnErrorNotAnOutOfBoundsRead()
    {
        string path = directory.Write("shrinks.safetensors", new SafetensorsBuilder().AddF32Sequence("a", 4).AddF32Sequence("b", 4).Build());
        using SafetensorsFile file = SafetensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(stream.Length - 8);
        }

        var exception = Assert.Throws<ModelLoadException>(() => file.ReadFloat32("b", new float[4]));
        Assert.Contains("while reading tensor 'b'", exception.Message);
    }

    [Fact]
    public void LargeTensorIsReadAcrossChunks()
    {
        // More than one 2^20-element chunk, F16, plain and transposed.
        const int rows = 1100, columns = 1000;
        var bits = new ushort[rows * columns];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = BitConverter.HalfToUInt16Bits((Half)(i % 2048));
        }

        using SafetensorsFile file = Open(new SafetensorsBuilder().Add("big", "F16", [rows, columns], ToBytes(bits)));
        var values = new float[rows * columns];
        file.ReadFloat32("big", values);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal((float)(i % 2048), values[i]);
        }

        file.ReadFloat32Transposed("big", rows, columns, values);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal((float)((r * columns + c) % 2048), values[c * rows + r]);
            }
        }
    }

    private SafetensorsFile Open(SafetensorsBuilder builder) =>
        SafetensorsFile.Open(directory.Write($"{Guid.NewGuid():N}.safetensors", builder.Build()));

    private static byte[] ToBytes(ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return bytes;
    }
}
