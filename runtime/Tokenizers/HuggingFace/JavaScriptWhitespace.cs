namespace Codegen.Tokenizers;

/// <summary>
/// The whitespace JavaScript's <c>trim</c> functions remove (WhiteSpace and LineTerminator: tab, line
/// tabulation, form feed, space, no-break space, U+FEFF, the Zs spaces, line feed, carriage return,
/// U+2028, U+2029), which Hugging Face's tokenizers strip around <c>lstrip</c>/<c>rstrip</c> added tokens.
/// It differs from <see cref="char.IsWhiteSpace(char)"/> in U+FEFF (included) and U+0085 (not included).
/// </summary>
internal static class JavaScriptWhitespace
{
    public static bool Is(char c) =>
        c is '\t' or '\n' or '\v' or '\f' or '\r' or '\uFEFF' or '\u2028' or '\u2029'
        || (c != '\u0085' && char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator);

    public static string TrimStart(string text)
    {
        int start = 0;
        while (start < text.Length && Is(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    public static string TrimEnd(string text)
    {
        int end = text.Length;
        while (end > 0 && Is(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }
}
