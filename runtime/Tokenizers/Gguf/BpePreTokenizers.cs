using System.Text.RegularExpressions;

namespace Codegen.Tokenizers;

/// <summary>
/// The pre-tokenizers that <c>tokenizer.ggml.pre</c> names: the pattern that splits text into
/// words before byte-level BPE merges each, and whether a word that is a token on its own skips
/// merging (llama.cpp's <c>ignore_merges</c>, set for Llama 3).
/// </summary>
internal static partial class BpePreTokenizers
{
    /// <summary>The pattern and merge rule for <paramref name="name"/>, or false for a name this runtime does not know.</summary>
    public static bool TryGet(string name, out Regex pattern, out bool wholeWordTokens)
    {
        switch (name)
        {
            case "gpt-2":
                pattern = Gpt2Pattern();
                wholeWordTokens = false;
                return true;
            case "llama-bpe" or "llama3" or "llama-v3":
                pattern = Llama3Pattern();
                wholeWordTokens = true;
                return true;
            case "qwen2":
                pattern = Qwen2Pattern();
                wholeWordTokens = false;
                return true;
            default:
                pattern = null!;
                wholeWordTokens = false;
                return false;
        }
    }

    /// <summary>
    /// The pattern of a tokenizer.json <c>Split</c> pre-tokenizer's <c>Regex</c>, when it is one of the
    /// patterns written here by hand for .NET (Oniguruma's <c>(?i:...)</c> and code-point classes do not
    /// carry over as they are): GPT-2's, Llama 3's or Qwen2's, character for character.
    /// </summary>
    public static bool TryGetByRegex(string regex, out Regex pattern)
    {
        pattern = regex switch
        {
            Gpt2Source => Gpt2Pattern(),
            Llama3Source => Llama3Pattern(),
            Qwen2Source => Qwen2Pattern(),
            _ => null!,
        };
        return pattern is not null;
    }

    /// <summary>The regexes <see cref="TryGetByRegex"/> knows, for messages.</summary>
    public const string KnownRegexes = "GPT-2's, Llama 3's and Qwen2's pre-tokenizer patterns";

    private const string Gpt2Source = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
    private const string Llama3Source = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Qwen2Source = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2's pattern, for a ByteLevel pre-tokenizer with <c>use_regex</c>.</summary>
    public static Regex Gpt2 => Gpt2Pattern();

    /// <summary>The names <see cref="TryGet"/> knows, for messages.</summary>
    public const string KnownNames = "\"gpt-2\", \"llama-bpe\" (also \"llama3\", \"llama-v3\"), \"qwen2\"";

    /// <summary>GPT-2's pattern: contractions, letters, digits, other symbols, whitespace.</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Pattern();

    /// <summary>
    /// Llama 3's pattern: contractions in any case, letters with one leading non-letter, digits in
    /// threes, symbols with trailing line breaks, line breaks with the whitespace before them, whitespace.
    /// </summary>
    [GeneratedRegex(@"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex Llama3Pattern();

    /// <summary>Qwen2's pattern: Llama 3's with single digits.</summary>
    [GeneratedRegex(@"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex Qwen2Pattern();
}
