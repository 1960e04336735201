using System;
using System.Collections.Generic;
using System.Linq;
using Codegen.Inspection;

namespace Explain;

/// <summary>What the page shows, every number as the inspecting session gave it; the page only lays it out.</summary>
internal sealed record Explanation(
    string ModelName,
    string Shape,
    string Prompt,
    IReadOnlyList<string> TokenTexts,
    InspectionResult Inspection,
    IReadOnlyList<(double Temperature, TokenProbability[] Top)> NextToken,
    IReadOnlyList<(string Text, TokenSimilarity[] Nearest)> Neighbours,
    Func<int, string> TokenText)
{
    /// <summary>The temperatures the next-token bars are drawn at.</summary>
    public static readonly double[] Temperatures = { 0.5, 1.0, 2.0 };

    /// <summary>Tokens the logit lens keeps per layer; bars per temperature; neighbours per token.</summary>
    public const int LensTokens = 5;
    public const int BarTokens = 10;
    public const int NeighbourTokens = 8;

    /// <summary>Runs the prompt through the model's inspecting session and gathers what the page shows.</summary>
    /// <exception cref="ArgumentException">The prompt is empty or longer than the model's context, or a neighbours word has no token.</exception>
    public static Explanation Of(InspectedModel model, string prompt, IReadOnlyList<string> neighbourWords)
    {
        int[] tokens = model.Tokenizer.Encode(prompt, addBos: true);
        if (tokens.Length == 0)
        {
            throw new ArgumentException("the prompt has no tokens; give some text with --prompt.");
        }

        if (tokens.Length > model.Context)
        {
            throw new ArgumentException($"the prompt is {tokens.Length} tokens; the model's context holds {model.Context}.");
        }

        InspectionResult inspection = model.Session.Inspect(tokens, LensTokens);
        var nextToken = Temperatures.Select(t => (t, inspection.TopTokens(t, BarTokens))).ToList();

        var neighbours = new List<(string, TokenSimilarity[])>();
        IEnumerable<int> chosen = neighbourWords.Count == 0
            ? tokens.Where(t => t != model.Tokenizer.BosToken).Distinct()
            : neighbourWords.Select(word => FirstToken(model, word));
        foreach (int token in chosen)
        {
            neighbours.Add((model.TokenText(token), model.Session.NearestTokens(token, NeighbourTokens)));
        }

        return new Explanation(model.Name, model.Shape, prompt, tokens.Select(model.TokenText).ToList(), inspection, nextToken, neighbours, model.TokenText);
    }

    private static int FirstToken(InspectedModel model, string word)
    {
        int[] tokens = model.Tokenizer.Encode(word, addBos: false);
        return tokens.Length > 0 ? tokens[0] : throw new ArgumentException($"--neighbours \"{word}\" has no token.");
    }
}
