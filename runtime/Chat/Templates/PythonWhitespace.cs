namespace Codegen.Chat.Templates;

/// <summary>
/// Python's whitespace (<c>str.isspace</c>, and <c>\s</c> in Jinja's lexer): .NET's white space plus the
/// separators U+001C to U+001F, which Python also strips and splits on.
/// </summary>
internal static class PythonWhitespace
{
    /// <summary>True when Python counts <paramref name="c"/> as whitespace.</summary>
    public static bool Is(char c) => char.IsWhiteSpace(c) || (c >= '\u001c' && c <= '\u001f');

    /// <summary>Python's <c>str.strip()</c>, <c>lstrip()</c> or <c>rstrip()</c> without arguments.</summary>
    public static string Trim(string s, bool start = true, bool end = true)
    {
        int from = 0;
        int to = s.Length;
        while (start && from < to && Is(s[from]))
        {
            from++;
        }

        while (end && to > from && Is(s[to - 1]))
        {
            to--;
        }

        return s[from..to];
    }
}
