using System.IO;

namespace Explain;

/// <summary>The sample's work, from options to the written page: what Program runs, and what the browser test calls.</summary>
internal static class ExplainRun
{
    /// <summary>Loads the model, inspects the prompt, writes the page; returns the page's full path.</summary>
    public static string WritePage(ExplainOptions options)
    {
        InspectedModel model = InspectedModel.Open(options.ModelPath, options.TokenizerPath);
        Explanation explanation = Explanation.Of(model, options.Prompt, options.Neighbours);
        string path = Path.GetFullPath(options.OutputPath);
        File.WriteAllText(path, ExplainPage.Write(explanation));
        return path;
    }
}
