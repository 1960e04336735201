using System;
using System.IO;
using Codegen.Benchmarks.Weights;
using Codegen.Formats;
using Microsoft.ML.OnnxRuntime;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// The "onnx" benchmark peer: ONNX Runtime (CPU, 2 intra-op threads, 1 inter-op thread,
/// sequential, all graph optimizations; see <see cref="DecodeStepSessions"/>) running the
/// decode-step graph of tools/onnx/export_decode_step.py on the same weights as the generated code.
/// </summary>
/// <remarks>
/// The key/value cache is two pinned buffers [Context, Layers, KvHeads, HeadDim], allocated once.
/// Every call runs through an <see cref="OrtIoBinding"/> whose values are views of existing memory,
/// so nothing is copied in or out: <c>past_keys</c>/<c>past_values</c> are the first
/// <c>position</c> positions of the cache, <c>new_keys</c>/<c>new_values</c> are the cache at
/// <c>position</c> (ONNX Runtime writes the new keys into the cache itself), <c>tokens</c> and
/// <c>logits</c> are preallocated buffers. Decoding at a position always binds the same views, so
/// each position's binding is made once, on first use, and reused: a decode step allocates no
/// managed memory. A prefill binds a new set of views per prompt.
/// </remarks>
public sealed class OnnxDecoderSession : IInferenceSession
{
    private readonly DecodeStepSessions sessions;
    private readonly RunOptions runOptions = new();
    private readonly DecodeStepBuffers buffers;
    private readonly OrtIoBinding?[] decodeBindings;
    private int cachedPositions;
    private bool disposed;

    /// <summary>Opens <paramref name="graphPath"/> with a cache of <paramref name="context"/> positions.</summary>
    public OnnxDecoderSession(string graphPath, int context)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(context);
        if (!File.Exists(graphPath))
        {
            throw new FileNotFoundException($"No ONNX decode-step graph at {graphPath}.", graphPath);
        }

        sessions = new DecodeStepSessions(graphPath);
        try
        {
            // past_keys is [positions, Layers, KvHeads, HeadDim] and logits [Vocab] in the graph.
            int[] cacheShape = sessions.Metadata.InputMetadata[DecodeStepNames.PastKeys].Dimensions;
            int vocabulary = sessions.Metadata.OutputMetadata[DecodeStepNames.Logits].Dimensions[0];
            buffers = new DecodeStepBuffers(context, cacheShape[1], cacheShape[2], cacheShape[3], vocabulary);
            decodeBindings = new OrtIoBinding?[context];
        }
        catch
        {
            sessions.Dispose();
            runOptions.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int VocabularySize => buffers.Vocabulary;

    /// <inheritdoc/>
    public int ContextLength => buffers.Context;

    /// <summary>
    /// A session on a llama2.c checkpoint, exporting its graph into the benchmark data folder on first use.
    /// </summary>
    public static OnnxDecoderSession ForLlama2c(string checkpointPath, int context)
    {
        int seqLen;
        using (var checkpoint = Llama2cCheckpoint.Open(checkpointPath))
        {
            seqLen = checkpoint.Header.SeqLen;
        }

        RequireContext(context, seqLen, $"{checkpointPath} (header seq_len)");
        string graph = DecodeStepExport.EnsureExported(
            "--llama2c", checkpointPath, checkpointPath, Path.GetFileNameWithoutExtension(checkpointPath));
        return new OnnxDecoderSession(graph, context);
    }

    /// <summary>
    /// A session on a Hugging Face GPT-2 folder (model.safetensors, config.json), exporting its graph
    /// into the benchmark data folder on first use.
    /// </summary>
    public static OnnxDecoderSession ForGpt2(string folder, int context)
    {
        string config = Path.Combine(folder, HuggingFaceConfig.FileName);
        int positions = HuggingFaceConfig.Load(config).NPositions
            ?? throw new ArgumentException($"{config} gives neither n_positions nor n_ctx.", nameof(folder));
        RequireContext(context, positions, $"{config} (n_positions)");
        string weights = Path.Combine(folder, "model.safetensors");
        string graph = DecodeStepExport.EnsureExported(
            "--gpt2", folder, weights, $"{new DirectoryInfo(folder).Name}-model");
        return new OnnxDecoderSession(graph, context);
    }

    /// <summary>
    /// A session on a Hugging Face Llama-family folder (config.json, safetensors), exporting its graph into the
    /// benchmark data folder on first use.
    /// </summary>
    public static OnnxDecoderSession ForHuggingFace(HuggingFaceShape shape, string folder, int context)
    {
        RequireContext(context, shape.MaxPositions, $"{shape.ConfigPath} (max_position_embeddings)");
        string weights = Path.Combine(folder, "model.safetensors");
        string graph = DecodeStepExport.EnsureExported("--hf", folder, weights, new DirectoryInfo(folder).Name);
        return new OnnxDecoderSession(graph, context);
    }

    /// <inheritdoc/>
    public ReadOnlySpan<float> Forward(int token, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        RequirePosition(position, 1);
        RequireToken(token);
        buffers.Tokens[0] = token;
        InferenceSession session = sessions.For(position);
        OrtIoBinding binding = decodeBindings[position] ??= BindStep(session.CreateIoBinding(), position, 1);
        session.RunWithBinding(runOptions, binding);
        cachedPositions = position + 1;
        return buffers.Logits;
    }

    /// <inheritdoc/>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("Prefill needs at least one token.", nameof(tokens));
        }

