using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Codegen.Generator.Parsing;

/// <summary>
/// Every diagnostic the generator reports. IDs are stable: never renumber or reuse one. Each is listed
/// in <c>AnalyzerReleases.Unshipped.md</c> (or, once released, <c>Shipped.md</c>) and explained, with an
/// example and its fix, in <c>docs/diagnostics.md</c>, which each descriptor's help link points at.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>Where every help link points: the ID's section of docs/diagnostics.md on the main branch.</summary>
    public const string HelpLinkBase = "https://github.com/codegen/codegen/blob/main/docs/diagnostics.md#";

    private const string Category = "Codegen";

    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "CG0001",
        "Model class must be partial",
        "The class '{0}' must be declared partial so that Codegen can add the generated model to it",
        "The generator adds the model's constants, weights, loaders and sessions to the annotated class as a second part of a partial class, so the class must be declared partial.");

    public static readonly DiagnosticDescriptor ClassIsGeneric = Error(
        "CG0002",
        "Model class cannot be generic",
        "The class '{0}' has type parameters; a [TransformerModel] class cannot be generic",
        "Generated code names the model class without type arguments, and a model's shape cannot depend on a type parameter, so the class cannot be generic.");

    public static readonly DiagnosticDescriptor ClassIsNested = Error(
        "CG0003",
        "Model class cannot be nested",
        "The class '{0}' is nested inside '{1}'; declare a [TransformerModel] class directly in a namespace",
        "Generated code declares the model class directly in its namespace, so a [TransformerModel] class cannot be nested in another type.");

    public static readonly DiagnosticDescriptor SizeNotPositive = Error(
        "CG0004",
        "Model size must be positive",
        "{0} must be a positive integer, but it is {1}{2}",
        "DModel, Heads, Layers, Vocab and Context are required and must be positive; KvHeads and FfnDim may be left out (or 0) for their defaults but cannot be negative.");

    public static readonly DiagnosticDescriptor DModelNotDivisibleByHeads = Error(
        "CG0005",
        "DModel must be divisible by Heads",
        "DModel ({0}) must be divisible by Heads ({1}) so that every attention head has the same size",
        "Every attention head has DModel / Heads dimensions, so Heads must divide DModel. The diagnostic is on the attribute, with the DModel and Heads arguments as additional locations.");

    public static readonly DiagnosticDescriptor HeadsNotDivisibleByKvHeads = Error(
        "CG0006",
        "Heads must be divisible by KvHeads",
        "Heads ({0}) must be divisible by KvHeads ({1}) so that every key/value head serves the same number of query heads",
        "With grouped-query attention each key/value head serves Heads / KvHeads query heads, so KvHeads must divide Heads. The diagnostic is on the attribute, with the Heads and KvHeads arguments as additional locations.");

    public static readonly DiagnosticDescriptor OddHeadSizeWithRotary = Error(
        "CG0007",
        "Rotary positions need an even head size",
        "The head size DModel / Heads = {0} / {1} = {2} is odd; rotary positions rotate pairs of dimensions and need an even head size",
        "A Llama model rotates pairs of dimensions of every query and key head by its position, so the head size DModel / Heads must be even. The diagnostic is on the attribute, with the DModel and Heads arguments as additional locations.");

    public static readonly DiagnosticDescriptor InvalidNormEpsilon = Error(
        "CG0008",
        "NormEpsilon must be positive",
        "NormEpsilon must be a positive, finite number, but it is {0}",
        "NormEpsilon is added to the variance before its square root in every RMSNorm or LayerNorm, so it must be positive and finite.");

    public static readonly DiagnosticDescriptor InvalidRopeTheta = Error(
        "CG0009",
        "RopeTheta must be greater than 1",
        "RopeTheta must be a finite number greater than 1, but it is {0}",
        "RopeTheta is the base of the rotary frequencies RopeTheta^(-2i/HeadDim); a base of 1 or less gives no rotation or growing frequencies.");

    public static readonly DiagnosticDescriptor Gpt2GroupedQuery = Error(
        "CG0010",
        "GPT-2 has no grouped key/value heads",
        "GPT-2 has no grouped key/value heads: KvHeads ({0}) must equal Heads ({1}) or be left out",
        "GPT-2 models have one key/value head per query head; a different KvHeads describes a model the GPT-2 family cannot load.");

    public static readonly DiagnosticDescriptor Gpt2RopeTheta = Warning(
        "CG0011",
        "RopeTheta has no effect on GPT-2",
        "RopeTheta has no effect on a GPT-2 model, which uses learned position embeddings; remove it",
        "GPT-2 models add learned position embeddings instead of rotating queries and keys, so RopeTheta is ignored; the code is still generated.");

    public static readonly DiagnosticDescriptor TensorTooLarge = Error(
        "CG0012",
        "A tensor is too large",
        "{0} needs {1} elements, more than a .NET array can hold ({2}); make {3} smaller",
        "Each tensor is one .NET array, which holds at most 2,147,483,591 elements (Array.MaxLength), so no tensor can be allocated at all past that size. The diagnostic is on the attribute, with the arguments to make smaller as additional locations.");

    public static readonly DiagnosticDescriptor ClassIsStaticOrAbstract = Error(
        "CG0013",
        "Model class cannot be static or abstract",
        "The class '{0}' is {1}; a [TransformerModel] class must be a plain class the generated loader can create",
        "The generated loaders create an instance of the model class, so it cannot be static or abstract.");

    public static readonly DiagnosticDescriptor UnknownFamily = Error(
        "CG0014",
        "Unknown model family",
        "Family {0} is not a model family this generator knows (Llama or Gpt2)",
        "Family must be one of the ModelFamily values the generator implements; a value cast from another number, or a family added to a newer runtime than the generator, has no code to generate.");

    public static readonly DiagnosticDescriptor UnknownWeightFormat = Error(
        "CG0015",
        "Unknown weight format",
        "Weights {0} is not a weight format this generator knows (F32, BF16, Q8 or Q4)",
        "Weights must be one of the WeightFormat values the generator implements; a value cast from another number, or a format added to a newer runtime than the generator, has no kernels to generate.");

    public static readonly DiagnosticDescriptor UnknownArgument = Error(
        "CG0016",
        "Unknown [TransformerModel] argument",
        "The [TransformerModel] argument '{0}' is not one this generator knows, and ignoring it would generate a different model than declared; update the Codegen generator or remove the argument",
        "The attribute was compiled with an argument the generator does not read, typically from a newer Codegen runtime than the generator. The generator does not ignore it, because the generated model would silently differ from the declaration.");

    public static readonly DiagnosticDescriptor ContextTooShort = Warning(
        "CG0017",
        "Context leaves no room to generate",
        "Context is {0}, so the KV cache holds a single position and nothing can follow a one-token prompt; use a Context of at least 2",
        "Context is the longest sequence, prompt and generated tokens together, that a session can hold. With a Context of 1 no token can ever be fed back after the prompt, which cannot be meant; the code is still generated.");

    public static readonly DiagnosticDescriptor WeightsTooLarge = Warning(
        "CG0018",
        "The model's weights are implausibly large",
        "The weights of this shape take {0} bytes ({1} GiB) in memory as {2}, more than the {3} GiB a process would sensibly hold; check Layers, Vocab, DModel and FfnDim",
        "The weights a loaded model keeps in memory (every tensor in its stored format) exceed " + ModelSpecParser.WeightsWarningGiB + " GiB, far beyond the memory of the machines Codegen targets, which usually means a mistyped size. The code is still generated; suppress the warning if the shape is meant.");

    public static readonly DiagnosticDescriptor ConfigNotFound = Error(
        "CG0019",
        "Config file is not among the AdditionalFiles",
        "The config file '{0}' is not among the project's AdditionalFiles; add <AdditionalFiles Include=\"{0}\" /> to the project file",
        "The generator reads a config.json named by Config only through the compiler's AdditionalFiles, so that editing it regenerates the model. The path is matched against the end of each AdditionalFiles path, relative to the project.");

    public static readonly DiagnosticDescriptor ConfigNotJson = Error(
        "CG0020",
        "Config file is not valid JSON",
        "The config file '{0}' is not valid JSON: {1}",
        "A Hugging Face config.json is one JSON object; the file named by Config could not be parsed.");

    public static readonly DiagnosticDescriptor ConfigArchitectureNotSupported = Error(
        "CG0021",
        "Config file declares an architecture that is not supported",
        "The config file '{0}' declares {1}, which Codegen does not support; supported are {2}",
        "The generator implements the Llama family (Llama, Mistral, Qwen2, Phi-3) and GPT-2; another architecture has layers it cannot generate.");

    public static readonly DiagnosticDescriptor ConfigFeatureNotSupported = Error(
        "CG0022",
        "Config file asks for a feature that is not supported",
        "The config file '{0}' sets {1} to {2}, which is not supported: {3}",
        "A config field changes the model in a way the generated code does not implement; generating the model anyway would compute something else than the checkpoint was trained for.");

    public static readonly DiagnosticDescriptor ConfigDisagrees = Error(
        "CG0023",
        "Attribute and config file disagree",
        "{0} is {1} in the attribute, but the config file '{2}' has {3} = {4}",
        "A size written in the attribute as well as in the config file must agree; leave it out of the attribute to take the file's. Context may be shorter than the file's max_position_embeddings.");

    public static readonly DiagnosticDescriptor ConfigFieldInvalid = Error(
        "CG0024",
        "Config field is missing or invalid",
        "The config file '{0}' has {1} = {2}, but it must be {3}",
        "A field the model's shape needs is missing from the config file, or has a value of the wrong type or range.");

    public static readonly DiagnosticDescriptor ConfigAmbiguous = Error(
        "CG0025",
        "Config path matches several AdditionalFiles",
        "The config file '{0}' matches several AdditionalFiles ({1}); write more of its path",
        "Config is matched against the end of each AdditionalFiles path; more than one file ends that way, so the generator cannot tell which is meant.");

    public static readonly DiagnosticDescriptor KvCacheTooLarge = Warning(
        "CG0026",
        "Each session's KV cache is larger than the model",
        "Each session's KV cache takes {0} bytes ({1} GiB) for a Context of {2}, more than the weights ({3} GiB); declare a shorter Context (a config file's max_position_embeddings is the longest the model supports, not what a session needs)",
        "A session allocates keys and values for every position of Context in every layer. A config file's max_position_embeddings can be very long (Llama 3.2: 131,072), and its cache then outweighs the model; the attribute's Context may be shorter. The code is still generated; suppress the warning if the context is meant.");

    private static readonly Dictionary<string, DiagnosticDescriptor> AllById = Index(
        ClassNotPartial,
        ClassIsGeneric,
        ClassIsNested,
        SizeNotPositive,
        DModelNotDivisibleByHeads,
        HeadsNotDivisibleByKvHeads,
        OddHeadSizeWithRotary,
        InvalidNormEpsilon,
        InvalidRopeTheta,
        Gpt2GroupedQuery,
        Gpt2RopeTheta,
        TensorTooLarge,
        ClassIsStaticOrAbstract,
        UnknownFamily,
        UnknownWeightFormat,
        UnknownArgument,
        ContextTooShort,
        WeightsTooLarge,
        ConfigNotFound,
        ConfigNotJson,
        ConfigArchitectureNotSupported,
        ConfigFeatureNotSupported,
        ConfigDisagrees,
        ConfigFieldInvalid,
        ConfigAmbiguous,
        KvCacheTooLarge);

    public static DiagnosticDescriptor ById(string id) => AllById[id];

    private static DiagnosticDescriptor Error(string id, string title, string message, string description) =>
        Create(id, title, message, description, DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Warning(string id, string title, string message, string description) =>
        Create(id, title, message, description, DiagnosticSeverity.Warning);

    private static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity) =>
        new(
            id,
            title,
            message,
            Category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var byId = new Dictionary<string, DiagnosticDescriptor>();
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            byId.Add(descriptor.Id, descriptor);
        }

        return byId;
    }
}
