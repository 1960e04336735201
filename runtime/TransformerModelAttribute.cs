using System;

namespace Codegen;

/// <summary>The architecture family of a generated model.</summary>
public enum ModelFamily
{
    /// <summary>Llama: RMSNorm, SwiGLU MLP, rotary positions, grouped key/value heads, no biases.</summary>
    Llama = 0,

    /// <summary>GPT-2: LayerNorm with bias, GELU MLP, learned position embeddings, biases everywhere.</summary>
    Gpt2 = 1,
}

/// <summary>How the projection matrices (and the unembedding) are stored in memory.</summary>
public enum WeightFormat
{
    /// <summary>32-bit floats, as loaded: exact.</summary>
    F32 = 0,

    /// <summary>bfloat16 (the upper half of a float32): half the bytes, about 3 significant digits.</summary>
    BF16 = 1,

    /// <summary>8-bit integers with one float16 scale per block of 32 (like llama.cpp's Q8_0): 1.0625 bytes a weight, about a quarter of float32's.</summary>
    Q8 = 2,
}

/// <summary>
/// Declares the shape of a decoder-only transformer on a <c>partial</c> class. At build time the
/// Codegen generator fills in the class with constants for every size, typed weights and their
/// loader, SIMD kernels, a session with a KV cache and a generation loop for exactly this shape.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TransformerModelAttribute : Attribute
{
    /// <summary>Width of the residual stream (embedding size). Required.</summary>
    public int DModel { get; set; }

    /// <summary>Number of query heads. Required; must divide <see cref="DModel"/>.</summary>
    public int Heads { get; set; }

    /// <summary>Number of transformer layers (blocks). Required.</summary>
    public int Layers { get; set; }

    /// <summary>Vocabulary size: rows of the token embedding and of the unembedding. Required.</summary>
    public int Vocab { get; set; }

    /// <summary>Longest sequence (prompt plus generated tokens) the KV cache holds. Required.</summary>
    public int Context { get; set; }

    /// <summary>Number of key/value heads (grouped-query attention). 0 means the same as <see cref="Heads"/>.</summary>
    public int KvHeads { get; set; }

    /// <summary>Hidden size of the MLP. 0 means the family default (Llama: 8/3 DModel rounded up to 256; GPT-2: 4 DModel).</summary>
    public int FfnDim { get; set; }

    /// <summary>The architecture family. Default <see cref="ModelFamily.Llama"/>.</summary>
    public ModelFamily Family { get; set; } = ModelFamily.Llama;

    /// <summary>Epsilon of RMSNorm / LayerNorm. Default 1e-5.</summary>
    public double NormEpsilon { get; set; } = 1e-5;

    /// <summary>Base of the rotary position frequencies (Llama only). Default 10000.</summary>
    public double RopeTheta { get; set; } = 10000.0;

    /// <summary>Whether the unembedding reuses the token embedding matrix. Default true.</summary>
    public bool TiedEmbeddings { get; set; } = true;

    /// <summary>
    /// How the projection matrices and the unembedding are kept in memory; loaders read float32 files
    /// and convert once. Decoding reads every weight once a token, so fewer bytes decode faster.
    /// Default <see cref="WeightFormat.F32"/>.
    /// </summary>
    public WeightFormat Weights { get; set; } = WeightFormat.F32;
}
