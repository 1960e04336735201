using System;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats.Gguf;

/// <summary>
/// The float32 weights of a Llama-family model read from a GGUF file, in the order and shapes the
/// generated llama2.c-family loader builds its model from (matrices [rows, columns]); one tensor per
/// layer for the per-layer weights. <see cref="Unembedding"/> is null when the classifier is the token embedding.
/// </summary>
public sealed record GgufLlamaTensors(
    WeightTensor TokenEmbedding,
    WeightTensor[] AttentionNorm,
    WeightTensor[] Query,
    WeightTensor[] Key,
    WeightTensor[] Value,
    WeightTensor[] Output,
    WeightTensor[] FfnNorm,
    WeightTensor[] Gate,
    WeightTensor[] Down,
    WeightTensor[] Up,
    WeightTensor FinalNorm,
    WeightTensor? Unembedding);

/// <summary>
/// Reads a Llama-family model's weights from a GGUF file for the generated <c>Load(path)</c>, which
/// recognizes the file by its magic (<see cref="IsGguf"/>), not by its name. The metadata is checked
/// against the declared shape, each tensor's shape against the declaration (the vocabulary size is
/// token_embd's ne[1]), and every tensor is dequantized to float32 (refusing NaN and infinity); the
/// model then converts them to its declared <c>WeightFormat</c> as it does for every other file, except
/// that a matrix the model stores in 8 bits (a <see cref="WeightFormat.Q8"/> model's matrices, a
/// <see cref="WeightFormat.Q4"/> model's unembedding) also carries its checked Q8_0 blocks
/// (<see cref="WeightTensor.Q8_0Blocks"/>), which <see cref="Q8Matrix.FromTensor"/> copies as they are, and a
/// matrix a Q4 model stores in 4 bits carries its Q4_0, Q4_1 or Q4_K blocks (<see cref="WeightTensor.Q4Blocks"/>),
/// which <see cref="Q4Matrix.FromTensor"/> converts block for block.
/// </summary>
public static class GgufLlamaWeights
{
    /// <summary>Whether the file at <paramref name="path"/> starts with the GGUF magic. Unreadable or short files are not GGUF: the caller's own loader reports them.</summary>
    public static bool IsGguf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        SafeFileHandle handle;
        long length;
        try
        {
            handle = ModelFile.OpenRead(path, "model", out length);
        }
        catch (ModelLoadException)
        {
            return false;
        }

