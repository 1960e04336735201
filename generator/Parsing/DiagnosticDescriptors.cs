using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Codegen.Generator.Parsing;

/// <summary>Every diagnostic the generator reports. IDs are stable: never renumber or reuse one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Codegen";

    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "CG0001",
        "Model class must be partial",
        "The class '{0}' must be declared partial so that Codegen can add the generated model to it");

    public static readonly DiagnosticDescriptor ClassIsGeneric = Error(
        "CG0002",
        "Model class cannot be generic",
        "The class '{0}' has type parameters; a [TransformerModel] class cannot be generic");

    public static readonly DiagnosticDescriptor ClassIsNested = Error(
        "CG0003",
        "Model class cannot be nested",
        "The class '{0}' is nested inside '{1}'; declare a [TransformerModel] class directly in a namespace");

    public static readonly DiagnosticDescriptor SizeNotPositive = Error(
        "CG0004",
        "Model size must be positive",
        "{0} must be a positive integer, but it is {1}{2}");

    public static readonly DiagnosticDescriptor DModelNotDivisibleByHeads = Error(
        "CG0005",
        "DModel must be divisible by Heads",
        "DModel ({0}) must be divisible by Heads ({1}) so that every attention head has the same size");

    public static readonly DiagnosticDescriptor HeadsNotDivisibleByKvHeads = Error(
        "CG0006",
        "Heads must be divisible by KvHeads",
        "Heads ({0}) must be divisible by KvHeads ({1}) so that every key/value head serves the same number of query heads");

    public static readonly DiagnosticDescriptor OddHeadSizeWithRotary = Error(
        "CG0007",
        "Rotary positions need an even head size",
        "The head size DModel / Heads = {0} / {1} = {2} is odd; rotary positions rotate pairs of dimensions and need an even head size");

    public static readonly DiagnosticDescriptor InvalidNormEpsilon = Error(
        "CG0008",
        "NormEpsilon must be positive",
        "NormEpsilon must be a positive, finite number, but it is {0}");

    public static readonly DiagnosticDescriptor InvalidRopeTheta = Error(
        "CG0009",
        "RopeTheta must be greater than 1",
        "RopeTheta must be a finite number greater than 1, but it is {0}");

    public static readonly DiagnosticDescriptor Gpt2GroupedQuery = Error(
        "CG0010",
        "GPT-2 has no grouped key/value heads",
        "GPT-2 has no grouped key/value heads: KvHeads ({0}) must equal Heads ({1}) or be left out");

    public static readonly DiagnosticDescriptor Gpt2RopeTheta = Warning(
        "CG0011",
        "RopeTheta has no effect on GPT-2",
        "RopeTheta has no effect on a GPT-2 model, which uses learned position embeddings; remove it");

    public static readonly DiagnosticDescriptor TensorTooLarge = Error(
        "CG0012",
        "A tensor is too large",
        "{0} needs {1} elements, more than a .NET array can hold ({2}); make {3} smaller");

    public static readonly DiagnosticDescriptor ClassIsStaticOrAbstract = Error(
        "CG0013",
        "Model class cannot be static or abstract",
        "The class '{0}' is {1}; a [TransformerModel] class must be a plain class the generated loader can create");

    public static readonly DiagnosticDescriptor UnknownFamily = Error(
        "CG0014",
        "Unknown model family",
        "Family {0} is not a model family this generator knows (Llama or Gpt2)");

    public static readonly DiagnosticDescriptor UnknownWeightFormat = Error(
        "CG0015",
        "Unknown weight format",
        "Weights {0} is not a weight format this generator knows (F32, BF16 or Q8)");

    public static readonly DiagnosticDescriptor UnknownArgument = Error(
        "CG0016",
        "Unknown [TransformerModel] argument",
        "The [TransformerModel] argument '{0}' is not one this generator knows, and ignoring it would generate a different model than declared; update the Codegen generator or remove the argument");

    public static readonly DiagnosticDescriptor ContextTooShort = Warning(
        "CG0017",
        "Context leaves no room to generate",
        "Context is {0}, so the KV cache holds a single position and nothing can follow a one-token prompt; use a Context of at least 2");

    public static readonly DiagnosticDescriptor WeightsTooLarge = Warning(
        "CG0018",
        "The model's weights are implausibly large",
        "The weights of this shape take {0} bytes ({1} GiB) in memory as {2}, more than the {3} GiB a process would sensibly hold; check Layers, Vocab, DModel and FfnDim");

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
        WeightsTooLarge);

    public static DiagnosticDescriptor ById(string id) => AllById[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

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