        RequirePosition(position, tokens.Length);
        for (int i = 0; i < tokens.Length; i++)
        {
            RequireToken(tokens[i]);
            buffers.Tokens[i] = tokens[i];
        }

        InferenceSession session = sessions.For(position);
        using (OrtIoBinding binding = BindStep(session.CreateIoBinding(), position, tokens.Length))
        {
            session.RunWithBinding(runOptions, binding);
        }

        cachedPositions = position + tokens.Length;
        return buffers.Logits;
    }

    /// <inheritdoc/>
    public void Reset() => cachedPositions = 0;

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (OrtIoBinding? binding in decodeBindings)
        {
            binding?.Dispose();
        }

        runOptions.Dispose();
        sessions.Dispose();
    }

    /// <summary>Binds <paramref name="count"/> new tokens at <paramref name="position"/> (views of the buffers, no copies).</summary>
    private OrtIoBinding BindStep(OrtIoBinding binding, int position, int count)
    {
        // The binding keeps its own reference to each value; the managed wrappers can go at once.
        using (OrtValue tokens = buffers.TokensView(count))
        using (OrtValue pastKeys = buffers.KeysView(0, position))
        using (OrtValue pastValues = buffers.ValuesView(0, position))
        using (OrtValue newKeys = buffers.KeysView(position, count))
        using (OrtValue newValues = buffers.ValuesView(position, count))
        using (OrtValue logits = buffers.LogitsView())
        {
            binding.BindInput(DecodeStepNames.Tokens, tokens);
            binding.BindInput(DecodeStepNames.PastKeys, pastKeys);
            binding.BindInput(DecodeStepNames.PastValues, pastValues);
            binding.BindOutput(DecodeStepNames.Logits, logits);
            binding.BindOutput(DecodeStepNames.NewKeys, newKeys);
            binding.BindOutput(DecodeStepNames.NewValues, newValues);
        }

        return binding;
    }

    private void RequirePosition(int position, int count)
    {
        if (position < 0 || position > cachedPositions)
        {
            throw new ArgumentOutOfRangeException(
                nameof(position), position, $"Position must be in 0..{cachedPositions}: positions are fed in order, and {cachedPositions} are cached.");
        }

        if (position + count > buffers.Context)
        {
            throw new ArgumentOutOfRangeException(
                nameof(position), position, $"{count} token(s) at position {position} run past the context of {buffers.Context} positions.");
        }
    }

    private void RequireToken(int token)
    {
        if ((uint)token >= (uint)buffers.Vocabulary)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token ids are 0..{buffers.Vocabulary - 1}.");
        }
    }

    private static void RequireContext(int context, int longest, string source)
    {
        if (context <= 0 || context > longest)
        {
            throw new ArgumentOutOfRangeException(nameof(context), context, $"Context must be 1..{longest}, the longest that {source} allows.");
        }
    }
}
