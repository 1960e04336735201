using System;
using System.IO;
using System.Text.Json.Nodes;
using Codegen.Formats;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// A config.json whose <c>tie_word_embeddings</c> disagrees with the declared <c>TiedEmbeddings</c> is
/// refused by the generated safetensors loader, naming the field, the file's value and the declaration.
/// </summary>
public sealed class TiedEmbeddingsConfigTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void RefusesAnUntiedConfigForATiedDeclaration()
    {
        string weights = WriteFolder(tieWordEmbeddings: false, withClassifier: false);

        var error = Assert.Throws<ModelLoadException>(() => Gpt2Tiny.Load(weights));

        Assert.Equal(Path.Combine(directory.FullPath, "config.json"), error.FilePath);
        Assert.Contains("tie_word_embeddings is false, but the model declares TiedEmbeddings = true", error.Message);
    }

    [Fact]
    public void RefusesATiedConfigForAnUntiedDeclaration()
    {
        // The weights hold lm_head.weight, which transformers would ignore in favour of wte: refuse, do not pick one.
        string weights = WriteFolder(tieWordEmbeddings: true, withClassifier: true);

        var error = Assert.Throws<ModelLoadException>(() => Gpt2TinyUntied.Load(weights));

        Assert.Contains("tie_word_embeddings is true, but the model declares TiedEmbeddings = false", error.Message);
    }

    [Fact]
    public void LoadsAnUntiedConfigForAnUntiedDeclaration()
    {
        string weights = WriteFolder(tieWordEmbeddings: false, withClassifier: true);

        Gpt2TinyUntied model = Gpt2TinyUntied.Load(weights);

        Assert.Equal("unembedding", model.Weights.Unembedding.Name);
    }

    [Fact]
    public void CheckGpt2NamesAConfigWithoutTheFieldAsTied()
    {
        string path = directory.Write("config.json", """{"n_embd": 32, "n_head": 4, "n_layer": 5, "vocab_size": 1000, "n_positions": 512}""");
        HuggingFaceConfig config = HuggingFaceConfig.Load(path);

        var error = Assert.Throws<ModelLoadException>(() =>
            config.CheckGpt2(dModel: 32, heads: 4, layers: 5, vocab: 1000, context: 512, ffnDim: 128, normEpsilon: 1e-5, tiedEmbeddings: false));

        Assert.Contains("tie_word_embeddings is true (absent, so transformers' default)", error.Message);
    }

    /// <summary>
    /// Writes the real gpt2-tiny config with <paramref name="tieWordEmbeddings"/> set, and its weights
    /// (plus a copy of wte as lm_head.weight when <paramref name="withClassifier"/>) to the test folder.
    /// </summary>
    private string WriteFolder(bool tieWordEmbeddings, bool withClassifier)
    {
        JsonObject config = JsonNode.Parse(File.ReadAllText(TestModels.Path("gpt2-tiny", "config.json")))!.AsObject();
        config["tie_word_embeddings"] = tieWordEmbeddings;
        directory.Write("config.json", config.ToJsonString());

        var builder = new SafetensorsBuilder();
        using (SafetensorsFile source = SafetensorsFile.Open(TestModels.Path("gpt2-tiny", "model.safetensors")))
        {
            foreach ((string name, SafetensorsTensorInfo info) in source.Tensors)
            {
                var values = new float[info.ElementCount];
                source.ReadFloat32(name, values);
                builder.AddF32(name, Array.ConvertAll(info.Shape, d => (long)d), values);
                if (withClassifier && name.EndsWith("wte.weight", StringComparison.Ordinal))
                {
                    builder.AddF32("lm_head.weight", Array.ConvertAll(info.Shape, d => (long)d), values);
                }
            }
        }

        return directory.Write("model.safetensors", builder.Build());
    }
}
