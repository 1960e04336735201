namespace Codegen.Benchmarks.Onnx;

/// <summary>The input and output names of the decode-step graph (tools/onnx/export_decode_step.py).</summary>
internal static class DecodeStepNames
{
    /// <summary>int64 [T]: the new tokens.</summary>
    public const string Tokens = "tokens";

    /// <summary>float32 [P, Layers, KvHeads, HeadDim]: keys of the P cached positions.</summary>
    public const string PastKeys = "past_keys";

    /// <summary>float32 [P, Layers, KvHeads, HeadDim]: values of the P cached positions.</summary>
    public const string PastValues = "past_values";

    /// <summary>float32 [Vocab]: logits after the last new token.</summary>
    public const string Logits = "logits";

    /// <summary>float32 [T, Layers, KvHeads, HeadDim]: keys of the new positions (after RoPE for Llama).</summary>
    public const string NewKeys = "new_keys";

    /// <summary>float32 [T, Layers, KvHeads, HeadDim]: values of the new positions.</summary>
    public const string NewValues = "new_values";
}
