using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// The stories260K files in GGUF and the llama2.c checkpoint they were converted from, and where
/// each GGUF tensor lies in the checkpoint (llama2.c stores every tensor row-major, [rows, columns],
/// which is GGUF's element order: GGUF lists ne[0], the columns, first).
/// </summary>
internal static class Stories260KGgufFiles
{
    public const int Dim = 64;
    public const int Hidden = 172;
    public const int Layers = 5;
    public const int KvDim = 32;
    public const int Vocab = 512;

    public static string F32 => TestModels.Path("stories260K", "stories260K.gguf");

    public static string Quantized(string type) => TestModels.Path("stories260K", "gguf", $"stories260K-{type}.gguf");

    public static string Checkpoint => TestModels.Path("stories260K", "stories260K.bin");

    /// <summary>The checkpoint's float32 values after the 28-byte header.</summary>
    public static float[] CheckpointFloats()
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        return MemoryMarshal.Cast<byte, float>(bytes.AsSpan(28)).ToArray();
    }

    /// <summary>Each GGUF tensor name with its (offset, length) in <see cref="CheckpointFloats"/>.</summary>
    public static Dictionary<string, (int Offset, int Length)> CheckpointLayout()
    {
        var layout = new Dictionary<string, (int, int)>();
        int offset = 0;
        (int, int) Take(int length)
        {
            (int, int) range = (offset, length);
            offset += length;
            return range;
        }

        void PerLayer(string name, int length)
        {
            for (int layer = 0; layer < Layers; layer++)
            {
                layout[$"blk.{layer}.{name}.weight"] = Take(length);
            }
        }

        layout["token_embd.weight"] = Take(Vocab * Dim);
        PerLayer("attn_norm", Dim);
        PerLayer("attn_q", Dim * Dim);
        PerLayer("attn_k", KvDim * Dim);
        PerLayer("attn_v", KvDim * Dim);
        PerLayer("attn_output", Dim * Dim);
        PerLayer("ffn_norm", Dim);
        PerLayer("ffn_gate", Hidden * Dim);
        PerLayer("ffn_down", Dim * Hidden);
        PerLayer("ffn_up", Hidden * Dim);
        layout["output_norm.weight"] = Take(Dim);

        // The classifier is shared with the token embedding (vocab_size is positive in the header).
        layout["output.weight"] = layout["token_embd.weight"];
        return layout;
    }
}
