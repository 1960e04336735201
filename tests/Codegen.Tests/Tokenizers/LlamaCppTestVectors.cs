using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Codegen.Tests.Tokenizers;

/// <summary>
/// llama.cpp's tokenizer test vectors (<c>tokenizers/llamacpp-testvectors/ggml-vocab-*.gguf.inp/.out</c>).
/// </summary>
/// <remarks>
/// The format, as the files show it: the <c>.inp</c> file is UTF-8 text in which every test string is
/// followed by a line break, the marker <c>__ggml_vocab_test__</c> and another line break (so a string
/// may itself hold line breaks, and the file ends with the marker line). The <c>.out</c> file has one
/// line per string, in the same order: the expected ids, each written with a space before it, so an
/// empty string's line is empty. llama.cpp encodes them without BOS and without parsing special tokens.
/// </remarks>
internal static class LlamaCppTestVectors
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    /// <summary>The test strings and their expected ids for one vocabulary, such as "llama-spm".</summary>
    public static IReadOnlyList<(string Text, int[] Ids)> Read(string vocabulary)
    {
        string stem = TestModels.Path("tokenizers", "llamacpp-testvectors", $"ggml-vocab-{vocabulary}.gguf");
        string input = File.ReadAllText(stem + ".inp", new UTF8Encoding(false, true));
        if (!input.EndsWith(Separator, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{stem}.inp does not end with the marker line.");
        }

        string[] texts = input[..^Separator.Length].Split(Separator);
        string[] lines = File.ReadAllText(stem + ".out").Split('\n');
        if (lines.Length == texts.Length + 1 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        if (lines.Length != texts.Length)
        {
            throw new InvalidDataException($"{stem}: {texts.Length} strings but {lines.Length} id lines.");
        }

        return texts.Select((text, i) => (text, lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }
}
