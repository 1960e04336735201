using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Codegen.Generator.Parsing;

/// <summary>
/// Resolves one [TransformerModel] declaration (<see cref="ModelDeclarationReader"/>) into a <see cref="ModelSpec"/>
/// with every default resolved, the sizes taken from its Hugging Face config file when it names one,
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

    /// <summary>
    /// Resolves a declaration into a spec, reading the config file it names (if any) from
    /// <paramref name="configFiles"/>: sizes from the file, checked against any the attribute also writes.
    /// </summary>
    public static ParseResult Resolve(ModelDeclaration declaration, EquatableArray<ConfigFile> configFiles)
    {
        var arguments = new AttributeArguments(declaration);
        var diagnostics = new DiagnosticList(declaration.Diagnostics);

        ConfigShape? config = null;
        string? configPath = arguments.String(Names.Config);
        if (arguments.Has(Names.Config))
        {
            config = ReadConfig(configPath ?? string.Empty, configFiles, arguments.LocationOf(Names.Config), diagnostics);
            if (config is null)
            {
                return diagnostics.Result(null);
            }
        }

        var values = new ResolvedArguments(arguments, config, configPath, diagnostics);
        int familyValue = values.Int(Names.Family, (int?)config?.Family ?? (int)TransformerModelDefaults.Family);
        if (familyValue is not ((int)ModelFamily.Llama or (int)ModelFamily.Gpt2))
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownFamily, arguments.LocationOf(Names.Family), familyValue);
            return diagnostics.Result(null);
        }

        int weightsValue = arguments.Int(Names.Weights, (int)TransformerModelDefaults.Weights);
        if (weightsValue is not ((int)WeightFormat.F32 or (int)WeightFormat.BF16 or (int)WeightFormat.Q8 or (int)WeightFormat.Q4))
        {
            diagnostics.Report(DiagnosticDescriptors.UnknownWeightFormat, arguments.LocationOf(Names.Weights), weightsValue);
            return diagnostics.Result(null);
        }

        var family = (ModelFamily)familyValue;
        int dModel = values.Int(Names.DModel, config?.DModel ?? 0);
        int heads = values.Int(Names.Heads, config?.Heads ?? 0);
        int layers = values.Int(Names.Layers, config?.Layers ?? 0);
        int vocab = values.Int(Names.Vocab, config?.Vocab ?? 0);
        int context_ = values.Context(config?.Context);
        int kvHeadsArgument = values.Int(Names.KvHeads, config?.KvHeads ?? TransformerModelDefaults.Unset, unset: TransformerModelDefaults.Unset);
        int ffnArgument = values.Int(Names.FfnDim, config?.FfnDim ?? TransformerModelDefaults.Unset, unset: TransformerModelDefaults.Unset);
        double epsilon = values.Double(Names.NormEpsilon, config?.NormEpsilon ?? TransformerModelDefaults.NormEpsilon);
        double ropeTheta = family == ModelFamily.Gpt2
            ? arguments.Double(Names.RopeTheta, TransformerModelDefaults.RopeTheta)
            : values.Double(Names.RopeTheta, config?.RopeTheta ?? TransformerModelDefaults.RopeTheta);
        bool tied = values.Bool(Names.TiedEmbeddings, config?.TiedEmbeddings ?? TransformerModelDefaults.TiedEmbeddings);

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
                    arguments.Has(name) ? string.Empty : config is null ? " (it is required)" : $" (from the config file '{configPath}')");
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
            Namespace: declaration.Namespace,
            ClassName: declaration.ClassName,
            Accessibility: declaration.Accessibility,
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
            Weights: (WeightFormat)weightsValue)
        {
            Architecture = config?.Architecture,
            QueryKeyValueBias = config?.QueryKeyValueBias ?? family == ModelFamily.Gpt2,
            OutputBias = config?.OutputBias ?? family == ModelFamily.Gpt2,
            // A window as long as the context (or longer) never hides a position: no window at all.
            SlidingWindow = config is { SlidingWindow: > 0 } && config.SlidingWindow < context_ ? config.SlidingWindow : 0,
            RopeScaling = config?.RopeScaling,
            Inspectable = arguments.Bool(Names.Inspectable, fallback: false),
        };

        if (!diagnostics.HasErrors)
        {
            CheckWeightMemory(spec, arguments, diagnostics);
            CheckKvCacheMemory(spec, arguments, diagnostics);
        }

        return diagnostics.Result(spec);
    }

    /// <summary>The config file named by Config, read into a shape; null after reporting why it cannot be.</summary>
    private static ConfigShape? ReadConfig(string configPath, EquatableArray<ConfigFile> configFiles, LocationInfo? location, DiagnosticList diagnostics)
    {
        IReadOnlyList<ConfigFile> matches = configPath.Length == 0 ? new List<ConfigFile>() : ConfigFiles.Matching(configPath, configFiles);
        if (matches.Count == 0 || matches[0].Text is null)
        {
            diagnostics.Report(DiagnosticDescriptors.ConfigNotFound, location, configPath);
            return null;
        }

        if (matches.Count > 1)
        {
            diagnostics.Report(DiagnosticDescriptors.ConfigAmbiguous, location, configPath, string.Join(", ", matches.Select(match => match.Path)));
            return null;
        }

        try
        {
            return HuggingFaceConfigReader.Read(matches[0].Text!);
        }
        catch (ConfigProblemException problem)
        {
            diagnostics.Report(problem.Descriptor, location, new object[] { configPath }.Concat(problem.Arguments).ToArray());
            return null;
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

    /// <summary>A warning (CG0026) when one session's KV cache would take more than the weights, and more than 1 GiB.</summary>
    private static void CheckKvCacheMemory(ModelSpec spec, AttributeArguments arguments, DiagnosticList diagnostics)
    {
        double cache = WeightMemory.KvCacheBytes(spec);
        double weights = WeightMemory.Bytes(spec);
        if (cache > BytesPerGiB && cache > weights)
        {
            diagnostics.Report(
                DiagnosticDescriptors.KvCacheTooLarge,
                arguments.LocationOf(Names.Context),
                cache.ToString("N0", CultureInfo.InvariantCulture),
                (cache / BytesPerGiB).ToString("N1", CultureInfo.InvariantCulture),
                spec.Context,
                (weights / BytesPerGiB).ToString("N1", CultureInfo.InvariantCulture));
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
        public const string Config = nameof(TransformerModelAttribute.Config);
        public const string Inspectable = nameof(TransformerModelAttribute.Inspectable);

        /// <summary>Every named argument the parser reads; any other one is reported as CG0016.</summary>
        public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
            DModel, Heads, Layers, Vocab, Context, KvHeads, FfnDim, Family, NormEpsilon, RopeTheta, TiedEmbeddings, Weights, Config, Inspectable);
    }
}
