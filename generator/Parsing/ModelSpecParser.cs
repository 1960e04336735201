using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Codegen.Generator.Parsing;

/// <summary>
/// Turns one [TransformerModel] class into a <see cref="ModelSpec"/> with every default resolved,
/// or into diagnostics that say what is wrong with the declaration. Only a declaration with no
/// errors gets a spec, so broken declarations never produce generated code.
/// </summary>
internal static class ModelSpecParser
{
    /// <summary>The largest array length .NET allows (Array.MaxLength).</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        AttributeData attribute = context.Attributes[0];
        LocationInfo? location = LocationInfo.From(
            attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()
            ?? context.TargetNode.GetLocation());
        var diagnostics = new List<DiagnosticInfo>();

        void Report(DiagnosticDescriptor descriptor, params object[] arguments) =>
            diagnostics.Add(new DiagnosticInfo(
                descriptor.Id,
                location,
                new EquatableArray<string>(arguments.Select(Format).ToImmutableArray())));

        CheckDeclaration(type, (ClassDeclarationSyntax)context.TargetNode, Report);

        var named = attribute.NamedArguments.ToDictionary(pair => pair.Key, pair => pair.Value);
        int dModel = IntArgument(named, Names.DModel);
        int heads = IntArgument(named, Names.Heads);
        int layers = IntArgument(named, Names.Layers);
        int vocab = IntArgument(named, Names.Vocab);
        int context_ = IntArgument(named, Names.Context);
        int kvHeadsArgument = IntArgument(named, Names.KvHeads, TransformerModelDefaults.Unset);
        int ffnArgument = IntArgument(named, Names.FfnDim, TransformerModelDefaults.Unset);
        int familyValue = IntArgument(named, Names.Family, (int)TransformerModelDefaults.Family);
        int weightsValue = IntArgument(named, Names.Weights, (int)TransformerModelDefaults.Weights);
        double epsilon = DoubleArgument(named, Names.NormEpsilon, TransformerModelDefaults.NormEpsilon);
        double ropeTheta = DoubleArgument(named, Names.RopeTheta, TransformerModelDefaults.RopeTheta);
        bool tied = named.TryGetValue(Names.TiedEmbeddings, out TypedConstant tiedConstant) && tiedConstant.Value is bool tiedValue
            ? tiedValue
            : TransformerModelDefaults.TiedEmbeddings;

        if (familyValue is not ((int)ModelFamily.Llama or (int)ModelFamily.Gpt2))
        {
            Report(DiagnosticDescriptors.UnknownFamily, familyValue);
            return Result(null, diagnostics);
        }

        if (weightsValue is not ((int)WeightFormat.F32 or (int)WeightFormat.BF16 or (int)WeightFormat.Q8))
        {
            Report(DiagnosticDescriptors.UnknownWeightFormat, weightsValue);
            return Result(null, diagnostics);
        }

        var family = (ModelFamily)familyValue;
        bool sizesValid = true;
        foreach ((string name, int value) in new[]
                 {
                     (Names.DModel, dModel), (Names.Heads, heads), (Names.Layers, layers), (Names.Vocab, vocab), (Names.Context, context_),
                 })
        {
            if (value <= 0)
            {
                Report(DiagnosticDescriptors.SizeNotPositive, name, value, named.ContainsKey(name) ? string.Empty : " (it is required)");
                sizesValid = false;
            }
        }

        foreach ((string name, int value) in new[] { (Names.KvHeads, kvHeadsArgument), (Names.FfnDim, ffnArgument) })
        {
            if (value < 0)
            {
                Report(DiagnosticDescriptors.SizeNotPositive, name, value, " (leave it out for the default)");
                sizesValid = false;
            }
        }

        if (!(epsilon > 0 && !double.IsInfinity(epsilon)))
        {
            Report(DiagnosticDescriptors.InvalidNormEpsilon, epsilon);
        }

        if (family == ModelFamily.Llama && !(ropeTheta > 1 && !double.IsInfinity(ropeTheta)))
        {
            Report(DiagnosticDescriptors.InvalidRopeTheta, ropeTheta);
        }

        if (family == ModelFamily.Gpt2 && named.ContainsKey(Names.RopeTheta))
        {
            Report(DiagnosticDescriptors.Gpt2RopeTheta);
        }

        if (!sizesValid)
        {
            return Result(null, diagnostics);
        }

        int kvHeads = TransformerModelDefaults.ResolveKvHeads(kvHeadsArgument, heads);
        int ffnDim = TransformerModelDefaults.ResolveFfnDim(ffnArgument, family, dModel);

        if (dModel % heads != 0)
        {
            Report(DiagnosticDescriptors.DModelNotDivisibleByHeads, dModel, heads);
        }
        else if (family == ModelFamily.Llama && (dModel / heads) % 2 != 0)
        {
            Report(DiagnosticDescriptors.OddHeadSizeWithRotary, dModel, heads, dModel / heads);
        }

