using System;
using System.IO;
using Codegen.Formats.Gguf;
using Xunit;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>What <see cref="GgufFile.Open"/> accepts, and every way it refuses a bad header by name.</summary>
public sealed class GgufHeaderTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static GgufBuilder Valid() => new GgufBuilder()
        .AddString("general.architecture", "llama")
        .AddUInt32("llama.block_count", 1)
        .AddF32("a", [2, 3], 1, 2, 3, 4, 5, 6)
        .AddF32("b", [4], 7, 8, 9, 10);

    private string Write(byte[] bytes) => directory.Write("model.gguf", bytes);

    private ModelLoadException Refused(byte[] bytes)
    {
        string path = Write(bytes);
        var exception = Assert.Throws<ModelLoadException>(() => GgufFile.Open(path).Dispose());
        Assert.Equal(path, exception.FilePath);
        return exception;
    }

    [Fact]
    public void WellFormedFileOpensWithEveryValueType()
    {
        byte[] file = Valid()
            .Add("u8", GgufValueType.UInt8, w => w.Write((byte)200))
            .Add("i8", GgufValueType.Int8, w => w.Write((sbyte)-5))
            .Add("u16", GgufValueType.UInt16, w => w.Write((ushort)60000))
            .Add("i16", GgufValueType.Int16, w => w.Write((short)-300))
            .Add("i32", GgufValueType.Int32, w => w.Write(-70000))
            .Add("u64", GgufValueType.UInt64, w => w.Write(ulong.MaxValue))
            .Add("i64", GgufValueType.Int64, w => w.Write(long.MinValue))
            .Add("f64", GgufValueType.Float64, w => w.Write(0.25))
            .Add("yes", GgufValueType.Bool, w => w.Write((byte)1))
            .Add("floats", GgufValueType.Array, w => { w.Write((uint)GgufValueType.Float32); w.Write(2UL); w.Write(1.5f); w.Write(-2f); })
            .Add("strings", GgufValueType.Array, w => { w.Write((uint)GgufValueType.String); w.Write(2UL); GgufBuilder.WriteString(w, "x"); GgufBuilder.WriteString(w, "ÿé"); })
            .Add("nested", GgufValueType.Array, w =>
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(2UL);
                w.Write((uint)GgufValueType.Int16); w.Write(1UL); w.Write((short)-1);
                w.Write((uint)GgufValueType.Bool); w.Write(2UL); w.Write((byte)0); w.Write((byte)1);
            })
            .Build();

        using GgufFile gguf = GgufFile.Open(Write(file));

        Assert.Equal(3u, gguf.Version);
        Assert.Equal(32, gguf.Alignment);
        Assert.Equal(0, gguf.DataStart % 32);
        Assert.Equal("llama", gguf.Metadata["general.architecture"].Value);
        Assert.Equal((byte)200, gguf.Metadata["u8"].Value);
        Assert.Equal((sbyte)-5, gguf.Metadata["i8"].Value);
        Assert.Equal((ushort)60000, gguf.Metadata["u16"].Value);
        Assert.Equal((short)-300, gguf.Metadata["i16"].Value);
        Assert.Equal(-70000, gguf.Metadata["i32"].Value);
        Assert.Equal(ulong.MaxValue, gguf.Metadata["u64"].Value);
        Assert.False(gguf.Metadata["u64"].TryGetInteger(out _));
        Assert.Equal(long.MinValue, gguf.Metadata["i64"].Value);
        Assert.Equal(0.25, gguf.Metadata["f64"].Value);
        Assert.Equal(true, gguf.Metadata["yes"].Value);
        Assert.Equal(new[] { 1.5f, -2f }, ((GgufArray)gguf.Metadata["floats"].Value).Items);
        Assert.Equal(new[] { "x", "ÿé" }, ((GgufArray)gguf.Metadata["strings"].Value).Items);
        var nested = (GgufArray[])((GgufArray)gguf.Metadata["nested"].Value).Items;
        Assert.Equal(new short[] { -1 }, nested[0].Items);
        Assert.Equal(new[] { false, true }, nested[1].Items);

        GgufTensorInfo a = gguf.RequireTensor("a");
        Assert.Equal(new long[] { 2, 3 }, a.Dimensions);
        Assert.Equal(new long[] { 3, 2 }, a.RowMajorShape());
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, gguf.ReadAsFloat32(a));
        Assert.Equal(new float[] { 7, 8, 9, 10 }, gguf.ReadAsFloat32(gguf.RequireTensor("b")));
        Assert.Equal(32, gguf.RequireTensor("b").Offset);
    }

    [Fact]
    public void DeclaredAlignmentPlacesTheDataSection()
    {
        var builder = Valid().AddUInt32(GgufFile.AlignmentKey, 64);
        builder.Alignment = 64;

        using GgufFile gguf = GgufFile.Open(Write(builder.Build()));

        Assert.Equal(64, gguf.Alignment);
        Assert.Equal(0, gguf.DataStart % 64);
        Assert.Equal(new float[] { 7, 8, 9, 10 }, gguf.ReadAsFloat32(gguf.RequireTensor("b")));
    }

    [Fact]
    public void Version2Opens()
    {
        var builder = Valid();
        builder.Version = 2;

        using GgufFile gguf = GgufFile.Open(Write(builder.Build()));

        Assert.Equal(2u, gguf.Version);
        Assert.Equal(new float[] { 7, 8, 9, 10 }, gguf.ReadAsFloat32(gguf.RequireTensor("b")));
    }

    [Theory]
    [InlineData(1u, "version 1")]
    [InlineData(4u, "not a version this reader knows")]
    [InlineData(0x03000000u, "big-endian")]
    public void RefusesOtherVersionsByName(uint version, string why)
    {
        var builder = Valid();
        builder.Version = version;
        ModelLoadException exception = Refused(builder.Build());
        Assert.Contains($"GGUF version is {version}", exception.Message);
        Assert.Contains(why, exception.Message);
    }

    [Fact]
    public void RefusesAFileWithoutTheMagic()
    {
        byte[] file = Valid().Build();
        file[3] = (byte)'G';
        Assert.Contains("does not start with the GGUF magic", Refused(file).Message);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData((ulong)int.MaxValue + 1)]
    [InlineData(1000UL)]
    public void RefusesTensorCountsTheFileCannotHold(ulong count)
    {
        var builder = Valid();
        builder.TensorCountOverride = count;
        Assert.Contains($"the count of tensors (tensor_count) at byte 8 is {count}", Refused(builder.Build()).Message);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 40)]
    public void RefusesMetadataCountsTheFileCannotHold(ulong count)
    {
        var builder = Valid();
        builder.MetadataCountOverride = count;
        Assert.Contains($"metadata entries (metadata_kv_count) at byte 16 is {count}", Refused(builder.Build()).Message);
    }

    [Fact]
    public void RefusesAStringLongerThanTheFile()
    {
        byte[] file = Valid().Add("name", GgufValueType.String, w => { w.Write(ulong.MaxValue - 3); w.Write((byte)'x'); }).Build();
        ModelLoadException exception = Refused(file);
        Assert.Contains("metadata key 'name'", exception.Message);
        Assert.Contains($"is {ulong.MaxValue - 3} bytes", exception.Message);
    }

    [Theory]
    [InlineData(GgufValueType.UInt64, 1UL << 61)]
    [InlineData(GgufValueType.String, 1UL << 62)]
    [InlineData(GgufValueType.Array, ulong.MaxValue)]
    [InlineData(GgufValueType.UInt8, 100_000UL)]
    public void RefusesArrayCountsTheFileCannotHold(GgufValueType elementType, ulong count)
    {
        byte[] file = Valid().Add("list", GgufValueType.Array, w => { w.Write((uint)elementType); w.Write(count); }).Build();
        ModelLoadException exception = Refused(file);
        Assert.Contains("'list'", exception.Message);
        Assert.Contains($"is {count}", exception.Message);
    }

    [Fact]
    public void RefusesArraysNestedTooDeep()
    {
        byte[] file = Valid().Add("deep", GgufValueType.Array, w =>
        {
            for (int i = 0; i < 100; i++)
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(1UL);
            }
        }).Build();
        Assert.Contains($"arrays nest more than {8} deep", Refused(file).Message);
    }

    [Fact]
    public void RefusesUnknownValueTypesAndBadBools()
    {
        Assert.Contains("value type of metadata key 'odd'", Refused(Valid().Add("odd", (GgufValueType)13, _ => { }).Build()).Message);
        Assert.Contains("metadata key 'flag': bool at byte", Refused(Valid().Add("flag", GgufValueType.Bool, w => w.Write((byte)2)).Build()).Message);
    }

    [Fact]
    public void RefusesDuplicateKeysAndTensorsAndInvalidUtf8Names()
    {
        Assert.Contains("metadata key 'llama.block_count' appears twice", Refused(Valid().AddUInt32("llama.block_count", 2).Build()).Message);
        Assert.Contains("tensor 'a' appears twice", Refused(Valid().AddF32("a", [1], 1).Build()).Message);
        byte[] file = Valid().Build();
        int key = file.AsSpan().IndexOf("llama.block_count"u8);
        file[key + 5] = 0xFF;
        Assert.Contains("the key of metadata entry 1 at byte", Refused(file).Message);
        Assert.Contains("is not valid UTF-8", Refused(file).Message);
    }

    [Theory]
    [InlineData(0u, "is 0")]
    [InlineData(48u, "is 48")]
    [InlineData(1u << 31, null)]
    public void AlignmentMustBeAPowerOfTwo(uint alignment, string? message)
    {
        var builder = Valid().AddUInt32(GgufFile.AlignmentKey, alignment);
        if (message is null)
        {
            // 2^31 is a power of two: the data section starts past the end of this small file.
            Assert.Contains("past the end", Refused(builder.Build()).Message);
            return;
        }

        ModelLoadException exception = Refused(builder.Build());
        Assert.Contains($"'{GgufFile.AlignmentKey}' {message}", exception.Message);
        Assert.Contains("power of two", exception.Message);
    }

    [Fact]
    public void AlignmentMustBeAUInt32()
    {
        ModelLoadException exception = Refused(Valid().AddString(GgufFile.AlignmentKey, "32").Build());
        Assert.Contains("it must be a uint32", exception.Message);
    }

    [Theory]
    [InlineData(0u, "n_dims at byte")]
    [InlineData(5u, "is 5; a tensor has 1 to 4 dimensions")]
    public void RefusesDimensionCountsOutsideOneToFour(uint dimensions, string message)
    {
        var dims = new long[dimensions];
        Array.Fill(dims, 1);
        byte[] file = Valid().AddTensor("c", dims, GgmlType.F32, new byte[4]).Build();
        ModelLoadException exception = Refused(file);
        Assert.Contains("tensor 'c'", exception.Message);
        Assert.Contains(message, exception.Message);
    }

    [Fact]
    public void RefusesZeroDimensionsUnknownTypesAndPartialBlocks()
    {
        Assert.Contains("tensor 'c': ne[1] at byte", Refused(Valid().AddTensor("c", [2, 0], GgmlType.F32, []).Build()).Message);
        // 31 is Q4_0_4_4, removed from ggml and from GGUF files; 16 (IQ2_XXS) and the other IQ types are known (sized) and open.
        Assert.Contains("tensor 'c': type at byte", Refused(Valid().AddTensor("c", [32], 31u, new byte[64]).Build()).Message);
        Assert.Contains("is ggml type 31, which this reader does not know", Refused(Valid().AddTensor("c", [32], 31u, new byte[64]).Build()).Message);
        Assert.Contains("ne[0] = 48 is not a multiple of the 32-element block", Refused(Valid().AddTensor("c", [48], GgmlType.Q8_0, new byte[68]).Build()).Message);
    }

    [Fact]
    public void RefusesTensorsWhoseSizeOverflows()
    {
        byte[] file = Valid().AddTensor("huge", [1L << 40, 1L << 40], GgmlType.F32, []).Build();
        Assert.Contains("tensor 'huge': ne [1099511627776, 1099511627776] of F32 is too large", Refused(file).Message);
    }

    [Fact]
    public void RefusesMisalignedOverlappingAndOutOfFileTensors()
    {
        Assert.Contains("offset 36 is not a multiple of the alignment 32", Refused(Valid().AddF32("c", [1], 1).AddTensor("d", [1], GgmlType.F32, new byte[4], offset: 36).Build()).Message);
        ModelLoadException overlap = Refused(Valid().AddTensor("c", [1], GgmlType.F32, new byte[4], offset: 0).Build());
        Assert.Contains("overlap", overlap.Message);
        Assert.Contains("'a'", overlap.Message);
        Assert.Contains("'c'", overlap.Message);
        byte[] shortFile = Valid().Build();
        Array.Resize(ref shortFile, shortFile.Length - 32);
        Assert.Contains("tensor 'b' (F32, ne [4]): its 16 bytes at offset 32 run past the end", Refused(shortFile).Message);
    }

    [Fact]
    public void EveryTruncationIsRefusedByName()
    {
        byte[] file = Valid().Add("strings", GgufValueType.Array, w => { w.Write((uint)GgufValueType.String); w.Write(1UL); GgufBuilder.WriteString(w, "xyz"); }).Build();
        using (GgufFile whole = GgufFile.Open(Write(file)))
        {
            Assert.Equal(2, whole.Tensors.Count);
        }

        // Every prefix through the end of the last tensor's data (the file after it is padding only).
        for (int length = 1; length < file.Length - 16; length++)
        {
            string path = directory.Write($"cut{length}.gguf", file.AsSpan(0, length).ToArray());
            var exception = Assert.Throws<ModelLoadException>(() => GgufFile.Open(path).Dispose());
            Assert.Equal(path, exception.FilePath);
            File.Delete(path);
        }
    }
}
