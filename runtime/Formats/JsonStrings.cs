using System;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Codegen.Formats;

/// <summary>
/// The check System.Text.Json leaves for later: a JSON file can parse and still hold a string that cannot become
/// a .NET string (invalid UTF-8 bytes, or an escape of a lone surrogate such as <c>"\ud800"</c>); reading that
/// string then throws <see cref="InvalidOperationException"/>, wherever the reader happens to read it. The JSON
/// readers run this once after parsing, so such a file is a <see cref="ModelLoadException"/> that says where.
/// </summary>
internal static class JsonStrings
{
    /// <summary>Throws unless every byte is UTF-8 and every escaped string and property name reads as a string.</summary>
    /// <param name="path">The file, for the error.</param>
    /// <param name="json">The whole file, already parsed once as JSON.</param>
    public static void RequireReadable(string path, ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            int offset = OffsetOfInvalidUtf8(json);
            throw new ModelLoadException(path,
                $"byte {offset} (line {LineOf(json, offset)}) is not valid UTF-8 (0x{json[offset]:X2}); a JSON file must be UTF-8 text");
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    ReadEscaped(path, json, ref reader);
                }
            }
        }
        catch (JsonException e)
        {
            // Parsed once already, so this is not expected; still a file error, not a crash.
            throw new ModelLoadException(path, $"not valid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
    }

    private static void ReadEscaped(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        try
        {
            _ = reader.GetString();
        }
        catch (InvalidOperationException e)
        {
            int offset = (int)reader.TokenStartIndex;
            string what = reader.TokenType == JsonTokenType.PropertyName ? "the key" : "the string";
            throw new ModelLoadException(path,
                $"{what} at byte {offset} (line {LineOf(json, offset)}) escapes a lone or reversed surrogate (such as \"\\ud800\"), which is not text: {e.Message}", e);
        }
    }

    /// <summary>Where the first byte that does not start a valid UTF-8 character is.</summary>
    private static int OffsetOfInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return bytes.Length - 1;
    }

    private static int LineOf(ReadOnlySpan<byte> bytes, int offset) => bytes[..offset].Count((byte)'\n') + 1;
}
