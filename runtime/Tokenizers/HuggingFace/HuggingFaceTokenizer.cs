using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Codegen.Tokenizers;

/// <summary>
/// Reads a Hugging Face tokenizer: <c>tokenizer.json</c>, and <c>tokenizer_config.json</c> beside it
/// when there is one. Supported are the BPE tokenizers of Llama-family models: byte-level BPE (GPT-2,
/// Llama 3, Qwen2, SmolLM) and SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama,
/// Mistral, Phi-3); see <see cref="HuggingFaceBpeTokenizer"/> for how they encode and decode.
/// </summary>
/// <remarks>
/// Everything the loader does not support (another model type such as Unigram or WordPiece, a
/// normalizer, pre-tokenizer, decoder or post-processor it does not know, a regex it cannot run) is
/// refused, as are malformed files; each is a <see cref="ModelLoadException"/> naming the file, the
/// JSON path and the value. From tokenizer_config.json: <c>bos_token</c>/<c>eos_token</c> choose
/// <see cref="ITokenizer.BosToken"/>/<see cref="ITokenizer.EosToken"/>; <c>add_bos_token</c>/
/// <c>add_eos_token</c>, when present, decide whether <see cref="ITokenizer.Encode"/> with
/// <c>addBos</c> puts BOS first and EOS last in place of the post-processor's template (as
/// transformers' LlamaTokenizerFast does).
/// </remarks>
public static class HuggingFaceTokenizer
{
    /// <summary>The added tokens that end a turn in chat models, stop tokens besides EOS when they are special.</summary>
    private static readonly string[] EndOfTurnTokens =
        { "<|end|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|endoftext|>", "<|end_of_text|>", "<end_of_turn>" };

    /// <summary>Reads the tokenizer at <paramref name="path"/>: a folder holding tokenizer.json, or the tokenizer.json file itself.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or blank.</exception>
    /// <exception cref="ModelLoadException">A file is missing, malformed or declares something unsupported; see the remarks.</exception>
    public static ITokenizer Load(string path) => Load(path, new HuggingFaceTokenizerOptions());

    /// <summary>Reads the tokenizer at <paramref name="path"/> with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or blank.</exception>
    /// <exception cref="ModelLoadException">As <see cref="Load(string)"/>.</exception>
    public static HuggingFaceBpeTokenizer Load(string path, HuggingFaceTokenizerOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(options);
        string tokenizerPath = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerPath)) ?? ".", "tokenizer_config.json");

        // The config's document lives until the end, for messages that quote its values.
        using JsonDocument? configDocument = File.Exists(configPath) ? JsonTokenizerFile.Parse(configPath, "tokenizer_config.json") : null;
        TokenizerConfigJson config = configDocument is null
            ? TokenizerConfigJson.Empty
            : TokenizerConfigJson.Read(new JsonField(configPath, "", configDocument.RootElement));
        using JsonDocument document = JsonTokenizerFile.Parse(tokenizerPath, "tokenizer.json");
        return Read(new JsonField(tokenizerPath, "", document.RootElement), config, options);
    }

    private static HuggingFaceBpeTokenizer Read(JsonField root, TokenizerConfigJson config, HuggingFaceTokenizerOptions options)
    {
        BpeModelJson model = BpeModelJson.Read(root.Required("model"));
        List<AddedToken> added = AddedToken.ReadAll(root.Optional("added_tokens"));
        TextNormalizer? normalizer = TextNormalizer.Read(root.Optional("normalizer"));
        PreTokenizerPipeline preTokenizer = PreTokenizerPipeline.Read(root.Optional("pre_tokenizer"));
        TokenDecoding decoding = TokenDecoding.Read(root.Optional("decoder"));

        string[] texts = TokenTexts(root, model, added, out bool[] isAdded);
        var idsByText = new Dictionary<string, int>(model.Ids, StringComparer.Ordinal);
        foreach (AddedToken token in added)
        {
            idsByText[token.Content] = token.Id;
        }

        var specialIds = added.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        var bytes = new byte[texts.Length][];
        for (int id = 0; id < texts.Length; id++)
        {
            bytes[id] = isAdded[id] ? (specialIds.Contains(id) ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(texts[id])) : decoding.Bytes(texts[id]);
        }

        SpecialTokenTemplate template = SpecialTokenTemplate.Read(root.Optional("post_processor"), texts.Length);
        int bos = config.BosToken is string bosText ? IdOf(bosText, idsByText, config.BosNode!.Value)
            : template.Prefix.Length > 0 ? template.Prefix[0] : -1;
        int eos = config.EosToken is string eosText ? IdOf(eosText, idsByText, config.EosNode!.Value) : -1;
        template = ApplyConfigFlags(template, config, bos, eos);

        var stops = new List<int>();
        if (eos >= 0)
        {
            stops.Add(eos);
        }

        stops.AddRange(added.Where(t => t.Special && EndOfTurnTokens.Contains(t.Content) && t.Id != eos).Select(t => t.Id));
        var words = new BpeWordEncoder(model, idsByText, preTokenizer.ByteLevel);
        return new HuggingFaceBpeTokenizer(new HuggingFaceTokenizerParts(
            options, added, normalizer, preTokenizer, words, decoding, bytes, isAdded, template, bos, eos, stops.ToArray()));
    }

    /// <summary>The text of every id: the model's tokens, then the added tokens (which win where they share an id); no id may be left without one.</summary>
    private static string[] TokenTexts(JsonField root, BpeModelJson model, List<AddedToken> added, out bool[] isAdded)
    {
        // Without gaps, ids end before the model's tokens and the added ones together.
        for (int i = 0; i < added.Count; i++)
        {
            if (added[i].Id >= model.Tokens.Length + added.Count)
            {
                throw new ModelLoadException(root.File,
                    $"'added_tokens[{i}].id' = {added[i].Id} is out of range: {model.Tokens.Length} model tokens and {added.Count} added tokens need ids below {model.Tokens.Length + added.Count}");
            }
        }

        int size = Math.Max(model.Tokens.Length, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        var texts = new string[size];
        isAdded = new bool[size];
        model.Tokens.CopyTo(texts, 0);
        foreach (AddedToken token in added)
        {
            texts[token.Id] = token.Content;
            isAdded[token.Id] = true;
        }

        int missing = Array.IndexOf(texts, null);
        if (missing >= 0)
        {
            throw root.Required("added_tokens").Fail(
                $"leaves id {missing} without a token: the model has ids 0 to {model.Tokens.Length - 1} and the added tokens must follow without gaps (up to {size - 1})");
        }

        return texts;
    }

    private static int IdOf(string text, Dictionary<string, int> idsByText, JsonField node) =>
        idsByText.TryGetValue(text, out int id) ? id : throw node.Fail("is not a token of tokenizer.json (neither an added token nor in the model's vocabulary)");

    /// <summary>tokenizer_config.json's <c>add_bos_token</c>/<c>add_eos_token</c>, when present, replace the template's first/last tokens.</summary>
    private static SpecialTokenTemplate ApplyConfigFlags(SpecialTokenTemplate template, TokenizerConfigJson config, int bos, int eos)
    {
        int[] prefix = config.AddBos is bool addBos ? (addBos && bos >= 0 ? new[] { bos } : Array.Empty<int>()) : template.Prefix;
        int[] suffix = config.AddEos is bool addEos ? (addEos && eos >= 0 ? new[] { eos } : Array.Empty<int>()) : template.Suffix;
        return new SpecialTokenTemplate(prefix, suffix);
    }
}
