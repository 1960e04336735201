using System;
using Codegen.Formats.Gguf;

namespace Codegen.Tokenizers;

/// <summary>
/// The tokenizer a GGUF file carries in its <c>tokenizer.ggml.*</c> metadata, tokenizing as
/// llama.cpp does: <see cref="GgufSpmTokenizer"/> for <c>tokenizer.ggml.model</c> = "llama",
/// <see cref="GgufBpeTokenizer"/> for "gpt2".
/// </summary>
public static class GgufTokenizer
{
    /// <summary>Reads the tokenizer of the GGUF file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null, empty or blank.</exception>
    /// <exception cref="ModelLoadException">
    /// The file is not a readable GGUF file, or its tokenizer metadata is missing, of the wrong type,
    /// inconsistent or of an unknown model or pre-tokenizer; the message names the file and the key.
    /// </exception>
    public static ITokenizer Load(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        return Load(file);
    }

    /// <summary>Reads the tokenizer of an open GGUF file.</summary>
    /// <exception cref="ModelLoadException">As <see cref="Load(string)"/>.</exception>
    public static ITokenizer Load(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        GgufVocabulary vocabulary = GgufVocabulary.Read(file);
        return vocabulary.Model == "llama" ? new GgufSpmTokenizer(vocabulary) : GgufBpeTokenizer.Create(vocabulary);
    }
}
