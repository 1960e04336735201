using System;
using Codegen.Generator.Model;
using Names = Codegen.Generator.Parsing.ModelSpecParser.Names;

namespace Codegen.Generator.Parsing;

/// <summary>
/// The attribute's arguments over a config file's values: a value the attribute writes wins, and must agree
/// with the file's (CG0023, on the argument); a value it leaves out is the file's, or the attribute's default
/// when there is no file.
/// </summary>
internal sealed class ResolvedArguments
{
    private readonly AttributeArguments arguments;
    private readonly ConfigShape? config;
    private readonly string? configPath;
    private readonly DiagnosticList diagnostics;

    public ResolvedArguments(AttributeArguments arguments, ConfigShape? config, string? configPath, DiagnosticList diagnostics)
    {
        this.arguments = arguments;
        this.config = config;
        this.configPath = configPath;
        this.diagnostics = diagnostics;
    }

    /// <summary>
    /// The attribute's value of <paramref name="name"/> when written (checked against the file's), else
    /// <paramref name="fromConfigOrDefault"/>. A written <paramref name="unset"/> asks for the default, so it is not compared.
    /// </summary>
    public int Int(string name, int fromConfigOrDefault, int? unset = null)
    {
        if (!arguments.Has(name))
        {
            return fromConfigOrDefault;
        }

        int written = arguments.Int(name);
        if (config is not null && written != unset && written != fromConfigOrDefault)
        {
            Disagree(name, Display(name, written), Display(name, fromConfigOrDefault));
        }

        return written == unset ? fromConfigOrDefault : written;
    }

    /// <summary>Context: the attribute may ask for less than the file's <c>max_position_embeddings</c>, never for more.</summary>
    public int Context(int? fromConfig)
    {
        if (!arguments.Has(Names.Context))
        {
            return fromConfig ?? 0;
        }

        int written = arguments.Int(Names.Context);
        if (fromConfig is int limit && written > limit)
        {
            Disagree(Names.Context, written.ToString(System.Globalization.CultureInfo.InvariantCulture), limit.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (Context may be shorter, not longer)");
        }

        return written;
    }

    public double Double(string name, double fromConfigOrDefault)
    {
        if (!arguments.Has(name))
        {
            return fromConfigOrDefault;
        }

        double written = arguments.Double(name, fromConfigOrDefault);
        if (config is not null && Math.Abs(written - fromConfigOrDefault) > 1e-12 * Math.Max(Math.Abs(written), Math.Abs(fromConfigOrDefault)))
        {
            Disagree(name, written.ToString("R", System.Globalization.CultureInfo.InvariantCulture), fromConfigOrDefault.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        return written;
    }

    public bool Bool(string name, bool fromConfigOrDefault)
    {
        if (!arguments.Has(name))
        {
            return fromConfigOrDefault;
        }

        bool written = arguments.Bool(name, fromConfigOrDefault);
        if (config is not null && written != fromConfigOrDefault)
        {
            Disagree(name, written ? "true" : "false", fromConfigOrDefault ? "true" : "false");
        }

        return written;
    }

    private void Disagree(string name, string written, string inFile) =>
        diagnostics.Report(DiagnosticDescriptors.ConfigDisagrees, arguments.LocationOf(name), name, written, configPath ?? string.Empty, ConfigField(name), inFile);

    private static string Display(string name, int value) =>
        name == Names.Family ? ((ModelFamily)value).ToString() : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The config field an attribute property comes from, in the file's family's names.</summary>
    private string ConfigField(string name)
    {
        bool gpt2 = config?.Family == ModelFamily.Gpt2;
        return name switch
        {
            Names.DModel => gpt2 ? "n_embd" : "hidden_size",
            Names.Heads => gpt2 ? "n_head" : "num_attention_heads",
            Names.KvHeads => gpt2 ? "n_head" : "num_key_value_heads",
            Names.Layers => gpt2 ? "n_layer" : "num_hidden_layers",
            Names.Vocab => "vocab_size",
            Names.Context => gpt2 ? "n_positions" : "max_position_embeddings",
            Names.FfnDim => gpt2 ? "n_inner" : "intermediate_size",
            Names.NormEpsilon => gpt2 ? "layer_norm_epsilon" : "rms_norm_eps",
            Names.RopeTheta => "rope_theta",
            Names.TiedEmbeddings => "tie_word_embeddings",
            Names.Family => "architectures",
            _ => name,
        };
    }
}
