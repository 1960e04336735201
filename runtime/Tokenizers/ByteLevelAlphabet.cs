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
