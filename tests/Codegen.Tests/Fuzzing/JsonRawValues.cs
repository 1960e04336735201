using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Codegen.Tests.Fuzzing;

/// <summary>Raw JSON texts (as UTF-8 bytes, some deliberately invalid) that replace a value or a key.</summary>
internal static class JsonRawValues
{
    /// <summary>Values of every other JSON type, strings that cannot be decoded, and numbers at the edges.</summary>
    public static IEnumerable<(string Description, byte[] Raw)> Cheap(string? numberText)
    {
        foreach (string text in new[] { "null", "true", "false", "\"\"", "\"text\"", "[]", "{}", "[[]]", "{\"a\":1}", "[1,2,3]" })
        {
            yield return (text, Ascii(text));
        }

        foreach (string number in BoundaryValues.JsonNumbers(numberText))
        {
            yield return ($"number {number}", Ascii(number));
        }

        foreach ((string description, byte[] raw) in UndecodableStrings())
        {
            yield return (description, raw);
        }
    }

    /// <summary>Strings the JSON reader accepts or rejects late: lone surrogate escapes and invalid UTF-8.</summary>
    public static IEnumerable<(string Description, byte[] Raw)> UndecodableStrings()
    {
        yield return ("string with lone high surrogate escape \"\\ud800\"", Ascii("\"\\ud800\""));
        yield return ("string with lone low surrogate escape \"a\\udc00b\"", Ascii("\"a\\udc00b\""));
        yield return ("string with reversed surrogate escapes \"\\udc00\\ud800\"", Ascii("\"\\udc00\\ud800\""));
        yield return ("string with invalid UTF-8 byte FF", [(byte)'"', (byte)'a', 0xFF, (byte)'"']);
        yield return ("string with truncated UTF-8 sequence C3", [(byte)'"', 0xC3, (byte)'"']);
        yield return ("string with overlong UTF-8 C0 AF", [(byte)'"', 0xC0, 0xAF, (byte)'"']);
        yield return ("string with UTF-8-encoded surrogate ED A0 80", [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']);
        yield return ("string with raw control character 01", [(byte)'"', 0x01, (byte)'"']);
    }

    /// <summary>Large values: deep nesting, a long string, a long array.</summary>
    public static IEnumerable<(string Description, byte[] Raw)> Expensive()
    {
        yield return ("array nested 100 deep", Ascii(new string('[', 100) + new string(']', 100)));
        yield return ("array nested 100000 deep", Ascii(new string('[', 100_000) + new string(']', 100_000)));
        yield return ("object nested 1000 deep", Ascii(string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000)));
        yield return ("string of 4 MB", Ascii("\"" + new string('a', 4 << 20) + "\""));
        yield return ("array of 500000 zeros", Ascii("[" + string.Join(",", Enumerable.Repeat("0", 500_000)) + "]"));
    }

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);
}
