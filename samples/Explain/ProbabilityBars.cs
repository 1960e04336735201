using System.Text;
using Codegen.Inspection;

namespace Explain;

/// <summary>The next token's most likely choices as horizontal bars, one chart per temperature.</summary>
internal static class ProbabilityBars
{
    private const double LabelWidth = 90;
    private const double BarWidth = 180;
    private const double RowHeight = 20;

    public static void Write(StringBuilder html, Explanation explanation)
    {
        html.Append("<section><h2>Next token</h2>");
        html.Append("<p>The last position's logits become probabilities by the softmax of logits / temperature: a low temperature ");
        html.Append("sharpens the distribution towards the top token, a high one flattens it. The ten most likely tokens at each temperature.</p>");
        html.Append("<div class=\"bars\">");
        foreach ((double temperature, TokenProbability[] top) in explanation.NextToken)
        {
            double height = (top.Length * RowHeight) + 6;
            double width = LabelWidth + BarWidth + 60;
            html.Append($"<figure><figcaption>temperature {Svg.Number(temperature)}</figcaption>");
            html.Append($"<svg class=\"probabilities\" data-temperature=\"{Svg.Number(temperature)}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Svg.Number(width)}\" height=\"{Svg.Number(height)}\" viewBox=\"0 0 {Svg.Number(width)} {Svg.Number(height)}\">");
            for (int i = 0; i < top.Length; i++)
            {
                double y = 3 + (i * RowHeight);
                string token = explanation.TokenText(top[i].Token);
                Svg.Text(html, LabelWidth - 6, y + 14, token, "class=\"token-label\" text-anchor=\"end\"");
                html.Append($"<rect class=\"bar\" x=\"{Svg.Number(LabelWidth)}\" y=\"{Svg.Number(y + 2)}\" width=\"{Svg.Number(System.Math.Max(1, top[i].Probability * BarWidth))}\" height=\"{Svg.Number(RowHeight - 5)}\"><title>{Svg.Escape($"{token}: {Svg.Percent(top[i].Probability)}")}</title></rect>");
                Svg.Text(html, LabelWidth + (top[i].Probability * BarWidth) + 5, y + 14, Svg.Percent(top[i].Probability), "class=\"value\"");
            }

            html.Append("</svg></figure>");
        }

        html.Append("</div></section>");
    }
}
