// The one home of the [TransformerModel] contract: the attribute's properties (their names are what the
// generator reads, through nameof), the two enums and every default. The runtime compiles this file as
// public types in namespace Codegen; the generator links the same file (see Codegen.Generator.csproj),
// where CODEGEN_GENERATOR makes the types internal and puts them in Codegen.Generator.Model, so that a
// project referencing both assemblies (the tests) sees no second Codegen.TransformerModelAttribute.
using System;

#if CODEGEN_GENERATOR
namespace Codegen.Generator.Model;
#else
namespace Codegen;
#endif

/// <summary>The architecture family of a generated model.</summary>
#if CODEGEN_GENERATOR
internal
#else
public
#endif
enum ModelFamily
{
    /// <summary>Llama: RMSNorm, SwiGLU MLP, rotary positions, grouped key/value heads, no biases.</summary>
    Llama = 0,

    /// <summary>GPT-2: LayerNorm with bias, GELU MLP, learned position embeddings, biases everywhere.</summary>
    Gpt2 = 1,
}

/// <summary>How the projection matrices (and the unembedding) are stored in memory.</summary>
#if CODEGEN_GENERATOR
internal
#else
public
#endif
enum WeightFormat
{
    /// <summary>32-bit floats, as loaded: exact.</summary>
    F32 = 0,

    /// <summary>bfloat16 (the upper half of a float32): half the bytes, about 3 significant digits.</summary>
    BF16 = 1,

    /// <summary>8-bit integers with one float16 scale per block of 32 (like llama.cpp's Q8_0): 1.0625 bytes a weight, about a quarter of float32's.</summary>
    Q8 = 2,

    /// <summary>
    /// 4-bit integers in blocks of 32 with a float16 scale and offset per block (like llama.cpp's Q4_1; Q4_0 and
    /// Q4_K blocks convert to it): 0.625 bytes a weight. The unembedding stays in 8 bits (<see cref="Q8"/>), whose
    /// errors would otherwise go straight into the logits, as llama.cpp's 4-bit files keep theirs at 6 bits.
    /// </summary>
    Q4 = 3,
}

/// <summary>
/// Declares the shape of a decoder-only transformer on a <c>partial</c> class. At build time the
/// Codegen generator fills in the class with constants for every size, typed weights and their
/// loader, SIMD kernels, a session with a KV cache and a generation loop for exactly this shape.
/// </summary>
/// <remarks>
/// Every property the generator does not know is reported (CG0016) rather than ignored, so a property
/// added here must be handled by the generator's parser in the same change.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
#if CODEGEN_GENERATOR
internal
#else
public
#endif
sealed class TransformerModelAttribute : Attribute
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
    public int KvHeads { get; set; } = TransformerModelDefaults.Unset;

    /// <summary>Hidden size of the MLP. 0 means the family default (Llama: 8/3 DModel rounded up to 256; GPT-2: 4 DModel).</summary>
    public int FfnDim { get; set; } = TransformerModelDefaults.Unset;

    /// <summary>The architecture family. Default <see cref="ModelFamily.Llama"/>.</summary>
    public ModelFamily Family { get; set; } = TransformerModelDefaults.Family;

    /// <summary>Epsilon of RMSNorm / LayerNorm. Default 1e-5.</summary>
    public double NormEpsilon { get; set; } = TransformerModelDefaults.NormEpsilon;

    /// <summary>Base of the rotary position frequencies (Llama only). Default 10000.</summary>
    public double RopeTheta { get; set; } = TransformerModelDefaults.RopeTheta;

    /// <summary>Whether the unembedding reuses the token embedding matrix. Default true.</summary>
    public bool TiedEmbeddings { get; set; } = TransformerModelDefaults.TiedEmbeddings;

    /// <summary>
    /// How the projection matrices and the unembedding are kept in memory; loaders read float32 files
    /// and convert once. Decoding reads every weight once a token, so fewer bytes decode faster.
    /// Default <see cref="WeightFormat.F32"/>.
    /// </summary>
    public WeightFormat Weights { get; set; } = TransformerModelDefaults.Weights;

    /// <summary>
    /// A Hugging Face <c>config.json</c> to take the shape from (architecture, every size, norm epsilon, rotary
    /// base and scaling, tied embeddings, biases, sliding window): its path, relative to the project, of a file
    /// the project lists as <c>&lt;AdditionalFiles Include="..." /&gt;</c>. Sizes written in the attribute as well
    /// must agree with the file; Context may be shorter than the file's <c>max_position_embeddings</c>.
    /// Supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Phi3ForCausalLM and GPT2LMHeadModel.
    /// </summary>
    public string? Config { get; set; }

    /// <summary>
    /// Whether the generator also writes <c>CpuInspectingSession</c>: the same CPU forward pass, token by token, that
    /// records every head's attention weights, the residual stream's norms and the logit lens (see
    /// <c>Codegen.Inspection.InspectionResult</c>). The fast sessions are the same either way. Default false, so a
    /// model that does not ask pays nothing in generated code or build time.
    /// </summary>
    public bool Inspectable { get; set; }
}

/// <summary>
/// What <see cref="TransformerModelAttribute"/> means where a property is left out: the attribute's
/// initial values and the generator's resolution of the sizes written as 0 both come from here.
/// </summary>
internal static class TransformerModelDefaults
{
    /// <summary>The value of <see cref="TransformerModelAttribute.KvHeads"/> and <see cref="TransformerModelAttribute.FfnDim"/> that asks for the default.</summary>
    public const int Unset = 0;

    /// <summary>Default <see cref="TransformerModelAttribute.Family"/>.</summary>
    public const ModelFamily Family = ModelFamily.Llama;

    /// <summary>Default <see cref="TransformerModelAttribute.Weights"/>.</summary>
    public const WeightFormat Weights = WeightFormat.F32;

    /// <summary>Default <see cref="TransformerModelAttribute.NormEpsilon"/>.</summary>
    public const double NormEpsilon = 1e-5;

    /// <summary>Default <see cref="TransformerModelAttribute.RopeTheta"/>.</summary>
    public const double RopeTheta = 10000.0;

    /// <summary>Default <see cref="TransformerModelAttribute.TiedEmbeddings"/>.</summary>
    public const bool TiedEmbeddings = true;

    /// <summary>The multiple a Llama model's default MLP width is rounded up to.</summary>
    public const int LlamaFfnMultiple = 256;

    /// <summary>The key/value head count: <paramref name="kvHeads"/>, or <paramref name="heads"/> (no grouping) when unset.</summary>
    public static int ResolveKvHeads(int kvHeads, int heads) => kvHeads == Unset ? heads : kvHeads;

    /// <summary>The MLP width: <paramref name="ffnDim"/>, or the family's default for <paramref name="dModel"/> when unset.</summary>
    public static int ResolveFfnDim(int ffnDim, ModelFamily family, int dModel) =>
        ffnDim == Unset ? DefaultFfnDim(family, dModel) : ffnDim;

    /// <summary>
    /// The MLP width when the attribute leaves it out: Llama's 8/3 DModel (integer division of 8 DModel
    /// by 3) rounded up to a multiple of 256, as llama2.c's model.py computes it; GPT-2's 4 DModel.
    /// </summary>
    public static int DefaultFfnDim(ModelFamily family, int dModel)
    {
        if (family == ModelFamily.Gpt2)
        {
            return 4 * dModel;
        }

        int hidden = 2 * (4 * dModel) / 3;
        return LlamaFfnMultiple * ((hidden + LlamaFfnMultiple - 1) / LlamaFfnMultiple);
    }
}
