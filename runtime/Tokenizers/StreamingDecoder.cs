using System;
using System.Collections.Generic;
using System.Text;

namespace Codegen.Tokenizers;

/// <summary>
/// Decodes tokens one at a time into text, holding back the bytes of a character that later
/// tokens complete, so printed output never shows U+FFFD for a character split across tokens.
/// </summary>
/// <example>
/// <code>
/// var stream = new StreamingDecoder(tokenizer, previousToken: prompt[^1]);
/// foreach (int token in generated) Console.Write(stream.Append(token));
/// Console.Write(stream.Flush());
/// </code>
/// </example>
public sealed class StreamingDecoder
{
    private readonly ITokenizer _tokenizer;
    private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();
    private int _previous;

    /// <summary>Starts a stream whose first token follows <paramref name="previousToken"/> (-1 for none).</summary>
    public StreamingDecoder(ITokenizer tokenizer, int previousToken = -1)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _previous = previousToken;
    }

    /// <summary>The text that <paramref name="token"/> completes: empty while a character is unfinished.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is not in the vocabulary.</exception>
    public string Append(int token)
    {
        ReadOnlySpan<byte> bytes = _tokenizer.DecodeBytes(_previous, token);
        _previous = token;
        return Convert(bytes, flush: false);
    }

    /// <summary>Ends the stream: the bytes of an unfinished character come out as U+FFFD.</summary>
    public string Flush() => Convert(ReadOnlySpan<byte>.Empty, flush: true);

    /// <summary>The text of a token sequence with split characters joined, for <see cref="ITokenizer.Decode(IEnumerable{int})"/>.</summary>
    internal static string DecodeAll(ITokenizer tokenizer, IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var stream = new StreamingDecoder(tokenizer);
        var text = new StringBuilder();
        foreach (int token in tokens)
        {
            text.Append(stream.Append(token));
        }

        return text.Append(stream.Flush()).ToString();
    }

    private string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        // The decoder keeps the bytes of an unfinished character until a later call completes it.
        char[] chars = new char[_utf8.GetCharCount(bytes, flush)];
        int written = _utf8.GetChars(bytes, chars, flush);
        return new string(chars, 0, written);
    }
}
