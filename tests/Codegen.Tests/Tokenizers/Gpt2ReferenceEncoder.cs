using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// GPT-2's encoding as <see cref="Codegen.Tokenizers.Gpt2Tokenizer"/> did it before its own merge
/// loop: Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, byte-level, with GPT-2's
/// pre-tokenizing pattern. Quadratic in the length of a pre-token; kept only to compare with.
/// </summary>
internal sealed class Gpt2ReferenceEncoder
{
    private readonly BpeTokenizer _bpe;

    public Gpt2ReferenceEncoder(string vocabularyPath, string mergesPath)
    {
        Dictionary<string, int> vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabularyPath))!;
        List<string> merges = File.ReadAllLines(mergesPath)
            .Where((line, i) => line.Length > 0 && !(i == 0 && line.StartsWith("#version")))
            .ToList();
        var pattern = new Regex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled);
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(pattern, specialTokens: null),
        });
    }

    public int[] Encode(string text) => _bpe.EncodeToIds(text).ToArray();
}