        using (handle)
        {
            if (length < GgufFile.Magic.Length)
            {
                return false;
            }

            Span<byte> magic = stackalloc byte[4];
            ModelFile.ReadExactly(path, handle, magic, 0, "the file's first 4 bytes");
            return GgufFile.HasMagic(magic);
        }
    }

    /// <summary>
    /// Opens the GGUF file at <paramref name="path"/>, checks it against <paramref name="shape"/> and
    /// reads every weight. When the model declares tied embeddings the classifier is the token
    /// embedding, and an <c>output.weight</c> in the file (llama.cpp's llama2.c converter writes a copy)
    /// is not read; when it declares a separate classifier, <c>output.weight</c> must be there.
    /// </summary>
    /// <exception cref="ModelLoadException">The file is not a well-formed GGUF file, or disagrees with the declared shape (the message names the key or tensor and both values).</exception>
    public static GgufLlamaTensors Read(string path, GgufLlamaShape shape) => Read(path, shape, LoadProgress.None);

    /// <summary>
    /// <see cref="Read(string, GgufLlamaShape)"/>, reporting the bytes of the tensors it reads to <paramref name="progress"/>
    /// and stopping when it is cancelled: between tensors and every <see cref="LoadProgress.ChunkBytes"/> within one.
    /// </summary>
    /// <exception cref="ModelLoadException">As <see cref="Read(string, GgufLlamaShape)"/>.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static GgufLlamaTensors Read(string path, GgufLlamaShape shape, LoadProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        using GgufFile file = GgufFile.Open(path, progress);
        GgufLlamaMetadata.Require(file, shape);
        progress.Expect(BytesToRead(file, shape));
        int dim = shape.DModel;
        int kvDim = shape.KvDim;
        int ffn = shape.FfnDim;
        WeightTensor[] PerLayer(string name, string modelName, params int[] dimensions)
        {
            var tensors = new WeightTensor[shape.Layers];
            for (int layer = 0; layer < shape.Layers; layer++)
            {
                tensors[layer] = ReadTensor($"blk.{layer}.{name}.weight", $"layers[{layer}].{modelName}", dimensions);
            }

            return tensors;
        }

        // The blocks each matrix keeps: those of the format the model stores it in. A Q4 model keeps its
        // unembedding in 8 bits (its errors go straight into the logits; llama.cpp's 4-bit files keep theirs at 6).
        KeptBlocks projections = shape.Weights switch
        {
            WeightFormat.Q8 => KeptBlocks.Q8_0,
            WeightFormat.Q4 => KeptBlocks.FourBit,
            _ => KeptBlocks.None,
        };
        KeptBlocks classifier = shape.Weights is WeightFormat.Q8 or WeightFormat.Q4 ? KeptBlocks.Q8_0 : KeptBlocks.None;
        WeightTensor ReadTensor(string ggufName, string modelName, params int[] dimensions) =>
            GgufLlamaWeights.ReadTensor(file, ggufName, modelName, dimensions.Length == 2 ? projections : KeptBlocks.None, dimensions);

        // The token embedding's blocks are only wanted when it is also the classifier: the model keeps
        // the tensor for its lookups, and with it any blocks it carries.
        WeightTensor tokenEmbedding = GgufLlamaWeights.ReadTensor(
            file, "token_embd.weight", "tokenEmbedding", shape.TiedEmbeddings ? classifier : KeptBlocks.None, shape.Vocab, dim);
        WeightTensor? unembedding = null;
        if (!shape.TiedEmbeddings)
        {
            if (file.FindTensor("output.weight") is null)
            {
                throw new ModelLoadException(
                    path, "tensor 'output.weight' is missing: the model declares TiedEmbeddings = false (a separate classifier), but the file has none");
            }

            unembedding = GgufLlamaWeights.ReadTensor(file, "output.weight", "unembedding", classifier, shape.Vocab, dim);
        }

        return new GgufLlamaTensors(
            tokenEmbedding,
            PerLayer("attn_norm", "attentionNorm", dim),
            PerLayer("attn_q", "query", dim, dim),
            PerLayer("attn_k", "key", kvDim, dim),
            PerLayer("attn_v", "value", kvDim, dim),
            PerLayer("attn_output", "output", dim, dim),
            PerLayer("ffn_norm", "ffnNorm", dim),
            PerLayer("ffn_gate", "gate", ffn, dim),
            PerLayer("ffn_down", "down", dim, ffn),
            PerLayer("ffn_up", "up", ffn, dim),
            ReadTensor("output_norm.weight", "finalNorm", dim),
            unembedding);
    }

    /// <summary>
    /// Reads tensor <paramref name="ggufName"/>, whose row-major shape (GGUF's ne reversed) must be
    /// <paramref name="shape"/>, as the model's tensor <paramref name="modelName"/>. A matrix whose type is the
    /// one <paramref name="kept"/> names also keeps its checked blocks.
    /// </summary>
    private static WeightTensor ReadTensor(GgufFile file, string ggufName, string modelName, KeptBlocks kept, params int[] shape)
    {
        GgufTensorInfo tensor = file.RequireTensor(ggufName);
        long[] actual = tensor.RowMajorShape();
        long[] declared = Array.ConvertAll(shape, dimension => (long)dimension);
        if (!actual.AsSpan().SequenceEqual(declared))
        {
            Array.Reverse(declared);
            string vocabulary = ggufName == "token_embd.weight" ? $" (ne[1] is the vocabulary size, declared Vocab = {shape[0]})" : string.Empty;
            throw new ModelLoadException(
                file.Path,
                $"tensor {tensor.Describe()} has shape [{string.Join(", ", actual)}] (rows, columns), but the model declares [{string.Join(", ", shape)}], ne [{string.Join(", ", declared)}]{vocabulary}");
        }

        bool keep = shape.Length == 2 && kept switch
        {
            KeptBlocks.Q8_0 => tensor.Type == GgmlType.Q8_0,
            KeptBlocks.FourBit => GgufQ4Matrix.Holds(tensor.Type),
            _ => false,
        };
        if (!keep)
        {
            return new WeightTensor(modelName, shape, file.ReadAsFloat32(tensor));
        }

        // The blocks are checked first, so that a bad scale is reported by row and block rather than as a non-finite value.
        byte[] bytes = file.ReadBytes(tensor);
        if (kept == KeptBlocks.Q8_0)
        {
            GgufQ8_0Matrix q8_0 = GgufQ8_0Matrix.Check(file.Path, tensor, shape[0], shape[1], bytes);
            return new WeightTensor(modelName, shape, file.ToFloat32(tensor, bytes)) { Q8_0Blocks = q8_0 };
        }

        GgufQ4Matrix fourBit = GgufQ4Matrix.Check(file.Path, tensor, shape[0], shape[1], bytes);
        return new WeightTensor(modelName, shape, file.ToFloat32(tensor, bytes)) { Q4Blocks = fourBit };
    }

    /// <summary>The bytes of the tensors <see cref="Read(string, GgufLlamaShape, LoadProgress)"/> reads (those present; a missing one is reported when it is read).</summary>
    private static long BytesToRead(GgufFile file, GgufLlamaShape shape)
    {
        var names = new System.Collections.Generic.List<string> { "token_embd.weight", "output_norm.weight" };
        if (!shape.TiedEmbeddings)
        {
            names.Add("output.weight");
        }

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            foreach (string name in PerLayerNames)
            {
                names.Add($"blk.{layer}.{name}.weight");
            }
        }

        long bytes = 0;
        foreach (string name in names)
        {
            bytes += file.FindTensor(name)?.ByteLength ?? 0;
        }

        return bytes;
    }

    private static readonly string[] PerLayerNames =
        ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_down", "ffn_up"];

    /// <summary>Which of a file's quantized blocks a matrix keeps for an exact copy into the model's stored form.</summary>
    private enum KeptBlocks
    {
        /// <summary>None: the model stores the matrix as float32 or bf16, or quantizes it from float32.</summary>
        None,

        /// <summary>Q8_0 blocks, for a matrix stored as a <see cref="Q8Matrix"/>.</summary>
        Q8_0,

        /// <summary>Q4_0, Q4_1 or Q4_K blocks, for a matrix stored as a <see cref="Q4Matrix"/>.</summary>
        FourBit,
    }
}
