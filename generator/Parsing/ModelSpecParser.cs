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
/// or into diagnostics that say what is wrong with the declaration, each on the syntax that is wrong:
/// the class name for the class itself, the argument (<c>DModel = -1</c>) for one bad value, and the
/// attribute, with the arguments involved as additional locations, for a problem between arguments.
/// Only a declaration with no errors gets a spec, so broken declarations never produce generated code.
/// </summary>
internal static class ModelSpecParser
{
    /// <summary>The weight memory, in GiB, past which a shape is reported as implausible (CG0018).</summary>
    public const int WeightsWarningGiB = 256;

    /// <summary>The largest array length .NET allows (Array.MaxLength).</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        AttributeArguments arguments = AttributeArguments.Read(context.Attributes[0], declaration, cancellationToken);
        var diagnostics = new DiagnosticList();

        CheckDeclaration(type, declaration, diagnostics);
        CheckArgumentsAreKnown(arguments, diagnostics);

        int familyValue = arguments.Int(Names.Family, (int)TransformerModelDefaults.Family);
        if (familyValue is not ((int)ModelFamily.Llama or (int)ModelFamily.Gpt2))
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownFamily, arguments.LocationOf(Names.Family), familyValue);
            return diagnostics.Result(null);
        }

        int weightsValue = arguments.Int(Names.Weights, (int)TransformerModelDefaults.Weights);
        if (weightsValue is not ((int)WeightFormat.F32 or (int)WeightFormat.BF16 or (int)WeightFormat.Q8))
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownWeightFormat, arguments.LocationOf(Names.Weights), weightsValue);
            return diagnostics.Result(null);
        }

        var family = (ModelFamily)familyValue;
        int dModel = arguments.Int(Names.DModel);
        int heads = arguments.Int(Names.Heads);
        int layers = arguments.Int(Names.Layers);
        int vocab = arguments.Int(Names.Vocab);
        int context_ = arguments.Int(Names.Context);
        int kvHeadsArgument = arguments.Int(Names.KvHeads, TransformerModelDefaults.Unset);
        int ffnArgument = arguments.Int(Names.FfnDim, TransformerModelDefaults.Unset);
        double epsilon = arguments.Double(Names.NormEpsilon, TransformerModelDefaults.NormEpsilon);
        double ropeTheta = arguments.Double(Names.RopeTheta, TransformerModelDefaults.RopeTheta);
        bool tied = arguments.Bool(Names.TiedEmbeddings, TransformerModelDefaults.TiedEmbeddings);

        bool sizesValid = true;
        foreach ((string name, int value) in new[]
                 {
                     (Names.DModel, dModel), (Names.Heads, heads), (Names.Layers, layers), (Names.Vocab, vocab), (Names.Context, context_),
                 })
        {
            if (value <= 0)
            {
                diagnostics.Report(
                    DiagnosticDescriptors.SizeNotPositive,
                    arguments.LocationOf(name),
                    name,
                    value,
                    arguments.Has(name) ? string.Empty : " (it is required)");
                sizesValid = false;
            }
        }

        foreach ((string name, int value) in new[] { (Names.KvHeads, kvHeadsArgument), (Names.FfnDim, ffnArgument) })
        {
            if (value < 0)
            {
                diagnostics.Report(DiagnosticDescriptors.SizeNotPositive, arguments.LocationOf(name), name, value, " (leave it out for the default)");
                sizesValid = false;
            }
        }

        if (context_ == 1)
        {
            diagnostics.Report(DiagnosticDescriptors.ContextTooShort, arguments.LocationOf(Names.Context), context_);
        }

        if (!(epsilon > 0 && !double.IsInfinity(epsilon)))
        {
            diagnostics.Report(DiagnosticDescriptors.InvalidNormEpsilon, arguments.LocationOf(Names.NormEpsilon), epsilon);
        }

        if (family == ModelFamily.Llama && !(ropeTheta > 1 && !double.IsInfinity(ropeTheta)))
        {
            diagnostics.Report(DiagnosticDescriptors.InvalidRopeTheta, arguments.LocationOf(Names.RopeTheta), ropeTheta);
        }

        if (family == ModelFamily.Gpt2 && arguments.Has(Names.RopeTheta))
        {
            diagnostics.Report(DiagnosticDescriptors.Gpt2RopeTheta, arguments.LocationOf(Names.RopeTheta));
        }

        if (!sizesValid)
        {
            return diagnostics.Result(null);
        }

        int kvHeads = TransformerModelDefaults.ResolveKvHeads(kvHeadsArgument, heads);
        int ffnDim = TransformerModelDefaults.ResolveFfnDim(ffnArgument, family, dModel);

        if (dModel % heads != 0)
        {
            diagnostics.ReportBetween(
                DiagnosticDescriptors.DModelNotDivisibleByHeads, arguments, new[] { Names.DModel, Names.Heads }, dModel, heads);
        }
        else if (family == ModelFamily.Llama && (dModel / heads) % 2 != 0)
        {
            diagnostics.ReportBetween(
                DiagnosticDescriptors.OddHeadSizeWithRotary, arguments, new[] { Names.DModel, Names.Heads }, dModel, heads, dModel / heads);
        }

        if (family == ModelFamily.Gpt2 && kvHeads != heads)
        {
            // The one argument that is wrong for GPT-2, whatever Heads is: it can only be left out.
            diagnostics.Report(DiagnosticDescriptors.Gpt2GroupedQuery, arguments.LocationOf(Names.KvHeads), kvHeads, heads);
        }
        else if (heads % kvHeads != 0)
        {
            diagnostics.ReportBetween(
                DiagnosticDescriptors.HeadsNotDivisibleByKvHeads, arguments, new[] { Names.Heads, Names.KvHeads }, heads, kvHeads);
        }

        CheckTensorSizes(arguments, dModel, vocab, context_, ffnDim, diagnostics);

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

        if (!diagnostics.HasErrors)
        {
            CheckWeightMemory(spec, arguments, diagnostics);
        }

        return diagnostics.Result(spec);
    }

    private static void CheckDeclaration(INamedTypeSymbol type, ClassDeclarationSyntax syntax, DiagnosticList diagnostics)
    {
        Location name = syntax.Identifier.GetLocation();
        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Report(DiagnosticDescriptors.ClassNotPartial, name, type.Name);
        }

        if (type.IsGenericType)
        {
            diagnostics.Report(DiagnosticDescriptors.ClassIsGeneric, name, type.Name);
        }

        if (type.ContainingType is not null)
        {
            diagnostics.Report(DiagnosticDescriptors.ClassIsNested, name, type.Name, type.ContainingType.ToDisplayString());
        }

        if (type.IsStatic || type.IsAbstract)
        {
            // On the modifier when this declaration writes it (another part of the class may).
            SyntaxKind modifier = type.IsStatic ? SyntaxKind.StaticKeyword : SyntaxKind.AbstractKeyword;
            SyntaxToken token = syntax.Modifiers.FirstOrDefault(m => m.IsKind(modifier));
            diagnostics.Report(
                DiagnosticDescriptors.ClassIsStaticOrAbstract,
                token.IsKind(modifier) ? token.GetLocation() : name,
                type.Name,
                type.IsStatic ? "static" : "abstract");
        }
    }

    /// <summary>Every argument the attribute was compiled with that this parser does not read is an error, never ignored.</summary>
    private static void CheckArgumentsAreKnown(AttributeArguments arguments, DiagnosticList diagnostics)
    {
        foreach ((string name, Location location) in arguments.Positional)
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownArgument, location, name);
        }

        foreach (string name in arguments.Names)
        {
            if (!Names.All.Contains(name))
            {
                diagnostics.Report(DiagnosticDescriptors.UnknownArgument, arguments.LocationOf(name), name);
            }
        }
    }

    private static void CheckTensorSizes(
        AttributeArguments arguments,
        int dModel,
        int vocab,
        int context,
        int ffnDim,
        DiagnosticList diagnostics)
    {
        foreach ((string tensor, long count, string[] causes) in new[]
                 {
                     ("The token embedding [Vocab, DModel]", (long)vocab * dModel, new[] { Names.Vocab, Names.DModel }),
                     ("The query/key/value projection [3 DModel, DModel]", 3L * dModel * dModel, new[] { Names.DModel }),
                     ("The MLP projections [FfnDim, DModel]", (long)ffnDim * dModel, new[] { Names.FfnDim, Names.DModel }),
                     ("One layer's KV cache [Context, DModel]", (long)context * dModel, new[] { Names.Context, Names.DModel }),
                 })
        {
            if (count > MaxArrayLength)
            {
                diagnostics.ReportBetween(
                    DiagnosticDescriptors.TensorTooLarge, arguments, causes, tensor, count, MaxArrayLength, string.Join(" or ", causes));
            }
        }
    }

    /// <summary>A warning (CG0018) when the loaded weights would take more than <see cref="WeightsWarningGiB"/> GiB.</summary>
    private static void CheckWeightMemory(ModelSpec spec, AttributeArguments arguments, DiagnosticList diagnostics)
    {
        double bytes = WeightMemory.Bytes(spec);
        if (bytes > WeightsWarningGiB * BytesPerGiB)
        {
            diagnostics.Report(
                DiagnosticDescriptors.WeightsTooLarge,
                arguments.AttributeLocation,
                bytes.ToString("N0", CultureInfo.InvariantCulture),
                (bytes / BytesPerGiB).ToString("N1", CultureInfo.InvariantCulture),
                spec.Weights,
                WeightsWarningGiB);
        }
    }

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

        /// <summary>Every named argument the parser reads; any other one is reported as CG0016.</summary>
        public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
            DModel, Heads, Layers, Vocab, Context, KvHeads, FfnDim, Family, NormEpsilon, RopeTheta, TiedEmbeddings, Weights);
    }

    /// <summary>The diagnostics of one declaration, turned into plain values as they are reported.</summary>
    private sealed class DiagnosticList
    {
        private readonly List<DiagnosticInfo> items = new();

        public bool HasErrors => items.Any(d => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error);

        public void Report(DiagnosticDescriptor descriptor, Location location, params object[] arguments) =>
            Add(descriptor, location, ImmutableArray<Location>.Empty, arguments);

        /// <summary>A problem between arguments: on the attribute, with the written arguments among <paramref name="involved"/> as additional locations.</summary>
        public void ReportBetween(
            DiagnosticDescriptor descriptor,
            AttributeArguments attribute,
            string[] involved,
            params object[] arguments) =>
            Add(descriptor, attribute.AttributeLocation, attribute.WrittenLocations(involved), arguments);

        public ParseResult Result(ModelSpec? spec) =>
            new(HasErrors ? null : spec, new EquatableArray<DiagnosticInfo>(items.ToImmutableArray()));

        private void Add(DiagnosticDescriptor descriptor, Location location, ImmutableArray<Location> additional, object[] arguments) =>
            items.Add(new DiagnosticInfo(
                descriptor.Id,
                LocationInfo.From(location),
                new EquatableArray<LocationInfo>(additional.Select(LocationInfo.From).OfType<LocationInfo>().ToImmutableArray()),
                new EquatableArray<string>(arguments.Select(Format).ToImmutableArray())));

        private static string Format(object value) => value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
    }
}
