using System;
using System.Collections.Generic;

namespace Codegen.Tokenizers;

/// <summary>
/// Turns text into token ids and back, for one model's vocabulary.
/// </summary>
/// <remarks>
/// A token's text is a run of UTF-8 bytes that can end in the middle of a character (byte-fallback
/// and byte-level vocabularies split characters across tokens). <see cref="Decode(IEnumerable{int})"/>
/// and <see cref="StreamingDecoder"/> join those bytes before turning them into text; the
/// single-token <see cref="Decode(int, int)"/> cannot, and gives U+FFFD for a partial character.
/// Control tokens (<see cref="BosToken"/>, <see cref="EosToken"/>) decode to no text.
/// </remarks>
public interface ITokenizer
{
    /// <summary>The number of token ids, as the model's embedding table has rows: ids are 0 to this less one.</summary>
    int VocabularySize { get; }

    /// <summary>The beginning-of-sequence token that <see cref="Encode"/> puts first when asked, or -1 if there is none.</summary>
    int BosToken { get; }

    /// <summary>The end-of-sequence token, or -1 if there is none.</summary>
    int EosToken { get; }

    /// <summary>The tokens that end generation when the model produces them.</summary>
    IReadOnlyList<int> StopTokens { get; }

    /// <summary>Splits <paramref name="text"/> into token ids.</summary>
    /// <param name="text">
    /// The text; any special-token names in it are plain text, not control tokens. Exception:
    /// <see cref="HuggingFaceBpeTokenizer"/> matches added tokens in the text as Hugging Face does, unless
    /// <see cref="HuggingFaceTokenizerOptions.MatchSpecialTokensInText"/> is false.
    /// </param>
    /// <param name="addBos">Whether to put <see cref="BosToken"/> first (nothing is added when there is none).</param>
    int[] Encode(string text, bool addBos);

    /// <summary>
    /// The UTF-8 bytes of one token's text, given the token before it (-1 for none): possibly part
    /// of a character that the next tokens complete. Empty for control tokens.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is not in the vocabulary.</exception>
    ReadOnlySpan<byte> DecodeBytes(int previousToken, int token);

    /// <summary>
    /// The text of one token, given the token before it (-1 for none), for printing tokens as they
    /// come. A token holding only part of a multi-byte character gives U+FFFD; use
    /// <see cref="StreamingDecoder"/> to print such text correctly.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is not in the vocabulary.</exception>
    string Decode(int previousToken, int token);

    /// <summary>
    /// The text of a token sequence: each token decoded after the one before it (the first after
    /// none), with characters split across tokens joined.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token is not in the vocabulary.</exception>
    string Decode(IEnumerable<int> tokens);
}