        if (family == ModelFamily.Gpt2 && kvHeads != heads)
        {
            Report(DiagnosticDescriptors.Gpt2GroupedQuery, kvHeads, heads);
        }
        else if (heads % kvHeads != 0)
        {
            Report(DiagnosticDescriptors.HeadsNotDivisibleByKvHeads, heads, kvHeads);
        }

        CheckTensorSizes(dModel, vocab, context_, ffnDim, Report);

        var spec = new ModelSpec(
            Namespace: type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ClassName: type.Name,
            Accessibility: type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
            Family: family,
            DModel: dModel,
            Heads: heads,
            KvHeads: kvHeads,
            Layers: layers,
            Vocab: vocab,
            Context: context_,
            FfnDim: ffnDim,
            NormEpsilon: epsilon,
            RopeTheta: ropeTheta,
            TiedEmbeddings: tied,
            Weights: (WeightFormat)weightsValue);
        return Result(spec, diagnostics);
    }

    private static void CheckDeclaration(
        INamedTypeSymbol type,
        ClassDeclarationSyntax syntax,
        Action<DiagnosticDescriptor, object[]> report)
    {
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            report(DiagnosticDescriptors.ClassNotPartial, new object[] { type.Name });
        }

        if (type.IsGenericType)
        {
            report(DiagnosticDescriptors.ClassIsGeneric, new object[] { type.Name });
        }

        if (type.ContainingType is not null)
        {
            report(DiagnosticDescriptors.ClassIsNested, new object[] { type.Name, type.ContainingType.ToDisplayString() });
        }

        if (type.IsStatic || type.IsAbstract)
        {
            report(DiagnosticDescriptors.ClassIsStaticOrAbstract, new object[] { type.Name, type.IsStatic ? "static" : "abstract" });
        }
    }

    private static void CheckTensorSizes(
        int dModel,
        int vocab,
        int context,
        int ffnDim,
        Action<DiagnosticDescriptor, object[]> report)
    {
        foreach ((string tensor, long count, string what) in new[]
                 {
                     ("The token embedding [Vocab, DModel]", (long)vocab * dModel, "Vocab or DModel"),
                     ("The query/key/value projection [3 DModel, DModel]", 3L * dModel * dModel, "DModel"),
                     ("The MLP projections [FfnDim, DModel]", (long)ffnDim * dModel, "FfnDim or DModel"),
                     ("One layer's KV cache [Context, DModel]", (long)context * dModel, "Context or DModel"),
                 })
        {
            if (count > MaxArrayLength)
            {
                report(DiagnosticDescriptors.TensorTooLarge, new object[] { tensor, count, MaxArrayLength, what });
            }
        }
    }

    private static ParseResult Result(ModelSpec? spec, List<DiagnosticInfo> diagnostics)
    {
        bool hasErrors = diagnostics.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);
        return new ParseResult(hasErrors ? null : spec, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutableArray()));
    }

    private static int IntArgument(Dictionary<string, TypedConstant> named, string name, int fallback = 0) =>
        named.TryGetValue(name, out TypedConstant constant) && constant.Value is int value ? value : fallback;

    private static double DoubleArgument(Dictionary<string, TypedConstant> named, string name, double fallback) =>
        named.TryGetValue(name, out TypedConstant constant)
            ? constant.Value switch
            {
                double d => d,
                float f => f,
                int i => i,
                _ => fallback,
            }
            : fallback;

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>
    /// The attribute's property names, taken from the shared attribute itself (nameof), so the names the
    /// parser reads cannot drift from the properties a user writes.
    /// </summary>
    internal static class Names
    {
        public const string DModel = nameof(TransformerModelAttribute.DModel);
        public const string Heads = nameof(TransformerModelAttribute.Heads);
        public const string Layers = nameof(TransformerModelAttribute.Layers);
        public const string Vocab = nameof(TransformerModelAttribute.Vocab);
        public const string Context = nameof(TransformerModelAttribute.Context);
        public const string KvHeads = nameof(TransformerModelAttribute.KvHeads);
        public const string FfnDim = nameof(TransformerModelAttribute.FfnDim);
        public const string Family = nameof(TransformerModelAttribute.Family);
        public const string NormEpsilon = nameof(TransformerModelAttribute.NormEpsilon);
        public const string RopeTheta = nameof(TransformerModelAttribute.RopeTheta);
        public const string TiedEmbeddings = nameof(TransformerModelAttribute.TiedEmbeddings);
        public const string Weights = nameof(TransformerModelAttribute.Weights);

        /// <summary>Every named argument the parser reads.</summary>
        public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
            DModel, Heads, Layers, Vocab, Context, KvHeads, FfnDim, Family, NormEpsilon, RopeTheta, TiedEmbeddings, Weights);
    }
}
