using System.Text;

namespace Explain;

/// <summary>
/// The page: one self-contained HTML file (inline CSS and SVG, a few lines of script for the layer and head
/// selectors, nothing from the network) laying out an <see cref="Explanation"/>.
/// </summary>
internal static class ExplainPage
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 24px; color: #111; background: #fff; max-width: 1400px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 6px; }
        p { margin: 4px 0 8px; max-width: 900px; } .meta { color: #555; }
        .strip { display: flex; flex-wrap: wrap; gap: 4px; margin: 8px 0; }
        .strip span { border: 1px solid #9ab; background: #eef4fb; border-radius: 4px; padding: 3px 6px; white-space: pre; font-family: ui-monospace, monospace; }
        .strip small { color: #678; margin-left: 4px; }
        .heatmaps, .bars { display: flex; flex-wrap: wrap; gap: 14px; }
        figure { margin: 0; } figcaption { font-size: 13px; color: #333; margin-bottom: 2px; }
        svg text { font-family: ui-monospace, monospace; font-size: 12px; fill: #111; }
        svg .axis { white-space: pre; } .bar { fill: #2b6cb0; } .value { fill: #333; }
        table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; }
        .token { font-family: ui-monospace, monospace; white-space: pre; }
        .controls select { font-size: 14px; margin-right: 12px; }
        """;

    private const string Script = """
        function show() {
          var layer = document.getElementById('layer').value, head = document.getElementById('head').value;
          document.querySelectorAll('.heatmap-figure').forEach(function (f) {
            f.hidden = f.dataset.layer !== layer || (head !== 'all' && f.dataset.head !== head);
          });
        }
        document.getElementById('layer').addEventListener('change', show);
        document.getElementById('head').addEventListener('change', show);
        show();
        """;

    public static string Write(Explanation explanation)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>Inside {Svg.Escape(explanation.ModelName)}: {Svg.Escape(explanation.Prompt)}</title>");
        html.Append("<style>").Append(Style).Append("</style></head><body>");
        html.Append($"<h1>Inside {Svg.Escape(explanation.ModelName)}</h1>");
        html.Append($"<p class=\"meta\">{Svg.Escape(explanation.Shape)}. Every number on this page was recorded by the generated ");
        html.Append("<code>CpuInspectingSession</code> as the prompt went through the model; the page computes none of them.</p>");

        html.Append("<section><h2>Prompt</h2><div class=\"strip\">");
        for (int i = 0; i < explanation.TokenTexts.Count; i++)
        {
            html.Append($"<span title=\"token {explanation.Inspection.Tokens[i]}\">{Svg.Escape(explanation.TokenTexts[i])}<small>{i}</small></span>");
        }

        html.Append("</div></section>");
        AttentionHeatmaps.Write(html, explanation);
        ProbabilityBars.Write(html, explanation);
        LensAndNeighbours.WriteLogitLens(html, explanation);
        LensAndNeighbours.WriteNeighbours(html, explanation);
        LensAndNeighbours.WriteResidualNorms(html, explanation);
        html.Append("<script>").Append(Script).Append("</script></body></html>\n");
        return html.ToString();
    }
}
