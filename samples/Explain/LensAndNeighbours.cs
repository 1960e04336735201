using System.Collections.Generic;
using System.Text;
using Codegen.Inspection;

namespace Explain;

/// <summary>The tables: the logit lens (layer × top tokens), the residual stream's norms, and embedding neighbours.</summary>
internal static class LensAndNeighbours
{
    public static void WriteLogitLens(StringBuilder html, Explanation explanation)
    {
        InspectionResult inspection = explanation.Inspection;
        int last = inspection.Tokens.Count - 1;
        html.Append("<section><h2>Logit lens</h2>");
        html.Append($"<p>The residual stream of the last token, <b>{Svg.Escape(explanation.TokenTexts[last])}</b>, after each layer, put through ");
        html.Append("the final norm and the unembedding as if it were the last layer: what the model would say next if it stopped there. ");
        html.Append("The last row is the model's own prediction (temperature 1).</p>");
        html.Append("<table class=\"lens\"><thead><tr><th>after layer</th>");
        for (int rank = 1; rank <= Explanation.LensTokens; rank++)
        {
            html.Append($"<th>#{rank}</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (int layer = 0; layer < inspection.Layers; layer++)
        {
            html.Append($"<tr><th>{layer}</th>");
            foreach (TokenProbability choice in inspection.LogitLens(layer, last))
            {
                html.Append($"<td style=\"background:{Svg.Blue(choice.Probability)};color:{Svg.TextOn(choice.Probability)}\"><span class=\"token\">{Svg.Escape(explanation.TokenText(choice.Token))}</span> {Svg.Percent(choice.Probability)}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></section>");
    }

    public static void WriteResidualNorms(StringBuilder html, Explanation explanation)
    {
        InspectionResult inspection = explanation.Inspection;
        int count = inspection.Tokens.Count;
        html.Append("<section><h2>Residual stream</h2>");
        html.Append("<p>The length (Euclidean norm) of each token's residual stream after each block adds its result: how much each layer writes.</p>");
        html.Append("<table class=\"norms\"><thead><tr><th>layer, block</th>");
        foreach (string token in explanation.TokenTexts)
        {
            html.Append($"<th class=\"token\">{Svg.Escape(token)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        for (int layer = 0; layer < inspection.Layers; layer++)
        {
            foreach ((ResidualBlockKind block, string name) in new[] { (ResidualBlockKind.Attention, "attention"), (ResidualBlockKind.Mlp, "MLP") })
            {
                html.Append($"<tr><th>{layer}, {name}</th>");
                for (int position = 0; position < count; position++)
                {
                    html.Append($"<td>{Svg.Number(inspection.ResidualNorm(layer, block, position))}</td>");
                }

                html.Append("</tr>");
            }
        }

        html.Append("</tbody></table></section>");
    }

    public static void WriteNeighbours(StringBuilder html, Explanation explanation)
    {
        html.Append("<section><h2>Nearest tokens in the embedding space</h2>");
        html.Append("<p>Each token is a direction in the embedding space: the tokens whose embedding rows point most nearly the same way ");
        html.Append("(cosine similarity), from the weights alone.</p><table class=\"neighbours\"><tbody>");
        foreach ((string text, IReadOnlyList<TokenSimilarity> nearest) in explanation.Neighbours)
        {
            html.Append($"<tr><th class=\"token\">{Svg.Escape(text)}</th>");
            foreach (TokenSimilarity neighbour in nearest)
            {
                html.Append($"<td><span class=\"token\">{Svg.Escape(explanation.TokenText(neighbour.Token))}</span> {neighbour.Similarity.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></section>");
    }
}
