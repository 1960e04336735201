using System;
using System.IO;
using System.Text;
using Codegen.Formats;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// JSON that parses but holds a string that is not text (invalid UTF-8, a lone surrogate escape) is a
/// ModelLoadException naming the file and where, for every JSON file the runtime reads, whichever field holds it.
/// </summary>
public sealed class JsonStringsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("codegen-json-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Invalid UTF-8, a truncated and an overlong sequence; lone high, lone low and reversed surrogate escapes.</summary>
    public static TheoryData<string> BadStrings => new()
    {
        "\"a\xFF\"",
        "\"\xC3\"",
        "\"\xC0\xAF\"",
        "\"\\ud800\"",
        "\"a\\udc00b\"",
        "\"\\udc00\\ud800\"",
    };

    [Theory]
    [MemberData(nameof(BadStrings))]
    public void AConfigWithAStringThatIsNotTextIsRefused(string badString)
    {
        foreach (string field in new[] { "model_type", "activation_function", "layer_norm_epsilon", "some_unread_field" })
        {
            string path = Write("config.json", $"{{\"model_type\": \"gpt2\", \"n_embd\": 4, \"{field}\": {badString}}}");

            var error = Assert.Throws<ModelLoadException>(() => HuggingFaceConfig.Load(path));

            Assert.Equal(path, error.FilePath);
            Assert.Matches("byte [0-9]+ \\(line 1\\)", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(BadStrings))]
    public void AConfigKeyThatIsNotTextIsRefused(string badString)
    {
        string path = Write("config.json", $"{{\"model_type\": \"gpt2\", {badString}: 4}}");

        var error = Assert.Throws<ModelLoadException>(() => HuggingFaceConfig.Load(path));

        Assert.Equal(path, error.FilePath);
    }

    [Theory]
    [MemberData(nameof(BadStrings))]
    public void AVocabularyWithAKeyOrIdThatIsNotTextIsRefused(string badString)
    {
        string merges = Write("merges.txt", "#version: 0.2\n");
        foreach (string json in new[] { $"{{\"a\": 0, {badString}: 1}}", $"{{\"a\": 0, \"b\": {badString}}}" })
        {
            string vocabulary = Write("vocab.json", json);

            var error = Assert.Throws<ModelLoadException>(() => Gpt2Tokenizer.Load(vocabulary, merges));

            Assert.Equal(vocabulary, error.FilePath);
        }
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        return path;
    }
}
