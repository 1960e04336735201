using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Codegen.Tests.Inspection;

/// <summary>
/// An inspection golden written by the float64 PyTorch reference (tests/golden/golden_common.py, write_inspection):
/// one prompt's attention probabilities [layer][head][query, key] and logit lens logits [layer][position][vocab].
/// </summary>
internal sealed record GoldenInspection(int[] Prompt, double[][][,] Attention, double[][][] LensLogits)
{
    /// <summary>Reads tests/Codegen.Tests/Golden/<paramref name="name"/> (copied beside the test assembly).</summary>
    public static GoldenInspection Read(string name, int layers, int heads)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        int[]? prompt = null;
        double[][][,]? attention = null;
        double[][][]? lens = null;
        foreach (string line in File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (fields[0])
            {
                case "prompt":
                    prompt = fields.Skip(1).Select(int.Parse).ToArray();
                    int count = prompt.Length;
                    attention = Enumerable.Range(0, layers).Select(_ => Enumerable.Range(0, heads).Select(_ => new double[count, count]).ToArray()).ToArray();
                    lens = Enumerable.Range(0, layers).Select(_ => new double[count][]).ToArray();
                    break;
                case "attention":
                {
                    double[,] rows = attention![int.Parse(fields[1])][int.Parse(fields[2])];
                    int query = int.Parse(fields[3]);
                    double[] row = Numbers(fields.Skip(4));
                    for (int key = 0; key < row.Length; key++)
                    {
                        rows[query, key] = row[key];
                    }

                    break;
                }

                case "lens":
                    lens![int.Parse(fields[1])][int.Parse(fields[2])] = Numbers(fields.Skip(3));
                    break;
                default:
                    throw new InvalidDataException($"{path}: unexpected line '{line[..Math.Min(40, line.Length)]}'");
            }
        }

        return new GoldenInspection(prompt ?? throw new InvalidDataException($"{path}: no prompt"), attention!, lens!);
    }

    private static double[] Numbers(IEnumerable<string> fields) =>
        fields.Select(f => double.Parse(f, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();
}
