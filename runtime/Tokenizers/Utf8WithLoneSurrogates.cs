using System;

namespace Codegen.Tokenizers;

/// <summary>
/// UTF-8 that writes a lone surrogate (a UTF-16 half with no partner) as the three bytes of its own
/// code unit instead of as U+FFFD, the way Microsoft.ML.Tokenizers' byte-level BPE did it, so
/// GPT-2 ids of such text stay what they were.
/// </summary>
internal static class Utf8WithLoneSurrogates
{
    /// <summary>The most bytes <paramref name="length"/> UTF-16 code units can take.</summary>
    public static int MaxByteCount(int length) => 3 * length;

    /// <summary>Writes <paramref name="text"/> into <paramref name="bytes"/>; returns the number of bytes written.</summary>
    public static int GetBytes(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        int written = 0;
        for (int i = 0; i < text.Length; i++)
        {
            int codePoint = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            if (codePoint < 0x80)
            {
                bytes[written++] = (byte)codePoint;
            }
            else if (codePoint < 0x800)
            {
                bytes[written++] = (byte)(0xC0 | (codePoint >> 6));
                bytes[written++] = (byte)(0x80 | (codePoint & 0x3F));
            }
            else if (codePoint < 0x10000)
            {
                bytes[written++] = (byte)(0xE0 | (codePoint >> 12));
                bytes[written++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                bytes[written++] = (byte)(0x80 | (codePoint & 0x3F));
            }
            else
            {
                bytes[written++] = (byte)(0xF0 | (codePoint >> 18));
                bytes[written++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                bytes[written++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                bytes[written++] = (byte)(0x80 | (codePoint & 0x3F));
            }
        }

        return written;
    }
}
