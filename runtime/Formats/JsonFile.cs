using System.Text.Json;

namespace Codegen.Formats;

/// <summary>
/// Reads a JSON file a loader needs (config.json, a safetensors index, tokenizer.json, vocab.json) through
/// <see cref="ModelFile"/>: a bounded read, parsing, and <see cref="JsonStrings"/>'s check that every string is
/// text; each failure a <see cref="ModelLoadException"/> that names the file and where the JSON breaks.
/// </summary>
internal static class JsonFile
{
    /// <summary>The parsed file, which the caller disposes of.</summary>
    /// <param name="path">The file.</param>
    /// <param name="what">What the file is, for messages ("config", "index", "tokenizer.json").</param>
    /// <param name="maxLength">The longest file accepted, in bytes.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    public static JsonDocument Parse(string path, string what, long maxLength, int maxDepth = 64)
    {
        byte[] bytes = ModelFile.ReadAllBytes(path, what, maxLength);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(
                path,
                $"{what} is not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of that line (the file may be cut short): {e.Message}",
                e);
        }

        try
        {
            JsonStrings.RequireReadable(path, bytes);
        }
        catch
        {
            document.Dispose();
            throw;
        }

        return document;
    }

    /// <summary>As <see cref="Parse"/>, for a file that must be one JSON object.</summary>
    public static JsonDocument ParseObject(string path, string what, long maxLength)
    {
        JsonDocument document = Parse(path, what, maxLength);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            JsonValueKind kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new ModelLoadException(path, $"{what} must be a JSON object, found {kind}");
        }

        return document;
    }
}
