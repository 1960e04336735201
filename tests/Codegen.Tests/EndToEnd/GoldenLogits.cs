using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// A golden file written by a float64 PyTorch reference (tests/golden/*.py): for each prompt, the
/// logits at every position and the greedy continuation.
/// </summary>
internal sealed record GoldenPrompt(int[] Prompt, float[][] Logits, int[] Greedy);

internal static class GoldenLogits
{
    /// <summary>Reads tests/Codegen.Tests/Golden/<paramref name="name"/> (copied beside the test assembly).</summary>
    public static IReadOnlyList<GoldenPrompt> Read(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        var prompts = new List<GoldenPrompt>();
        int[]? prompt = null;
        var logits = new List<float[]>();
        int[] greedy = Array.Empty<int>();

        void Flush()
        {
            if (prompt is not null)
            {
                prompts.Add(new GoldenPrompt(prompt, logits.ToArray(), greedy));
            }

            logits.Clear();
            greedy = Array.Empty<int>();
        }

        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            switch (fields[0])
            {
                case "prompt":
                    Flush();
                    prompt = fields.Skip(1).Select(int.Parse).ToArray();
                    break;
                case "position":
                    logits.Add(fields.Skip(2).Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray());
                    break;
                case "greedy":
                    greedy = fields.Skip(1).TakeWhile(f => f != "#").Select(int.Parse).ToArray();
                    break;
                default:
                    throw new InvalidDataException($"{path}: unexpected line '{line[..Math.Min(40, line.Length)]}'");
            }
        }

        Flush();
        return prompts;
    }

    /// <summary>The largest |expected - actual| over the largest |expected|.</summary>
    public static double RelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException($"{expected.Length} expected logits but {actual.Length} actual.");
        }

        double scale = 0, error = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            error = Math.Max(error, Math.Abs(expected[i] - actual[i]));
        }

        return error / scale;
    }
}
