using System.Linq;
using Codegen.Generator;
using Codegen.Generator.Model;
using Microsoft.CodeAnalysis;
using Xunit;
using Family = Codegen.Generator.Model.ModelFamily;

namespace Codegen.Tests.Generator;

/// <summary>
/// What the generator makes of real configs' fields (transformers' defaults where a field is left out), read
/// from the spec it resolves: families, grouping, biases, windows, rotary base and scaling, tied embeddings.
/// </summary>
public sealed class ConfigSpecTests
{
    private const string Path = "/project/model/config.json";

    private static ModelSpec SpecFrom(string config, string arguments = "")
    {
        string source = $$"""
            using Codegen;

            namespace Models;

            [TransformerModel(Config = "model/config.json"{{arguments}})]
            internal partial class Model
            {
            }
            """;
        GeneratorRunResult result = GeneratorHarness.Run(GeneratorHarness.Compile(source), new InMemoryAdditionalText(Path, config)).Result;
        Assert.Empty(result.Diagnostics);
        return (ModelSpec)result.TrackedSteps[TrackingNames.Specs].SelectMany(step => step.Outputs).Single().Value;
    }

    /// <summary>SmolLM2-135M's config.json (the fields that matter).</summary>
    private const string SmolLM2 = """
        {
          "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
          "hidden_size": 576, "intermediate_size": 1536, "num_attention_heads": 9, "num_key_value_heads": 3,
          "num_hidden_layers": 30, "vocab_size": 49152, "max_position_embeddings": 8192,
          "rms_norm_eps": 1e-05, "rope_theta": 100000, "rope_scaling": null, "tie_word_embeddings": true,
          "attention_bias": false, "mlp_bias": false, "torch_dtype": "bfloat16"
        }
        """;

    [Fact]
    public void SmolLM2TakesEverySizeFromItsConfig()
    {
        ModelSpec spec = SpecFrom(SmolLM2);
        Assert.Equal(("LlamaForCausalLM", Family.Llama), (spec.Architecture, spec.Family));
        Assert.Equal((576, 9, 3, 30, 49152, 8192, 1536), (spec.DModel, spec.Heads, spec.KvHeads, spec.Layers, spec.Vocab, spec.Context, spec.FfnDim));
        Assert.Equal((1e-5, 100000.0, true), (spec.NormEpsilon, spec.RopeTheta, spec.TiedEmbeddings));
        Assert.Equal((false, false, 0), (spec.QueryKeyValueBias, spec.OutputBias, spec.SlidingWindow));
        Assert.Null(spec.RopeScaling);
    }

    [Fact]
    public void AShorterContextAndTheWeightFormatComeFromTheAttribute()
    {
        ModelSpec spec = SpecFrom(SmolLM2, ", Context = 2048, Weights = Codegen.WeightFormat.Q8");
        Assert.Equal((2048, Codegen.Generator.Model.WeightFormat.Q8), (spec.Context, spec.Weights));
    }

    [Fact]
    public void MistralDefaultsToEightKeyValueHeadsAndAWindowOf4096()
    {
        string mistral = """
            { "architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 128, "intermediate_size": 256,
              "num_attention_heads": 16, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 8192 }
            """;
        ModelSpec full = SpecFrom(mistral);
        Assert.Equal((8, 4096, false), (full.KvHeads, full.SlidingWindow, full.TiedEmbeddings));
        Assert.Equal(1e-6, full.NormEpsilon);

        // A context no longer than the window: the window hides nothing, so there is none.
        Assert.Equal(0, SpecFrom(mistral, ", Context = 4096").SlidingWindow);
        Assert.Equal(0, SpecFrom(mistral.Replace("\"max_position_embeddings\": 8192", "\"max_position_embeddings\": 8192, \"sliding_window\": null")).SlidingWindow);
    }

    [Fact]
    public void Qwen2HasQueryKeyValueBiasesAndIgnoresAnUnusedWindow()
    {
        ModelSpec spec = SpecFrom("""
            { "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864,
              "num_attention_heads": 14, "num_key_value_heads": 2, "num_hidden_layers": 24, "vocab_size": 151936,
              "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
              "use_sliding_window": false, "sliding_window": 32768, "max_window_layers": 21, "hidden_act": "silu" }
            """);
        Assert.Equal((true, false, 0), (spec.QueryKeyValueBias, spec.OutputBias, spec.SlidingWindow));
        Assert.Equal((64, 128), (spec.HeadDim, spec.KvDim));
    }

    [Fact]
    public void LlamaAttentionBiasPutsBiasesOnAllFourProjections()
    {
        ModelSpec spec = SpecFrom(SmolLM2.Replace("\"attention_bias\": false", "\"attention_bias\": true"));
        Assert.Equal((true, true), (spec.QueryKeyValueBias, spec.OutputBias));
    }

    [Fact]
    public void Llama3ScalingAndTransformersFiveRopeParametersAreRead()
    {
        const string Scaling = "\"rope_type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192";
        ModelSpec scaled = SpecFrom(SmolLM2.Replace("\"rope_scaling\": null", $"\"rope_scaling\": {{ {Scaling} }}"));
        Assert.Equal(new RopeScaling(RopeScaling.Llama3, 32, 1, 4, 8192), scaled.RopeScaling);

        ModelSpec parameters = SpecFrom(SmolLM2
            .Replace("\"rope_theta\": 100000, \"rope_scaling\": null", $"\"rope_parameters\": {{ \"rope_theta\": 500000.0, {Scaling} }}"));
        Assert.Equal(500000.0, parameters.RopeTheta);
        Assert.Equal(scaled.RopeScaling, parameters.RopeScaling);

        ModelSpec linear = SpecFrom(SmolLM2.Replace("\"rope_scaling\": null", "\"rope_scaling\": { \"type\": \"linear\", \"factor\": 2.0 }"));
        Assert.Equal(new RopeScaling(RopeScaling.Linear, 2, 0, 0, 0), linear.RopeScaling);
    }

    [Fact]
    public void Gpt2ConfigsDeclareTheGpt2Family()
    {
        ModelSpec spec = SpecFrom("""
            { "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12,
              "n_positions": 1024, "n_ctx": 1024, "vocab_size": 50257, "n_inner": null, "activation_function": "gelu_new",
              "layer_norm_epsilon": 1e-05 }
            """);
        Assert.Equal((Family.Gpt2, 768, 12, 12, 1024, 50257, 3072, true), (spec.Family, spec.DModel, spec.Heads, spec.Layers, spec.Context, spec.Vocab, spec.FfnDim, spec.TiedEmbeddings));
        Assert.Equal((true, true), (spec.QueryKeyValueBias, spec.OutputBias));
    }
}
