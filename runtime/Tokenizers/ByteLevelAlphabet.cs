namespace Codegen.Tokenizers;

/// <summary>
/// GPT-2's byte-level alphabet (<c>bytes_to_unicode</c> in its encoder.py): each of the 256 bytes
/// is written as one printable character, so that vocab.json and merges.txt hold bytes as text.
/// Printable Latin-1 bytes stand for themselves; the others map, in order, to U+0100 and up.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly short[] ByteOfChar = CreateByteOfChar();
    private static readonly char[] CharOfByte = CreateCharOfByte();

    /// <summary>The character that stands for <paramref name="value"/>.</summary>
    public static char CharOf(byte value) => CharOfByte[value];

    /// <summary>The byte that <paramref name="c"/> stands for, or false when it is not in the alphabet.</summary>
    public static bool TryGetByte(char c, out byte value)
    {
        value = 0;
        if (c >= ByteOfChar.Length || ByteOfChar[c] < 0)
        {
            return false;
        }

        value = (byte)ByteOfChar[c];
        return true;
    }

    /// <summary>
    /// The bytes a byte-level token's text stands for; a text with a character outside the alphabet
    /// (an added or user-defined token such as <c>&lt;|endoftext|&gt;</c> written as it is) gives its UTF-8 bytes.
    /// </summary>
    public static byte[] BytesOrUtf8(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!TryGetByte(text[i], out bytes[i]))
            {
                return System.Text.Encoding.UTF8.GetBytes(text);
            }
        }

        return bytes;
    }

    /// <summary>The token of each byte on its own (its one-character name in <paramref name="ids"/>), or -1 where there is none.</summary>
    public static int[] TokenOfEachByte(System.Collections.Generic.IReadOnlyDictionary<string, int> ids)
    {
        var tokenOfByte = new int[256];
        for (int b = 0; b < tokenOfByte.Length; b++)
        {
            tokenOfByte[b] = ids.TryGetValue(CharOf((byte)b).ToString(), out int id) ? id : -1;
        }

        return tokenOfByte;
    }

    private static short[] CreateByteOfChar()
    {
        var byteOfChar = new short[0x100 + 0x100];
        System.Array.Fill(byteOfChar, (short)-1);
        int next = 0x100;
        for (int b = 0; b < 0x100; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            byteOfChar[printable ? b : next++] = (short)b;
        }

        return byteOfChar;
    }

    private static char[] CreateCharOfByte()
    {
        var charOfByte = new char[0x100];
        for (int c = 0; c < ByteOfChar.Length; c++)
        {
            if (ByteOfChar[c] >= 0)
            {
                charOfByte[ByteOfChar[c]] = (char)c;
            }
        }

        return charOfByte;
    }
}
