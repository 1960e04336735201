using System;
using System.Globalization;

namespace Codegen.Tokenizers;

/// <summary>
/// SentencePiece's byte tokens <c>&lt;0xHH&gt;</c>: the tokens a byte-fallback vocabulary writes a
/// character with when it has no token for it, one per UTF-8 byte.
/// </summary>
internal static class ByteFallbackTokens
{
    /// <summary>The byte token's text for <paramref name="value"/>, such as <c>&lt;0x0A&gt;</c>.</summary>
    public static string Name(int value) => $"<0x{value:X2}>";

    /// <summary>Whether <paramref name="text"/> is <c>&lt;0xHH&gt;</c> with two hex digits.</summary>
    public static bool TryParse(string text, out byte value)
    {
        value = 0;
        return text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal) && text[5] == '>'
            && byte.TryParse(text.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
