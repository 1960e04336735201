using Codegen.Formats;
using System;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>Every way <see cref="SafetensorsFile.Open"/> rejects a bad header, and what it accepts.</summary>
public sealed class SafetensorsHeaderTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void WellFormedFileOpens()
    {
        byte[] file = new SafetensorsBuilder()
            .AddF32Sequence("a", 2, 3)
            .Add("ids", "I64", [2], new byte[16])
            .AddF32Sequence("empty", 0, 4)
            .AddF32("scalar", [], 7f)
            .Metadata("format", "pt")
            .Build();

        using SafetensorsFile safetensors = SafetensorsFile.Open(directory.Write("ok.safetensors", file));

        Assert.Equal(4, safetensors.Tensors.Count);
        SafetensorsTensorInfo a = safetensors.Tensors["a"];
        Assert.Equal(SafetensorsDType.F32, a.DType);
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(0, a.DataBegin);
        Assert.Equal(24, a.DataEnd);
        Assert.Equal(SafetensorsDType.I64, safetensors.Tensors["ids"].DType);
        Assert.Empty(safetensors.Tensors["scalar"].Shape);
        Assert.Equal("pt", safetensors.Metadata["format"]);
        Assert.Equal(24 + 16 + 0 + 4, safetensors.DataLength);
    }

    [Fact]
    public void RejectsFileShorterThanTheLengthPrefix()
    {
        string message = OpenFails(new byte[5]);
        Assert.Contains("5 bytes", message);
    }

    [Fact]
    public void RejectsZeroHeaderLength()
    {
        string message = OpenFails(new byte[16]);
        Assert.Contains("header length is 0", message);
    }

    [Fact]
    public void RejectsAbsurdHeaderLength()
    {
        byte[] file = SafetensorsBuilder.WithHeaderLength(new SafetensorsBuilder().AddF32Sequence("a", 2).Build(), ulong.MaxValue);
        string message = OpenFails(file);
        Assert.Contains(ulong.MaxValue.ToString(), message);
        Assert.Contains("limit", message);
    }

    [Fact]
    public void RejectsHeaderLongerThanTheFile()
    {
        byte[] valid = new SafetensorsBuilder().AddF32Sequence("a", 2).Build();
        string message = OpenFails(SafetensorsBuilder.WithHeaderLength(valid, (ulong)valid.Length));
        Assert.Contains($"header length {valid.Length} runs past the end of the file ({valid.Length} bytes", message);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\", ")]
    [InlineData("not json at all")]
    [InlineData("{\"a\": 1,}")]
    public void RejectsMalformedJson(string header)
    {
        string message = OpenFails(SafetensorsBuilder.Assemble(header, 0));
        Assert.Contains("header is not valid JSON", message);
    }

    [Fact]
    public void RejectsInvalidUtf8()
    {
        byte[] file = SafetensorsBuilder.Assemble("{\"a\":1}", 0);
        file[10] = 0xFF;
        Assert.Contains("header is not valid JSON", OpenFails(file));
    }

    [Fact]
    public void RejectsEscapedLoneSurrogateInAName()
    {
        string header = """{"\ud800": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""";
        Assert.Contains("header is not valid JSON", OpenFails(SafetensorsBuilder.Assemble(header, 4)));
    }

    [Fact]
    public void RejectsNonObjectHeader()
    {
        Assert.Contains("header must be a JSON object, found Array", OpenFails(SafetensorsBuilder.Assemble("[1, 2]", 0)));
    }

    [Theory]
    [InlineData("""{"t": {"shape": [2], "data_offsets": [0, 8]}}""", "tensor 't': missing field 'dtype'")]
    [InlineData("""{"t": {"dtype": "F32", "data_offsets": [0, 8]}}""", "tensor 't': missing field 'shape'")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [2]}}""", "tensor 't': missing field 'data_offsets'")]
    [InlineData("""{"t": {"dtype": 4, "shape": [2], "data_offsets": [0, 8]}}""", "tensor 't': 'dtype' must be String, found Number 4")]
    [InlineData("""{"t": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}""", "tensor 't': 'shape' must be Array")]
    [InlineData("""{"t": {"dtype": "F32", "shape": [2], "data_offsets": {"a": 0}}}""", "tensor 't': 'data_offsets' must be Array")]
    [InlineData("""{"t": [1, 2]}""", "tensor 't': entry must be a JSON object, found Array")]
    [InlineData("""{"__metadata__": {"format": 1}}""", "'__metadata__' value 'format' must be a string, found Number")]
    [InlineData("""{"__metadata__": [1]}""", "'__metadata__' must be an object of strings, found Array")]
    public void RejectsMissingOrIllTypedFields(string header, string expected)
    {
        Assert.Contains(expected, OpenFails(SafetensorsBuilder.Assemble(header, 8)));
    }

    [Fact]
    public void RejectsUnknownDType()
    {
        string message = OpenFails(SafetensorsBuilder.Assemble("""{"t": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}""", 2));
        Assert.Contains("tensor 't': unknown dtype 'F8_E4M3'", message);
        Assert.Contains("F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL", message);
    }

    [Fact]
    public void RejectsLowerCaseDType()
    {
        Assert.Contains("unknown dtype 'f32'", OpenFails(SafetensorsBuilder.Assemble("""{"t": {"dtype": "f32", "shape": [2], "data_offsets": [0, 8]}}""", 8)));
    }

    [Theory]
    [InlineData("[2, -3]", "shape dimension 1 is -3")]
    [InlineData("[2.5]", "shape dimension 0 is 2.5")]
    [InlineData("[\"2\"]", "shape dimension 0 is \"2\"")]
    [InlineData("[3000000000]", "shape dimension 0 is 3000000000")]
    public void RejectsBadShapeDimensions(string shape, string expected)
    {
        string header = """{"t": {"dtype": "F32", "shape": """ + shape + """, "data_offsets": [0, 8]}}""";
        Assert.Contains($"tensor 't': {expected}", OpenFails(SafetensorsBuilder.Assemble(header, 8)));
    }

    [Theory]
    [InlineData("[-1, 8]")]
    [InlineData("[0]")]
    [InlineData("[0, 8, 16]")]
    [InlineData("[0, 8.5]")]
    [InlineData("[\"0\", 8]")]
    [InlineData("[0, 99999999999999999999]")]
    public void RejectsOffsetsThatAreNotTwoNonNegativeIntegers(string offsets)
    {
        string header = """{"t": {"dtype": "F32", "shape": [2], "data_offsets": """ + offsets + "}}";
        string message = OpenFails(SafetensorsBuilder.Assemble(header, 8));
        Assert.Contains("tensor 't': data_offsets must be two non-negative integers", message);
    }

    [Fact]
    public void RejectsBeginAfterEnd()
    {
        string message = OpenFails(SafetensorsBuilder.Assemble("""{"t": {"dtype": "F32", "shape": [2], "data_offsets": [16, 8]}}""", 16));
        Assert.Contains("tensor 't': data_offsets [16, 8] have begin > end", message);
    }

    [Fact]
    public void RejectsOffsetsPastTheEndOfTheData()
    {
        string header = """{"h.0.attn.c_attn.weight": {"dtype": "F32", "shape": [2], "data_offsets": [100, 99999999]}}""";
        string message = OpenFails(SafetensorsBuilder.Assemble(header, 4096));
        Assert.Contains("tensor 'h.0.attn.c_attn.weight': data_offsets [100, 99999999] run past the end of the data (4096 bytes)", message);
    }

    [Fact]
    public void RejectsSizeThatDisagreesWithShape()
    {
        string header = """{"t": {"dtype": "BF16", "shape": [5, 6], "data_offsets": [0, 100]}}""";
        string message = OpenFails(SafetensorsBuilder.Assemble(header, 100));
        Assert.Contains("tensor 't': data_offsets [0, 100] hold 100 bytes but shape [5, 6] of BF16 needs 60 bytes", message);
    }

    [Fact]
    public void RejectsShapeWhoseByteSizeOverflows()
    {
        string header = """{"t": {"dtype": "F64", "shape": [2147483647, 2147483647, 2147483647], "data_offsets": [0, 8]}}""";
        Assert.Contains("tensor 't': shape [2147483647, 2147483647, 2147483647] of F64 is too large", OpenFails(SafetensorsBuilder.Assemble(header, 8)));
    }

    [Fact]
    public void RejectsOverlappingRanges()
    {
        string header = """
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
             "c": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
             "b": {"dtype": "F32", "shape": [4], "data_offsets": [12, 28]}}
            """;
        string message = OpenFails(SafetensorsBuilder.Assemble(header, 32));
        Assert.Contains("tensors 'a' (data_offsets [0, 16]) and 'b' (data_offsets [12, 28]) overlap", message);
    }

    [Fact]
    public void RejectsIdenticalRanges()
    {
        string header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
            """;
        Assert.Contains("overlap", OpenFails(SafetensorsBuilder.Assemble(header, 8)));
    }

    [Fact]
    public void AcceptsEmptyTensorsAtAnyOffset()
    {
        string header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}}
            """;
        using SafetensorsFile file = SafetensorsFile.Open(directory.Write("empty.safetensors", SafetensorsBuilder.Assemble(header, 8)));
        Assert.Equal(0, file.Tensors["e"].ElementCount);
    }

    [Fact]
    public void RejectsDuplicateTensorNames()
    {
        string header = """
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
             "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
            """;
        Assert.Contains("tensor 'a' appears twice", OpenFails(SafetensorsBuilder.Assemble(header, 8)));
    }

    [Fact]
    public void MissingFileIsAModelLoadException()
    {
        string path = System.IO.Path.Combine(directory.FullPath, "absent.safetensors");
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path));
        Assert.Equal(path, exception.FilePath);
    }

    private string OpenFails(byte[] file)
    {
        string path = directory.Write("bad.safetensors", file);
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, exception.FilePath);
        Assert.StartsWith(path + ": ", exception.Message);
        return exception.Message;
    }
}
