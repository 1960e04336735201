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
        int dModel = IntArgument(named, "DModel");
        int heads = IntArgument(named, "Heads");
        int layers = IntArgument(named, "Layers");
        int vocab = IntArgument(named, "Vocab");
        int context_ = IntArgument(named, "Context");
        int kvHeadsArgument = IntArgument(named, "KvHeads");
        int ffnArgument = IntArgument(named, "FfnDim");
        int familyValue = IntArgument(named, "Family");
        int weightsValue = IntArgument(named, "Weights");
        double epsilon = DoubleArgument(named, "NormEpsilon", 1e-5);
        double ropeTheta = DoubleArgument(named, "RopeTheta", 10000.0);
        bool tied = !named.TryGetValue("TiedEmbeddings", out TypedConstant tiedConstant) || tiedConstant.Value is not false;

        if (familyValue is not (0 or 1))
        {
            Report(DiagnosticDescriptors.UnknownFamily, familyValue);
            return Result(null, diagnostics);
        }

        if (weightsValue is not (0 or 1 or 2))
        {
            Report(DiagnosticDescriptors.UnknownWeightFormat, weightsValue);
            return Result(null, diagnostics);
        }

        var family = (Family)familyValue;
        bool sizesValid = true;
        foreach ((string name, int value) in new[]
                 {
                     ("DModel", dModel), ("Heads", heads), ("Layers", layers), ("Vocab", vocab), ("Context", context_),
                 })
        {
            if (value <= 0)
            {
                Report(DiagnosticDescriptors.SizeNotPositive, name, value, named.ContainsKey(name) ? string.Empty : " (it is required)");
                sizesValid = false;
            }
        }

        foreach ((string name, int value) in new[] { ("KvHeads", kvHeadsArgument), ("FfnDim", ffnArgument) })
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

        if (family == Family.Llama && !(ropeTheta > 1 && !double.IsInfinity(ropeTheta)))
        {
            Report(DiagnosticDescriptors.InvalidRopeTheta, ropeTheta);
        }

        if (family == Family.Gpt2 && named.ContainsKey("RopeTheta"))
        {
            Report(DiagnosticDescriptors.Gpt2RopeTheta);
        }

        if (!sizesValid)
        {
            return Result(null, diagnostics);
        }

        int kvHeads = kvHeadsArgument == 0 ? heads : kvHeadsArgument;
        int ffnDim = ffnArgument != 0 ? ffnArgument : DefaultFfnDim(family, dModel);

        if (dModel % heads != 0)
        {
            Report(DiagnosticDescriptors.DModelNotDivisibleByHeads, dModel, heads);
        }
        else if (family == Family.Llama && (dModel / heads) % 2 != 0)
        {
            Report(DiagnosticDescriptors.OddHeadSizeWithRotary, dModel, heads, dModel / heads);
        }

        if (family == Family.Gpt2 && kvHeads != heads)
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

    /// <summary>
    /// The MLP width when the attribute leaves it out: Llama's 8/3 DModel rounded up to a multiple
    /// of 256 (as llama2.c's model.py computes it); GPT-2's 4 DModel.
    /// </summary>
    public static int DefaultFfnDim(Family family, int dModel)
    {
        if (family == Family.Gpt2)
        {
            return 4 * dModel;
        }

        int hidden = 2 * (4 * dModel) / 3;
        return 256 * ((hidden + 255) / 256);
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

    private static int IntArgument(Dictionary<string, TypedConstant> named, string name) =>
        named.TryGetValue(name, out TypedConstant constant) && constant.Value is int value ? value : 0;

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
}
