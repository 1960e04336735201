using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// Weight files holding NaN or infinity are refused at load, naming the file, the tensor, the first
/// bad element and its value: llama2.c checkpoints, safetensors F32/F16/BF16, and 8-bit quantization.
/// </summary>
public sealed class NonFiniteWeightTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+infinity")]
    [InlineData(float.NegativeInfinity, "-infinity")]
    public void RefusesALlama2cCheckpointWithANonFiniteWeight(float bad, string described)
    {
        // stories260K: header, token embedding [512, 64], attention norms [5, 64], then queries [5, 64, 64].
        byte[] bytes = File.ReadAllBytes(TestModels.Path("stories260K", "stories260K.bin"));
        long element = (512 * 64) + (5 * 64) + (64 * 64) + (2 * 64) + 3; // layers[1].query [2, 3]
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(28 + (element * 4))), bad);
        string path = directory.Write("nan.bin", bytes);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"tensor 'layers[1].query' element [2, 3] (index 131) is {described}", error.Message);
    }

    [Theory]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void RefusesASafetensorsTensorWithANonFiniteWeight(string dtype)
    {
        byte[] data = dtype switch
        {
            "F32" => Float32Bytes(1f, 2f, 3f, 4f, 5f, float.NaN),
            "F16" => Half16Bytes(1f, 2f, 3f, 4f, 5f, float.PositiveInfinity),
            _ => BFloat16Bytes(1f, 2f, 3f, 4f, 5f, float.NaN),
        };
        string path = directory.Write("w.safetensors", new SafetensorsBuilder().Add("w", dtype, [2, 3], data).Build());
        using SafetensorsFile file = SafetensorsFile.Open(path);

        var error = Assert.Throws<ModelLoadException>(() => file.ReadFloat32("w", new float[6]));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"tensor 'w' element [1, 2] (index 5) is {(dtype == "F16" ? "+infinity" : "NaN")}", error.Message);
    }

    [Fact]
    public void ATransposedReadNamesTheStoredElement()
    {
        string path = directory.Write("w.safetensors", new SafetensorsBuilder().AddF32("w", [2, 3], 1f, float.NegativeInfinity, 3f, 4f, 5f, 6f).Build());
        using SafetensorsFile file = SafetensorsFile.Open(path);

        var error = Assert.Throws<ModelLoadException>(() => file.ReadFloat32Transposed("w", 2, 3, new float[6]));

        Assert.Contains("tensor 'w' element [0, 1] (index 1) is -infinity", error.Message);
    }

    [Fact]
    public void RefusesTheRealGpt2FileWithANaN()
    {
        byte[] bytes = File.ReadAllBytes(TestModels.Path("gpt2-tiny", "model.safetensors"));
        string original = directory.Write("original.safetensors", bytes);
        long offset;
        using (SafetensorsFile file = SafetensorsFile.Open(original))
        {
            SafetensorsTensorInfo info = file.Tensors["transformer.h.3.mlp.c_fc.bias"];
            offset = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + info.DataBegin + (7 * 4);
        }

        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)offset), float.NaN);
        string path = directory.Write("model.safetensors", bytes);

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tiny.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("tensor 'transformer.h.3.mlp.c_fc.bias' element [7] (index 7) is NaN", error.Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Q8QuantizationRefusesANonFiniteValueInsteadOfMakingItFinite(float bad)
    {
        float[] values = Enumerable.Range(0, 4 * 40).Select(i => (i % 7) - 3f).ToArray();
        values[(2 * 40) + 33] = bad;
        var tensor = new WeightTensor("layers[0].up", [4, 40], values);

        var error = Assert.Throws<ArgumentException>(() => Q8Matrix.FromFloat32(tensor));

        Assert.Contains("Matrix 'layers[0].up' row 2 column 33", error.Message);
    }

    [Fact]
    public void IndexOfNonFiniteFindsTheFirstAtEveryPositionAndLength()
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.UInt32BitsToSingle(0xFFC00001) })
        {
            for (int length = 1; length <= 70; length++)
            {
                for (int position = 0; position < length; position++)
                {
                    float[] values = Enumerable.Range(0, length).Select(i => i % 2 == 0 ? float.MaxValue : -float.Epsilon).ToArray();
                    values[position] = bad;
                    if (position + 1 < length)
                    {
                        values[length - 1] = bad;
                    }

                    Assert.Equal(position, FiniteWeights.IndexOfNonFinite(values));
                }
            }
        }

        Assert.Equal(-1, FiniteWeights.IndexOfNonFinite(new[] { float.MaxValue, float.MinValue, 0f, -0f, float.Epsilon }));
        Assert.Equal(-1, FiniteWeights.IndexOfNonFinite(ReadOnlySpan<float>.Empty));
    }

    private static byte[] Float32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static byte[] Half16Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        }

        return bytes;
    }

    private static byte[] BFloat16Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        }

        return bytes;
    }
}
