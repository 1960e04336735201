using System;
using System.Buffers.Binary;
using System.IO;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// The tensors of a safetensors file must cover its data section exactly, as the format requires:
/// sorted by offset, the first starts at 0, each starts where the previous ends, the last ends at the
/// end of the file. A header length that is off by a byte breaks this, so it cannot shift every tensor.
/// </summary>
public sealed class SafetensorsCoverageTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void RejectsAHeaderLengthOneByteShort()
    {
        // Writers pad the header with spaces; dropping one still leaves valid JSON, and one more data byte.
        byte[] file = SafetensorsBuilder.Assemble("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}  """, new byte[8]);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        byte[] shifted = SafetensorsBuilder.WithHeaderLength(file, headerLength - 1);

        string message = OpenFails(shifted);

        Assert.Contains("bytes [8, 9) of the 9-byte data section follow the last tensor 'a' (data_offsets [0, 8])", message);
    }

    [Fact]
    public void RejectsTheRealGpt2FileWithItsHeaderLengthOneByteShort()
    {
        byte[] file = File.ReadAllBytes(TestModels.Path("gpt2-tiny", "model.safetensors"));
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        string path = directory.Write("model.safetensors", SafetensorsBuilder.WithHeaderLength(file, headerLength - 1));

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tiny.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("belong to no tensor", error.Message);
    }

    [Fact]
    public void RejectsAGapBetweenTensors()
    {
        string header = """
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
             "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}}
            """;

        string message = OpenFails(SafetensorsBuilder.Assemble(header, 20));

        Assert.Contains("bytes [8, 12) of the 20-byte data section lie between tensors 'a' (data_offsets [0, 8]) and 'b' (data_offsets [12, 20])", message);
    }

    [Fact]
    public void RejectsAFirstTensorThatDoesNotStartAtZero()
    {
        string header = """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""";

        string message = OpenFails(SafetensorsBuilder.Assemble(header, 12));

        Assert.Contains("bytes [0, 4) of the 12-byte data section precede the first tensor 'a' (data_offsets [4, 12])", message);
    }

    [Fact]
    public void RejectsDataButNoTensors()
    {
        string message = OpenFails(SafetensorsBuilder.Assemble("""{"__metadata__": {"format": "pt"}}""", 4));

        Assert.Contains("the 4-byte data section holds no tensor", message);
    }

    [Fact]
    public void AcceptsTensorsInAnyHeaderOrderThatCoverTheData()
    {
        string header = """
            {"b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]},
             "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
            """;

        using SafetensorsFile file = SafetensorsFile.Open(directory.Write("ok.safetensors", SafetensorsBuilder.Assemble(header, 12)));

        Assert.Equal(12, file.DataLength);
    }

    private string OpenFails(byte[] file)
    {
        string path = directory.Write("bad.safetensors", file);
        var exception = Assert.Throws<ModelLoadException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, exception.FilePath);
        return exception.Message;
    }
}
