using Codegen.Tokenizers;

namespace Codegen.Tests.Fuzzing;

/// <summary>One use of a freshly loaded tokenizer: encode a short text with letters, digits, punctuation, accents and an emoji, then decode it.</summary>
internal static class TokenizerUse
{
    public const string Text = "Once upon a time, Tim's dog ran 3 km! ünïcödé 😀\n";

    /// <summary>Null when the round trip runs; a description when it gives out-of-range ids.</summary>
    public static string? EncodeAndDecode(ITokenizer tokenizer)
    {
        int[] ids = tokenizer.Encode(Text, addBos: true);
        foreach (int id in ids)
        {
            if (id < 0 || id >= tokenizer.VocabularySize)
            {
                return $"the load succeeded, but encoding gives id {id}, outside the vocabulary of {tokenizer.VocabularySize}";
            }
        }

        _ = tokenizer.Decode(ids);
        return null;
    }
}
