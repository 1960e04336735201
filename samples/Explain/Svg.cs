using System;
using System.Globalization;
using System.Net;
using System.Text;

namespace Explain;

/// <summary>The pieces of inline SVG the page is drawn with: a number, escaped text, a colour for a probability.</summary>
internal static class Svg
{
    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Percent(double probability) => probability < 0.00005
        ? "<0.01%"
        : (probability * 100).ToString(probability >= 0.1 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + "%";

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>White for 0 to deep blue for 1.</summary>
    public static string Blue(double probability)
    {
        double p = Math.Clamp(probability, 0, 1);
        int r = (int)Math.Round(255 - (p * (255 - 8)));
        int g = (int)Math.Round(255 - (p * (255 - 48)));
        int b = (int)Math.Round(255 - (p * (255 - 107)));
        return $"rgb({r},{g},{b})";
    }

    /// <summary>Text on a cell of <see cref="Blue"/>: dark on light cells, white on dark ones.</summary>
    public static string TextOn(double probability) => probability > 0.55 ? "#fff" : "#111";

    public static void Text(StringBuilder html, double x, double y, string text, string attributes = "") =>
        html.Append($"<text x=\"{Number(x)}\" y=\"{Number(y)}\"{(attributes.Length > 0 ? " " + attributes : string.Empty)}>{Escape(text)}</text>");
}
