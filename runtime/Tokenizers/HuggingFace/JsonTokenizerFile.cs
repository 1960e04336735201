using System.Text.Json;
using Codegen.Formats;

namespace Codegen.Tokenizers;

/// <summary>
/// Reads a tokenizer's JSON file (tokenizer.json, tokenizer_config.json) through <see cref="ModelFile"/>:
/// a bounded read, then parsing and <see cref="JsonStrings"/>'s check that every string is text, each
/// failure a <see cref="ModelLoadException"/> that names the file.
/// </summary>
internal static class JsonTokenizerFile
{
    /// <summary>Largest JSON file accepted, in bytes (Qwen2's tokenizer.json is 7 MB, Llama 3's 9 MB).</summary>
    private const long MaxFileLength = 1L << 30;

    /// <summary>The parsed file; the caller disposes of it.</summary>
    public static JsonDocument Parse(string path, string kind) => JsonFile.Parse(path, kind, MaxFileLength, maxDepth: 256);
}
