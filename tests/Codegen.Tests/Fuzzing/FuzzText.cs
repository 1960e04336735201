using System.Text.RegularExpressions;

namespace Codegen.Tests.Fuzzing;

/// <summary>Text helpers for fuzz messages.</summary>
internal static partial class FuzzText
{
    /// <summary>A message with paths, quoted text and numbers blanked, so that one bug's messages compare equal.</summary>
    public static string Normalize(string message)
    {
        string text = PathPattern().Replace(message, "<path>");
        text = QuotedPattern().Replace(text, "\"…\"");
        text = NumberPattern().Replace(text, "#");
        return Shorten(text, 200);
    }

    /// <summary>At most <paramref name="length"/> characters, with an ellipsis when cut.</summary>
    public static string Shorten(string text, int length) =>
        text.Length <= length ? text : text[..length] + "…";

    [GeneratedRegex(@"/[^\s:'""]*")]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"""[^""]*""|'[^']*'")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][+-]?\d+)?")]
    private static partial Regex NumberPattern();
}
