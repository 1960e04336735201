namespace Codegen.Tokenizers;

/// <summary>Choices for <see cref="HuggingFaceTokenizer.Load(string, HuggingFaceTokenizerOptions)"/>.</summary>
public sealed class HuggingFaceTokenizerOptions
{
    /// <summary>
    /// Whether special added tokens written in the text (<c>&lt;s&gt;</c>, <c>&lt;|user|&gt;</c>) are
    /// those tokens, as Hugging Face's <c>tokenizer.encode</c> does (the default, true). False treats
    /// their names as plain text, as <see cref="ITokenizer.Encode"/>'s documentation asks for untrusted
    /// text; non-special added tokens are matched either way.
    /// </summary>
    public bool MatchSpecialTokensInText { get; init; } = true;
}
