using System;
using System.IO;
using System.Text;
using System.Text.Json.Nodes;
using Codegen.Tests.Formats;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// Malformed and unsupported tokenizer.json / tokenizer_config.json files give a <see cref="ModelLoadException"/>
/// naming the file, the JSON path and the value: each case changes one field of the tiny GPT-2's real
/// tokenizer.json (or Llama 2's config) in a temporary folder.
/// </summary>
public sealed class HuggingFaceTokenizerLoadErrorTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static JsonObject Gpt2Tiny() =>
        JsonNode.Parse(File.ReadAllText(TestModels.Path("gpt2-tiny", "tokenizer.json")))!.AsObject();

    /// <summary>Writes <paramref name="json"/> as tokenizer.json, loads it and returns the error.</summary>
    private ModelLoadException LoadError(JsonObject json, string? config = null)
    {
        string path = _folder.Write("tokenizer.json", json.ToJsonString());
        if (config is not null)
        {
            _folder.Write("tokenizer_config.json", config);
        }

        var error = Assert.Throws<ModelLoadException>(() => HuggingFaceTokenizer.Load(_folder.FullPath));
        Assert.EndsWith(config is null ? "tokenizer.json" : "tokenizer_config.json", error.FilePath);
        return error;
    }

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    [InlineData("WordLevel")]
    public void OtherModelTypesAreRefused(string type)
    {
        JsonObject json = Gpt2Tiny();
        json["model"]!["type"] = type;

        ModelLoadException error = LoadError(json);

        Assert.Contains($"'model.type' = \"{type}\"", error.Message);
        Assert.Contains("does not support", error.Message);
    }

    [Theory]
    [InlineData("normalizer", """{"type": "Lowercase"}""", "'normalizer.type' = \"Lowercase\"")]
    [InlineData("normalizer", """{"type": "Replace", "pattern": {"Regex": " +"}, "content": " "}""", "'normalizer.pattern' = {\"Regex\"")]
    [InlineData("pre_tokenizer", """{"type": "Whitespace"}""", "'pre_tokenizer.type' = \"Whitespace\"")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "\\w+"}, "behavior": "Isolated", "invert": false}""", "'pre_tokenizer.pattern.Regex' = \"\\w+\" is a regex this runtime cannot run")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithNext", "invert": false}""", "'pre_tokenizer.behavior' = \"MergedWithNext\"")]
    [InlineData("pre_tokenizer", """{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Metaspace"}]}""", "'pre_tokenizer.pretokenizers[1].type' = \"Metaspace\" comes after a ByteLevel")]
    [InlineData("decoder", """{"type": "WordPiece", "prefix": "##"}""", "'decoder.type' = \"WordPiece\"")]
    [InlineData("decoder", """{"type": "Sequence", "decoders": [{"type": "Strip", "content": " ", "start": 2, "stop": 0}]}""", "'decoder.decoders[0]'")]
    [InlineData("post_processor", """{"type": "Bogus"}""", "'post_processor.type' = \"Bogus\"")]
    [InlineData("post_processor", """{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<x>", "type_id": 0}}], "special_tokens": {}}""", "'post_processor.single[0].SpecialToken.id' = \"<x>\" is not a key")]
    public void UnsupportedPartsAreRefused(string field, string value, string expected)
    {
        JsonObject json = Gpt2Tiny();
        json[field] = JsonNode.Parse(value);

        Assert.Contains(expected, LoadError(json).Message);
    }

    [Theory]
    [InlineData("dropout", "0.1", "'model.dropout' = 0.1")]
    [InlineData("byte_fallback", "\"yes\"", "'model.byte_fallback' = \"yes\" is a JSON String, expected true or false")]
    [InlineData("unk_token", "\"<nope>\"", "'model.unk_token' = \"<nope>\" is not a token")]
    [InlineData("continuing_subword_prefix", "\"##\"", "'model.continuing_subword_prefix' = \"##\" is not supported")]
    [InlineData("vocab", "[]", "'model.vocab' = [] is a JSON Array, expected an object")]
    [InlineData("merges", "{}", "'model.merges' = {} is a JSON Object, expected an array")]
    public void MalformedModelFieldsAreNamed(string field, string value, string expected)
    {
        JsonObject json = Gpt2Tiny();
        json["model"]![field] = JsonNode.Parse(value);

        Assert.Contains(expected, LoadError(json).Message);
    }

    [Fact]
    public void DuplicateAndOutOfRangeIdsAreRefused()
    {
        JsonObject duplicate = Gpt2Tiny();
        duplicate["model"]!["vocab"]!["Ġt"] = 5;
        Assert.Contains("is also the id of", LoadError(duplicate).Message);

        JsonObject outOfRange = Gpt2Tiny();
        outOfRange["model"]!["vocab"]!["Ġt"] = 100000;
        Assert.Contains("'model.vocab.Ġt' = 100000 is out of range", LoadError(outOfRange).Message);

        JsonObject negative = Gpt2Tiny();
        negative["added_tokens"]![0]!["id"] = -1;
        Assert.Contains("'added_tokens[0].id' = -1 is not a non-negative 32-bit integer", LoadError(negative).Message);

        JsonObject gap = Gpt2Tiny();
        gap["added_tokens"]!.AsArray().Add(JsonNode.Parse("""{"id": 1001, "content": "<x>", "special": true}"""));
        Assert.Contains("leaves id 1000 without a token", LoadError(gap).Message);

        JsonObject huge = Gpt2Tiny();
        huge["added_tokens"]![0]!["id"] = int.MaxValue;
        Assert.Contains("'added_tokens[0].id' = 2147483647 is out of range", LoadError(huge).Message);
    }

    [Fact]
    public void BadMergesAreNamed()
    {
        JsonObject unknown = Gpt2Tiny();
        unknown["model"]!["merges"]![3] = "zzq qqz";
        Assert.Contains("'model.merges[3]' = \"zzq qqz\"", LoadError(unknown).Message);

        JsonObject repeated = Gpt2Tiny();
        repeated["model"]!["merges"]![1] = repeated["model"]!["merges"]![0]!.GetValue<string>();
        Assert.Contains("'model.merges[1]'", LoadError(repeated).Message);
        Assert.Contains("repeats an earlier merge", LoadError(repeated).Message);

        JsonObject wrongType = Gpt2Tiny();
        wrongType["model"]!["merges"]![0] = 5;
        Assert.Contains("'model.merges[0]' = 5 is a JSON Number, expected a string", LoadError(wrongType).Message);
    }

    [Fact]
    public void AModelWithoutTypeIsBpeWhenItHasMerges()
    {
        JsonObject json = Gpt2Tiny();
        json["model"]!.AsObject().Remove("type");
        string path = _folder.Write("tokenizer.json", json.ToJsonString());
        Assert.Equal(
            HuggingFaceTokenizer.Load(TestModels.Path("gpt2-tiny")).Encode("Hello world", addBos: true),
            HuggingFaceTokenizer.Load(path).Encode("Hello world", addBos: true));

        json["model"]!.AsObject().Remove("merges");
        Assert.Contains("'model.type' is missing and the model is not BPE", LoadError(json).Message);
    }

    [Fact]
    public void MissingModelIsNamed()
    {
        JsonObject json = Gpt2Tiny();
        json.Remove("model");

        Assert.Contains("'model' is missing", LoadError(json).Message);
    }

    [Fact]
    public void CutShortAndNonUtf8FilesAreRefused()
    {
        string text = File.ReadAllText(TestModels.Path("gpt2-tiny", "tokenizer.json"));
        _folder.Write("tokenizer.json", text[..(text.Length / 2)]);
        var cut = Assert.Throws<ModelLoadException>(() => HuggingFaceTokenizer.Load(_folder.FullPath));
        Assert.Contains("not valid JSON", cut.Message);

        byte[] bytes = Encoding.UTF8.GetBytes(text.Replace("<|endoftext|>", "<|endof\u00fftext|>"));
        int at = Array.IndexOf(bytes, (byte)0xC3);
        bytes[at] = 0xFF;
        _folder.Write("tokenizer.json", bytes);
        var invalid = Assert.Throws<ModelLoadException>(() => HuggingFaceTokenizer.Load(_folder.FullPath));
        Assert.Contains("not valid UTF-8", invalid.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var error = Assert.Throws<ModelLoadException>(() => HuggingFaceTokenizer.Load(_folder.FullPath));

        Assert.Equal(Path.Combine(_folder.FullPath, "tokenizer.json"), error.FilePath);
        Assert.Contains("not found", error.Message);
    }

    [Theory]
    [InlineData("""{"bos_token": "<nope>"}""", "'bos_token' = \"<nope>\" is not a token")]
    [InlineData("""{"eos_token": {"content": 5}}""", "'eos_token.content' = 5 is a JSON Number, expected a string")]
    [InlineData("""{"eos_token": 7}""", "'eos_token' = 7 is neither")]
    [InlineData("""{"add_bos_token": "yes"}""", "'add_bos_token' = \"yes\" is a JSON String, expected true or false")]
    [InlineData("""[1, 2]""", "'(root)' = [1, 2] is a JSON Array, expected an object")]
    public void BadConfigValuesAreNamed(string config, string expected)
    {
        Assert.Contains(expected, LoadError(Gpt2Tiny(), config).Message);
    }
}
