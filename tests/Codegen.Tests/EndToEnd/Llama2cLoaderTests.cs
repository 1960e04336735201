using System;
using System.IO;
using Xunit;

namespace Codegen.Tests.EndToEnd;

/// <summary>The generated llama2.c loader refuses files that do not fit the declared shape, saying why.</summary>
public sealed class Llama2cLoaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("codegen-loader-").FullName;

    private static string Checkpoint => TestModels.Path("stories260K", "stories260K.bin");

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void LoadsTheRealCheckpoint()
    {
        var model = Stories260KModel.Load(Checkpoint);

        Assert.Equal(5, model.Weights.Layers.Count);
        Assert.Same(model.Weights.TokenEmbedding, model.Weights.Unembedding);
        Assert.Equal(new[] { 512, 64 }, model.Weights.TokenEmbedding.Shape.ToArray());
        Assert.Equal("layers[2].key", model.Weights.Layers[2].Key.Name);
    }

    [Fact]
    public void RejectsATruncatedFile()
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        string path = Write("truncated.bin", bytes.AsSpan(0, bytes.Length - 1000));

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains($"file is {bytes.Length - 1000} bytes", error.Message);
        Assert.Contains($"needs {bytes.Length} bytes", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void RejectsTrailingBytes()
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        string path = Write("long.bin", [.. bytes, 0, 0, 0, 0]);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains("trailing bytes", error.Message);
    }

    [Fact]
    public void RejectsAFileShorterThanTheHeader()
    {
        string path = Write("tiny.bin", new byte[10]);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains("shorter than the 28-byte llama2.c header", error.Message);
    }

    [Theory]
    [InlineData(0, "dim", 65, 64)]
    [InlineData(1, "hidden_dim", 171, 172)]
    [InlineData(3, "n_heads", 16, 8)]
    [InlineData(5, "|vocab_size|", 500, 512)]
    public void RejectsAHeaderFieldThatDisagrees(int field, string name, int stored, int declared)
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        BitConverter.TryWriteBytes(bytes.AsSpan(field * 4, 4), stored);
        string path = Write("header.bin", bytes);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains($"header field {name} is {stored}, but the model declares {declared}", error.Message);
    }

    /// <summary>Every header field at the edges of int32: a ModelLoadException naming the field and the value, never an overflow.</summary>
    public static TheoryData<int, string, int> ExtremeHeaderFields()
    {
        string[] names = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"];
        var data = new TheoryData<int, string, int>();
        for (int field = 0; field < names.Length; field++)
        {
            foreach (int value in new[] { int.MinValue, int.MinValue + 1, -1, 0, int.MaxValue })
            {
                data.Add(field, names[field], value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExtremeHeaderFields))]
    public void RejectsAnExtremeHeaderFieldByName(int field, string name, int stored)
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        BitConverter.TryWriteBytes(bytes.AsSpan(field * 4, 4), stored);
        string path = Write("extreme.bin", bytes);

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains($"{name} is {stored}", error.Message);
    }

    [Fact]
    public void RejectsADeclarationWithOtherLayers()
    {
        var error = Assert.Throws<ModelLoadException>(() => Stories260KWrongLayers.Load(Checkpoint));

        Assert.Contains("header field n_layers is 5, but the model declares 4", error.Message);
    }

    [Fact]
    public void RejectsADeclarationWithOtherKvHeads()
    {
        var error = Assert.Throws<ModelLoadException>(() => Stories260KWrongKvHeads.Load(Checkpoint));

        Assert.Contains("header field n_kv_heads is 4, but the model declares 8", error.Message);
    }

    [Fact]
    public void RejectsAnUntiedDeclarationOfATiedFile()
    {
        var error = Assert.Throws<ModelLoadException>(() => Stories260KUntied.Load(Checkpoint));

        Assert.Contains("vocab_size is 512", error.Message);
        Assert.Contains("TiedEmbeddings = false", error.Message);
    }

    [Fact]
    public void RejectsAContextLongerThanTheCheckpoints()
    {
        var error = Assert.Throws<ModelLoadException>(() => Stories260KLongContext.Load(Checkpoint));

        Assert.Contains("seq_len is 512, shorter than the model's declared Context 1024", error.Message);
    }

    [Fact]
    public void RejectsAMissingFile()
    {
        string path = Path.Combine(folder, "absent.bin");

        var error = Assert.Throws<ModelLoadException>(() => Stories260KModel.Load(path));

        Assert.Contains("not found", error.Message);
        Assert.Contains(path, error.Message);
    }

    private string Write(string name, ReadOnlySpan<byte> bytes)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }
}
