using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Codegen.Tests.EndToEnd;

/// <summary>
/// llama.cpp's own numbers for one GGUF file, written by tools/llamacpp-reference/make-goldens.sh into
/// tests/Codegen.Tests/Golden/llamacpp/: the logits at every position of a prompt, and 100 greedy ids from BOS.
/// </summary>
internal sealed record LlamaCppGolden(int[] Prompt, float[][] Logits, int[] Greedy)
{
    /// <summary>
    /// The name prefix of the seeded random model of tools/llamacpp-reference/make-kquant-goldens.sh, whose
    /// quantized GGUF files (random-dim256-Q4_1.gguf and so on) are committed beside their goldens.
    /// </summary>
    public const string RandomDim256 = "random-dim256";

    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Golden", "llamacpp");

    /// <summary>The path of Golden/llamacpp/<paramref name="name"/>.gguf beside the test assembly.</summary>
    public static string GgufPath(string name) => Path.Combine(Folder, name + ".gguf");

    /// <summary>Reads Golden/llamacpp/<paramref name="name"/>.logits.txt and .greedy-100.ids (copied beside the test assembly).</summary>
    public static LlamaCppGolden Read(string name)
    {
        string folder = Folder;
        string[][] rows = File.ReadLines(Path.Combine(folder, name + ".logits.txt"))
            .Where(line => line.Length > 0)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToArray();
        for (int position = 0; position < rows.Length; position++)
        {
            if (int.Parse(rows[position][0], CultureInfo.InvariantCulture) != position)
            {
                throw new InvalidDataException($"{name}.logits.txt: row {position} is for position {rows[position][0]}");
            }
        }

        int[] prompt = rows.Select(row => int.Parse(row[1], CultureInfo.InvariantCulture)).ToArray();
        float[][] logits = rows.Select(row => row.Skip(2).Select(value => float.Parse(value, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        int[] greedy = File.ReadAllText(Path.Combine(folder, name + ".greedy-100.ids"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(id => int.Parse(id, CultureInfo.InvariantCulture))
            .ToArray();
        return new LlamaCppGolden(prompt, logits, greedy);
    }
}
