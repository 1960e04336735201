using System;
using System.Collections.Generic;
using System.Text;

namespace Explain;

/// <summary>
/// Attention as heatmaps: one SVG per layer and head, query positions down, key positions across, a cell per pair
/// shaded by the attention probability (the masked cells above the diagonal grey), the token text on both axes.
/// </summary>
internal static class AttentionHeatmaps
{
    private const double LabelSpace = 70;

    public static void Write(StringBuilder html, Explanation explanation)
    {
        int layers = explanation.Inspection.Layers;
        int heads = explanation.Inspection.Heads;
        html.Append("<section><h2>Attention</h2>");
        html.Append("<p>Each head's attention after the causal mask and the softmax: row <i>q</i> is what the token at position <i>q</i> ");
        html.Append("looks at, its cells summing to 1 (darker is more); grey cells are later tokens, which a token never sees. ");
        html.Append("Hover a cell for its value.</p>");
        html.Append("<p class=\"controls\"><label>Layer <select id=\"layer\">");
        for (int layer = 0; layer < layers; layer++)
        {
            html.Append($"<option value=\"{layer}\">{layer}</option>");
        }

        html.Append("</select></label> <label>Head <select id=\"head\"><option value=\"all\">all</option>");
        for (int head = 0; head < heads; head++)
        {
            html.Append($"<option value=\"{head}\">{head}</option>");
        }

        html.Append("</select></label></p><div class=\"heatmaps\">");
        for (int layer = 0; layer < layers; layer++)
        {
            for (int head = 0; head < heads; head++)
            {
                WriteHeatmap(html, explanation.TokenTexts, explanation.Inspection.Attention(layer, head), layer, head);
            }
        }

        html.Append("</div></section>");
    }

    private static void WriteHeatmap(StringBuilder html, IReadOnlyList<string> tokens, float[,] attention, int layer, int head)
    {
        int count = tokens.Count;
        double cell = Math.Clamp(260.0 / count, 8, 34);
        double size = LabelSpace + (count * cell) + 4;
        html.Append($"<figure class=\"heatmap-figure\" data-layer=\"{layer}\" data-head=\"{head}\"{(layer == 0 ? string.Empty : " hidden")}>");
        html.Append($"<figcaption>layer {layer}, head {head}</figcaption>");
        html.Append($"<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Svg.Number(size)}\" height=\"{Svg.Number(size)}\" viewBox=\"0 0 {Svg.Number(size)} {Svg.Number(size)}\" role=\"img\" aria-label=\"attention of layer {layer}, head {head}\">");
        double font = Math.Min(12, cell * 0.8);
        for (int i = 0; i < count; i++)
        {
            double middle = LabelSpace + (i * cell) + (cell / 2);
            // Keys across the top (turned), queries down the left.
            Svg.Text(html, LabelSpace - 4, middle + (font / 3), tokens[i], $"class=\"axis\" text-anchor=\"end\" font-size=\"{Svg.Number(font)}\"");
            html.Append($"<text class=\"axis\" text-anchor=\"start\" font-size=\"{Svg.Number(font)}\" transform=\"translate({Svg.Number(middle + (font / 3))},{Svg.Number(LabelSpace - 4)}) rotate(-90)\">{Svg.Escape(tokens[i])}</text>");
        }

        for (int query = 0; query < count; query++)
        {
            for (int key = 0; key < count; key++)
            {
                double x = LabelSpace + (key * cell);
                double y = LabelSpace + (query * cell);
                float p = attention[query, key];
                bool masked = key > query;
                string fill = masked ? "#e4e4e4" : Svg.Blue(p);
                string title = masked
                    ? $"{tokens[query]} (position {query}) cannot see {tokens[key]} (position {key})"
                    : $"{tokens[query]} (position {query}) → {tokens[key]} (position {key}): {Svg.Percent(p)}";
                html.Append($"<rect class=\"cell{(masked ? " masked" : string.Empty)}\" x=\"{Svg.Number(x)}\" y=\"{Svg.Number(y)}\" width=\"{Svg.Number(cell)}\" height=\"{Svg.Number(cell)}\" fill=\"{fill}\"><title>{Svg.Escape(title)}</title></rect>");
            }
        }

        html.Append("</svg></figure>");
    }
}
