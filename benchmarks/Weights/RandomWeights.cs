using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Weights;

/// <summary>
/// Seeded random weights for the shapes without a trained checkpoint here, written once into the
/// benchmark data folder in the formats the generated loaders read (llama2.c checkpoints; Hugging Face
/// safetensors folders with config.json). Values are uniform in +-1/sqrt(width) so activations stay
/// in a realistic range; norm weights are 1. Written to a temporary name and renamed, so a
/// half-written file is never picked up.
/// </summary>
internal static partial class RandomWeights
{
    public const ulong Seed = 20261124;

    /// <summary>The llama2.c checkpoint of <paramref name="shape"/> (shared classifier), written if missing.</summary>
    public static string Llama2cCheckpoint(LlamaShape shape)
    {
        string path = Path.Combine(RepositoryPaths.DataFolder, $"{shape.Name}-seed{Seed}.bin");
        if (File.Exists(path))
        {
            return path;
        }

        var random = new SeededRandom(Seed);
        float width = 1f / MathF.Sqrt(shape.Dim);
        float ffnWidth = 1f / MathF.Sqrt(shape.HiddenDim);
        WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            foreach (int field in new[] { shape.Dim, shape.HiddenDim, shape.Layers, shape.Heads, shape.KvHeads, shape.Vocab, shape.Context })
            {
                writer.Write(field);
            }

            long l = shape.Layers;
            WriteRandom(stream, random, (long)shape.Vocab * shape.Dim, width); // token embedding
            WriteConstant(stream, l * shape.Dim, 1f); // attention norms
            WriteRandom(stream, random, l * shape.Dim * shape.Dim, width); // query
            WriteRandom(stream, random, l * shape.KvDim * shape.Dim, width); // key
            WriteRandom(stream, random, l * shape.KvDim * shape.Dim, width); // value
            WriteRandom(stream, random, l * shape.Dim * shape.Dim, width); // output
            WriteConstant(stream, l * shape.Dim, 1f); // FFN norms
            WriteRandom(stream, random, l * shape.HiddenDim * shape.Dim, width); // gate (w1)
            WriteRandom(stream, random, l * shape.Dim * shape.HiddenDim, ffnWidth); // down (w2)
            WriteRandom(stream, random, l * shape.HiddenDim * shape.Dim, width); // up (w3)
            WriteConstant(stream, shape.Dim, 1f); // final norm
            WriteConstant(stream, (long)shape.Context * shape.HeadDim, 0f); // legacy RoPE tables, unused
        });
        return path;
    }

    /// <summary>A Hugging Face GPT-2 folder (model.safetensors, config.json) of <paramref name="shape"/>, written if missing.</summary>
    public static string Gpt2Folder(Gpt2Shape shape)
    {
        string folder = Path.Combine(RepositoryPaths.DataFolder, $"{shape.Name}-seed{Seed}");
        string weights = Path.Combine(folder, "model.safetensors");
        if (File.Exists(weights))
        {
            return folder;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), string.Create(CultureInfo.InvariantCulture,
            $$"""{"model_type": "gpt2", "n_embd": {{shape.Embedding}}, "n_head": {{shape.Heads}}, "n_layer": {{shape.Layers}}, "vocab_size": {{shape.Vocab}}, "n_positions": {{shape.Positions}}, "n_ctx": {{shape.Positions}}, "n_inner": null, "layer_norm_epsilon": 1e-05}"""));

        int d = shape.Embedding;
        var tensors = new List<SafetensorsWriter.Tensor>
        {
            new("wte.weight", [shape.Vocab, d], 1f / MathF.Sqrt(d), 0f),
            new("wpe.weight", [shape.Positions, d], 0.01f, 0f),
        };
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            string h = $"h.{layer}.";
            tensors.Add(new(h + "ln_1.weight", [d], 0f, 1f));
            tensors.Add(new(h + "ln_1.bias", [d], 0f, 0f));
            tensors.Add(new(h + "attn.c_attn.weight", [d, 3 * d], 1f / MathF.Sqrt(d), 0f));
            tensors.Add(new(h + "attn.c_attn.bias", [3 * d], 0.01f, 0f));
            tensors.Add(new(h + "attn.c_proj.weight", [d, d], 1f / MathF.Sqrt(d), 0f));
            tensors.Add(new(h + "attn.c_proj.bias", [d], 0.01f, 0f));
            tensors.Add(new(h + "ln_2.weight", [d], 0f, 1f));
            tensors.Add(new(h + "ln_2.bias", [d], 0f, 0f));
            tensors.Add(new(h + "mlp.c_fc.weight", [d, shape.Inner], 1f / MathF.Sqrt(d), 0f));
            tensors.Add(new(h + "mlp.c_fc.bias", [shape.Inner], 0.01f, 0f));
            tensors.Add(new(h + "mlp.c_proj.weight", [shape.Inner, d], 1f / MathF.Sqrt(shape.Inner), 0f));
            tensors.Add(new(h + "mlp.c_proj.bias", [d], 0.01f, 0f));
        }

        tensors.Add(new("ln_f.weight", [d], 0f, 1f));
        tensors.Add(new("ln_f.bias", [d], 0f, 0f));
        SafetensorsWriter.Write(weights, tensors, new SeededRandom(Seed + 1));
        return folder;
    }

    internal static void WriteRandom(Stream stream, SeededRandom random, long count, float scale) =>
        WriteValues(stream, count, _ => random.Uniform(scale));

    internal static void WriteConstant(Stream stream, long count, float value) => WriteValues(stream, count, _ => value);

    private static void WriteValues(Stream stream, long count, Func<long, float> next)
    {
        var buffer = new float[1 << 16];
        for (long written = 0; written < count;)
        {
            int chunk = (int)Math.Min(buffer.Length, count - written);
            for (int i = 0; i < chunk; i++)
            {
                buffer[i] = next(written + i);
            }

            stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, chunk)));
            written += chunk;
        }
    }

    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string temporary = $"{path}.{Environment.ProcessId}.partial";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            write(stream);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
