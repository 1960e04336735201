using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Codegen.Formats.Gguf;

/// <summary>
/// What a Llama GGUF file describes, read from its metadata and tensors: the shape a model must declare to
/// load it (every value <see cref="GgufLlamaMetadata"/> checks), how many tensors of each ggml type it
/// holds, and the <c>[TransformerModel(...)]</c> line that declares it. Sizes are compile-time constants
/// in Codegen, so this is how a user gets from a file nobody has declared yet to a model that loads it.
/// </summary>
public sealed record GgufLlamaDescription(GgufLlamaShape Shape, int FileContext, IReadOnlyDictionary<GgmlType, int> MatrixTypes)
{
    /// <summary>The longest Context the suggested declaration asks for: a session's KV cache grows with it.</summary>
    public const int SuggestedContextLimit = 4096;

    /// <summary>
    /// Reads the description of the GGUF file at <paramref name="path"/>: <c>general.architecture</c> must be
    /// <c>llama</c>; the vocabulary size is token_embd's ne[1]; Context is the file's <c>llama.context_length</c>
    /// up to <see cref="SuggestedContextLimit"/>; TiedEmbeddings is whether the file lacks <c>output.weight</c>;
    /// the weight format is <see cref="WeightFormat.Q4"/> when most matrices are 4-bit, <see cref="WeightFormat.Q8"/>
    /// when most are Q8_0 and <see cref="WeightFormat.F32"/> otherwise (any other choice loads too, converted).
    /// </summary>
    /// <exception cref="ModelLoadException">The file is not a well-formed GGUF file of a Llama model (the message names the key or tensor).</exception>
    public static GgufLlamaDescription Read(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        string architecture = file.Metadata.TryGetValue("general.architecture", out GgufValue? value) ? value.Value as string ?? value.ToString() : "absent";
        if (architecture != "llama")
        {
            throw new ModelLoadException(path, $"metadata key 'general.architecture' is '{architecture}'; only 'llama' files can be described (Llama, Mistral and TinyLlama files say 'llama')");
        }

        int heads = Integer(file, "llama.attention.head_count");
        int fileContext = Integer(file, "llama.context_length");
        long[] embedding = file.RequireTensor("token_embd.weight").RowMajorShape();
        var matrixTypes = file.Tensors
            .Where(tensor => tensor.Dimensions.Length == 2 && tensor.Name != "token_embd.weight")
            .GroupBy(tensor => tensor.Type)
            .ToDictionary(group => group.Key, group => group.Count());
        var shape = new GgufLlamaShape(
            DModel: Integer(file, "llama.embedding_length"),
            FfnDim: Integer(file, "llama.feed_forward_length"),
            Layers: Integer(file, "llama.block_count"),
            Heads: heads,
            KvHeads: file.Metadata.ContainsKey("llama.attention.head_count_kv") ? Integer(file, "llama.attention.head_count_kv") : heads,
            Vocab: checked((int)embedding[0]),
            Context: Math.Min(fileContext, SuggestedContextLimit),
            NormEpsilon: Float(file, "llama.attention.layer_norm_rms_epsilon", fallback: null),
            RopeTheta: Float(file, "llama.rope.freq_base", fallback: GgufLlamaMetadata.DefaultRopeFreqBase),
            TiedEmbeddings: file.FindTensor("output.weight") is null,
            Weights: SuggestedFormat(matrixTypes));
        return new GgufLlamaDescription(shape, fileContext, matrixTypes);
    }

    /// <summary>The declaration of a model named <paramref name="className"/> that loads this file.</summary>
    public string Declaration(string className = "MyModel")
    {
        var arguments = new List<string>
        {
            $"DModel = {Shape.DModel}", $"Heads = {Shape.Heads}",
        };
        if (Shape.KvHeads != Shape.Heads)
        {
            arguments.Add($"KvHeads = {Shape.KvHeads}");
        }

        arguments.Add($"Layers = {Shape.Layers}");
        arguments.Add($"FfnDim = {Shape.FfnDim}");
        arguments.Add($"Vocab = {Shape.Vocab}");
        arguments.Add($"Context = {Shape.Context}");
        if (Shape.NormEpsilon != (float)TransformerModelDefaults.NormEpsilon)
        {
            arguments.Add($"NormEpsilon = {Number(Shape.NormEpsilon)}");
        }

        if (Shape.RopeTheta != (float)TransformerModelDefaults.RopeTheta)
        {
            arguments.Add($"RopeTheta = {Number(Shape.RopeTheta)}");
        }

        if (!Shape.TiedEmbeddings)
        {
            arguments.Add("TiedEmbeddings = false");
        }

        if (Shape.Weights != WeightFormat.F32)
        {
            arguments.Add($"Weights = WeightFormat.{Shape.Weights}");
        }

        var text = new StringBuilder();
        if (FileContext > Shape.Context)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"// The file allows {FileContext} positions; any Context up to that loads (the KV cache grows with it).");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"[TransformerModel({string.Join(", ", arguments)})]");
        text.Append(CultureInfo.InvariantCulture, $"public partial class {className} {{ }}");
        return text.ToString();
    }

    /// <summary>The matrices' ggml types with their counts, most frequent first (for example <c>Q4_K x 61, Q6_K x 12</c>).</summary>
    public string TypeSummary() =>
        string.Join(", ", MatrixTypes.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key).Select(pair => $"{GgmlTypes.Name((uint)pair.Key)} x {pair.Value}"));

    private static WeightFormat SuggestedFormat(IReadOnlyDictionary<GgmlType, int> matrixTypes)
    {
        int fourBit = matrixTypes.Where(pair => GgufQ4Matrix.Holds(pair.Key)).Sum(pair => pair.Value);
        int eightBit = matrixTypes.GetValueOrDefault(GgmlType.Q8_0);
        int total = matrixTypes.Values.Sum();
        return 2 * fourBit > total ? WeightFormat.Q4 : 2 * eightBit > total ? WeightFormat.Q8 : WeightFormat.F32;
    }

    private static int Integer(GgufFile file, string key)
    {
        GgufValue value = file.Metadata.GetValueOrDefault(key) ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is missing");
        return value.TryGetInteger(out long integer) && integer is > 0 and <= int.MaxValue
            ? (int)integer
            : throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be a positive integer");
    }

    private static float Float(GgufFile file, string key, float? fallback)
    {
        if (!file.Metadata.TryGetValue(key, out GgufValue? value))
        {
            return fallback ?? throw new ModelLoadException(file.Path, $"metadata key '{key}' is missing");
        }

        return value.TryGetFloat(out double number)
            ? (float)number
            : throw new ModelLoadException(file.Path, $"metadata key '{key}' is {value}, but it must be a float32 or float64");
    }

    /// <summary>A float32 as its shortest round-trip text (the attribute's double is narrowed to float32 for the checks).</summary>
    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
