using System.Globalization;

namespace Codegen.Formats.Gguf;

/// <summary>
/// Checks a GGUF file's <c>llama.*</c> metadata against the declared shape; each error names the
/// key, the file's value and the declaration's.
/// </summary>
internal static class GgufLlamaMetadata
{
    /// <summary>llama.cpp's RoPE base when <c>llama.rope.freq_base</c> is absent.</summary>
    public const float DefaultRopeFreqBase = 10000f;

    public static void Require(GgufFile file, GgufLlamaShape shape)
    {
        string architecture = RequireString(file, "general.architecture");
        if (architecture != "llama")
        {
            throw new ModelLoadException(
                file.Path, $"metadata key 'general.architecture' is \"{architecture}\", but the model declares a Llama-family model (\"llama\")");
        }

        RequireInteger(file, "llama.embedding_length", shape.DModel, "DModel");
        RequireInteger(file, "llama.block_count", shape.Layers, "Layers");
        RequireInteger(file, "llama.attention.head_count", shape.Heads, "Heads");
        if (file.Metadata.ContainsKey("llama.attention.head_count_kv"))
        {
            RequireInteger(file, "llama.attention.head_count_kv", shape.KvHeads, "KvHeads");
        }
        else if (shape.KvHeads != shape.Heads)
        {
            throw new ModelLoadException(
                file.Path, $"metadata key 'llama.attention.head_count_kv' is absent (so it equals head_count, {shape.Heads}), but the model declares KvHeads = {shape.KvHeads}");
        }

        RequireInteger(file, "llama.feed_forward_length", shape.FfnDim, "FfnDim");
        if (file.Metadata.ContainsKey("llama.rope.dimension_count"))
        {
            RequireInteger(file, "llama.rope.dimension_count", shape.HeadDim, "HeadDim (RoPE over the whole head)");
        }

        long context = ReadInteger(file, "llama.context_length");
        if (context < shape.Context)
        {
            throw new ModelLoadException(
                file.Path, $"metadata key 'llama.context_length' is {context}, shorter than the model's declared Context {shape.Context}");
        }

        RequireFloat(file, "llama.attention.layer_norm_rms_epsilon", shape.NormEpsilon, "NormEpsilon", fallback: null);
        RequireFloat(file, "llama.rope.freq_base", shape.RopeTheta, "RopeTheta", fallback: DefaultRopeFreqBase);
    }

    private static GgufValue RequireKey(GgufFile file, string key) =>
        file.Metadata.TryGetValue(key, out GgufValue? value)
            ? value
            : throw new ModelLoadException(file.Path, $"metadata key '{key}' is missing");

    private static string RequireString(GgufFile file, string key) =>
        RequireKey(file, key).Value as string
        ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is {RequireKey(file, key)}, but it must be a string");

    private static long ReadInteger(GgufFile file, string key)
    {
        GgufValue value = RequireKey(file, key);
        return value.TryGetInteger(out long integer)
            ? integer
            : throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be an integer");
    }

    private static void RequireInteger(GgufFile file, string key, int declared, string declaration)
    {
        long actual = ReadInteger(file, key);
        if (actual != declared)
        {
            throw new ModelLoadException(
                file.Path, $"metadata key '{key}' is {actual}, but the model declares {declaration} = {declared}");
        }
    }

    private static void RequireFloat(GgufFile file, string key, float declared, string declaration, float? fallback)
    {
        float actual;
        if (!file.Metadata.TryGetValue(key, out GgufValue? value) && fallback is float defaultValue)
        {
            actual = defaultValue;
        }
        else
        {
            value ??= RequireKey(file, key);
            if (!value.TryGetFloat(out double number))
            {
                throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be a float32 or float64");
            }

            actual = (float)number;
        }

        // Both are float32 values (the file's is rounded when it is a float64), compared exactly.
        if (!actual.Equals(declared))
        {
            string shown = value is null ? $"absent (so {Format(actual)}, llama.cpp's default)" : Format(actual);
            throw new ModelLoadException(
                file.Path, $"metadata key '{key}' is {shown}, but the model declares {declaration} = {Format(declared)}");
        }
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
