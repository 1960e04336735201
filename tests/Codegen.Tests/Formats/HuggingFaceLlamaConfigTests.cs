using Codegen.Formats;
using System;
using System.IO;
using Xunit;

namespace Codegen.Tests.Formats;

/// <summary>
/// Llama-family config.json files (as Llama 3.2, Qwen2.5, Mistral and Phi-3 ship them) read and checked against
/// a compiled <see cref="LlamaFamilyShape"/>: agreement, each disagreement, the families' defaults and what is refused.
/// </summary>
public sealed class HuggingFaceLlamaConfigTests : IDisposable
{
    /// <summary>Llama-3.2-1B's config.json (its fields, sizes as shipped).</summary>
    private const string Llama32 = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": 128001,
          "head_dim": 64,
          "hidden_act": "silu",
          "hidden_size": 2048,
          "initializer_range": 0.02,
          "intermediate_size": 8192,
          "max_position_embeddings": 131072,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 16,
          "num_key_value_heads": 8,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": {
            "factor": 32.0,
            "high_freq_factor": 4.0,
            "low_freq_factor": 1.0,
            "original_max_position_embeddings": 8192,
            "rope_type": "llama3"
          },
          "rope_theta": 500000.0,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.45.0.dev0",
          "use_cache": true,
          "vocab_size": 128256
        }
        """;

    private static readonly LlamaFamilyShape Llama32Shape = new(
        DModel: 2048, FfnDim: 8192, Layers: 16, Heads: 32, KvHeads: 8, Vocab: 128256, Context: 4096,
        NormEpsilon: 1e-5f, RopeTheta: 500000f, TiedEmbeddings: true, AttentionBias: false, OutputBias: false,
        Factor: 32, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 8192);

    /// <summary>Qwen2.5-0.5B-Instruct's config.json.</summary>
    private const string Qwen25 = """
        {
          "architectures": ["Qwen2ForCausalLM"],
          "attention_dropout": 0.0,
          "bos_token_id": 151643,
          "eos_token_id": 151645,
          "hidden_act": "silu",
          "hidden_size": 896,
          "initializer_range": 0.02,
          "intermediate_size": 4864,
          "max_position_embeddings": 32768,
          "max_window_layers": 21,
          "model_type": "qwen2",
          "num_attention_heads": 14,
          "num_hidden_layers": 24,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_theta": 1000000.0,
          "sliding_window": 32768,
          "tie_word_embeddings": true,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.43.1",
          "use_cache": true,
          "use_sliding_window": false,
          "vocab_size": 151936
        }
        """;

    private static readonly LlamaFamilyShape Qwen25Shape = new(
        DModel: 896, FfnDim: 4864, Layers: 24, Heads: 14, KvHeads: 2, Vocab: 151936, Context: 32768,
        NormEpsilon: 1e-6f, RopeTheta: 1e6f, TiedEmbeddings: true, AttentionBias: true, OutputBias: false);

    /// <summary>Phi-3-mini-4k-instruct's config.json (the fields this reads).</summary>
    private const string Phi3Mini = """
        {
          "architectures": ["Phi3ForCausalLM"],
          "hidden_act": "silu",
          "hidden_size": 3072,
          "intermediate_size": 8192,
          "max_position_embeddings": 4096,
          "model_type": "phi3",
          "num_attention_heads": 32,
          "num_hidden_layers": 32,
          "num_key_value_heads": 32,
          "original_max_position_embeddings": 4096,
          "rms_norm_eps": 1e-05,
          "rope_scaling": null,
          "rope_theta": 10000.0,
          "sliding_window": 2047,
          "tie_word_embeddings": false,
          "vocab_size": 32064
        }
        """;

    private static readonly LlamaFamilyShape Phi3Shape = new(
        DModel: 3072, FfnDim: 8192, Layers: 32, Heads: 32, KvHeads: 32, Vocab: 32064, Context: 4096,
        NormEpsilon: 1e-5f, RopeTheta: 10000f, TiedEmbeddings: false, AttentionBias: false, OutputBias: false, SlidingWindow: 2047);

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private string WriteConfig(string json) => directory.Write("config.json", json);

    private ModelLoadException Mismatch(string json, LlamaFamilyShape declared)
    {
        WriteConfig(json);
        var exception = Assert.Throws<ModelLoadException>(() => HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, declared));
        Assert.Equal(Path.Combine(directory.FullPath, "config.json"), exception.FilePath);
        return exception;
    }

    [Fact]
    public void ReadsLlama32AndItMatches()
    {
        WriteConfig(Llama32);
        HuggingFaceLlamaConfig? config = HuggingFaceLlamaConfig.TryLoad(directory.FullPath);
        Assert.NotNull(config);
        Assert.Equal(["LlamaForCausalLM"], config.Architectures);
        Assert.Equal("llama", config.ModelType);
        Assert.Equal(2048, config.HiddenSize);
        Assert.Equal(8, config.NumKeyValueHeads);
        Assert.Equal(131072, config.MaxPositionEmbeddings);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(new HuggingFaceRopeScaling("llama3", 32, 1, 4, 8192), config.RopeScaling);

        config.Check(Llama32Shape);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape);
        HuggingFaceConfig.CheckLlamaFamily(Path.Combine(directory.FullPath, "model.safetensors"), Llama32Shape);
        HuggingFaceLlamaConfig.CheckLlamaFamily(Path.Combine(directory.FullPath, SafetensorsCheckpoint.IndexFileName), Llama32Shape);
    }

    [Fact]
    public void Qwen25AndPhi3Match()
    {
        WriteConfig(Qwen25);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Qwen25Shape);
        WriteConfig(Phi3Mini);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Phi3Shape);
    }

    [Fact]
    public void NoConfigIsNoCheck()
    {
        Assert.Null(HuggingFaceLlamaConfig.TryLoad(directory.FullPath));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape);
        HuggingFaceLlamaConfig.CheckLlamaFamily(Path.Combine(directory.FullPath, "model.safetensors"), Llama32Shape);
    }

    [Fact]
    public void EveryDisagreementIsListedWithBothValues()
    {
        var declared = Llama32Shape with
        {
            DModel = 1024, FfnDim = 4096, Layers = 8, Heads = 16, KvHeads = 4, Vocab = 32000, Context = 262144,
            NormEpsilon = 1e-6f, RopeTheta = 10000f, TiedEmbeddings = false,
        };
        ModelLoadException exception = Mismatch(Llama32, declared);
        string m = exception.Message;
        Assert.Contains("10 problems", m);
        Assert.Contains("hidden_size: the file has 2048, the model was compiled with 1024", m);
        Assert.Contains("intermediate_size: the file has 8192, the model was compiled with 4096", m);
        Assert.Contains("num_hidden_layers: the file has 16, the model was compiled with 8", m);
        Assert.Contains("num_attention_heads: the file has 32, the model was compiled with 16", m);
        Assert.Contains("num_key_value_heads: the file has 8, the model was compiled with 4", m);
        Assert.Contains("vocab_size: the file has 128256, the model was compiled with 32000", m);
        Assert.Contains("max_position_embeddings: the file has 131072, shorter than the context the model was compiled with, 262144", m);
        Assert.Contains("rms_norm_eps: the file has 1E-05, the model was compiled with 1E-06", m);
        Assert.Contains("rope_theta: the file has 500000, the model was compiled with 10000", m);
        Assert.Contains("tie_word_embeddings: the file has true, the model was compiled with false", m);
        // head_dim 64 is still d_model / heads = 1024 / 16, and the rope scaling agrees.
        Assert.DoesNotContain("head_dim", m);
        Assert.DoesNotContain("rope_scaling", m);
    }

    [Fact]
    public void HeadDimMustBeDModelOverHeads()
    {
        ModelLoadException exception = Mismatch(Llama32.Replace("\"head_dim\": 64", "\"head_dim\": 128"), Llama32Shape);
        Assert.Contains("1 problem: head_dim: the file has 128, the model was compiled with 64 (d_model / heads)", exception.Message);
    }

    [Fact]
    public void EpsilonAndThetaAreComparedAsFloat()
    {
        // 1e-5 and 1.0000001e-5 are the same float; 1.00001e-5 is not.
        WriteConfig(Llama32.Replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1.0000001e-05"));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape);
        ModelLoadException exception = Mismatch(Llama32.Replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1.00002e-05"), Llama32Shape);
        Assert.Contains("rms_norm_eps: the file has 1.00002E-05, the model was compiled with 1E-05", exception.Message);
    }

    [Fact]
    public void ALongerContextIsFineAShorterOneIsNot()
    {
        WriteConfig(Phi3Mini);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Phi3Shape with { Context = 1024, SlidingWindow = 0 });
        ModelLoadException exception = Mismatch(Phi3Mini, Phi3Shape with { Context = 8192 });
        Assert.Contains("max_position_embeddings: the file has 4096, shorter than the context the model was compiled with, 8192", exception.Message);
    }

    [Fact]
    public void DefaultsAreEachFamilysTransformersDefaults()
    {
        // Llama: rope_theta 10000, num_key_value_heads = heads, tie false, max_position_embeddings 2048, rms_norm_eps 1e-6.
        WriteConfig("""{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100}""");
        var llama = new LlamaFamilyShape(64, 128, 2, 4, 4, 100, 2048, 1e-6f, 10000f, false, false, false);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, llama);

        ModelLoadException absent = Mismatch(
            """{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100}""",
            llama with { KvHeads = 2, RopeTheta = 500000f, TiedEmbeddings = true, NormEpsilon = 1e-5f });
        Assert.Contains("num_key_value_heads: the file has 4 (absent or null, so num_attention_heads), the model was compiled with 2", absent.Message);
        Assert.Contains("rope_theta: the file has 10000 (absent; the llama default), the model was compiled with 500000", absent.Message);
        Assert.Contains("tie_word_embeddings: the file has false (absent; the llama default), the model was compiled with true", absent.Message);
        Assert.Contains("rms_norm_eps: the file has 1E-06 (absent; the llama default), the model was compiled with 1E-05", absent.Message);

        // Mistral: num_key_value_heads 8 and sliding_window 4096 when absent; a null window is none.
        string mistral = """{"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 16, "num_hidden_layers": 2, "vocab_size": 100}""";
        WriteConfig(mistral);
        var mistralShape = new LlamaFamilyShape(64, 128, 2, 16, 8, 100, 8192, 1e-6f, 10000f, false, false, false, SlidingWindow: 4096);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, mistralShape);
        WriteConfig(mistral.Replace("\"vocab_size\": 100", "\"vocab_size\": 100, \"sliding_window\": null, \"num_key_value_heads\": null"));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, mistralShape with { KvHeads = 16, SlidingWindow = 0 });

        // Phi-3: rms_norm_eps 1e-5, no window; Qwen2: vocab 151936.
        WriteConfig("""{"model_type": "phi3", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64}""");
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, new LlamaFamilyShape(64, 128, 2, 4, 4, 100, 64, 1e-5f, 10000f, false, false, false));
        ModelLoadException qwen = Mismatch(
            """{"model_type": "qwen2", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4}""",
            new LlamaFamilyShape(64, 128, 2, 4, 4, 100, 64, 1e-6f, 10000f, false, true, false));
        Assert.Contains("1 problem: vocab_size: the file has 151936 (absent; the qwen2 default), the model was compiled with 100", qwen.Message);
    }

    [Fact]
    public void BiasesFollowTheFamily()
    {
        ModelLoadException qwen = Mismatch(Qwen25, Qwen25Shape with { AttentionBias = false, OutputBias = true });
        Assert.Contains("attention bias (q/k/v): the file has true (qwen2 has biases on q/k/v, none on o_proj), the model was compiled with false", qwen.Message);
        Assert.Contains("output bias (o_proj): the file has false", qwen.Message);

        string biased = Llama32.Replace("\"attention_bias\": false", "\"attention_bias\": true");
        WriteConfig(biased);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape with { AttentionBias = true, OutputBias = true });
        ModelLoadException llama = Mismatch(biased, Llama32Shape with { AttentionBias = true });
        Assert.Contains("1 problem: output bias (o_proj): the file has true (attention_bias true: biases on all of q/k/v/o_proj), the model was compiled with false", llama.Message);

        ModelLoadException phi = Mismatch(Phi3Mini, Phi3Shape with { AttentionBias = true });
        Assert.Contains("attention bias (q/k/v): the file has false (phi3 has no attention biases)", phi.Message);
    }

    [Fact]
    public void MlpBiasIsRefused()
    {
        ModelLoadException exception = Mismatch(Llama32.Replace("\"mlp_bias\": false", "\"mlp_bias\": true"), Llama32Shape);
        Assert.Contains("1 problem: mlp_bias: the file has true, which is not supported", exception.Message);
    }

    [Fact]
    public void RopeScalingMustAgreeAndBeLlama3()
    {
        ModelLoadException factor = Mismatch(Llama32.Replace("\"factor\": 32.0", "\"factor\": 8.0"), Llama32Shape);
        Assert.Contains("1 problem: rope_scaling.factor: the file has 8, the model was compiled with 32", factor.Message);

        ModelLoadException original = Mismatch(Llama32, Llama32Shape with { OriginalContext = 4096, HighFreqFactor = 2 });
        Assert.Contains("rope_scaling.high_freq_factor: the file has 4, the model was compiled with 2", original.Message);
        Assert.Contains("rope_scaling.original_max_position_embeddings: the file has 8192, the model was compiled with 4096", original.Message);

        ModelLoadException none = Mismatch(Llama32, Llama32Shape with { Factor = 0, LowFreqFactor = 0, HighFreqFactor = 0, OriginalContext = 0 });
        Assert.Contains("rope_scaling: the file has llama3 scaling, the model was compiled with none", none.Message);

        ModelLoadException missing = Mismatch(Phi3Mini, Phi3Shape with { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 8192 });
        Assert.Contains("rope_scaling: the file has none, the model was compiled with llama3 scaling (factor 8)", missing.Message);

        ModelLoadException yarn = Mismatch(Llama32.Replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""), Llama32Shape);
        Assert.Contains("rope_scaling: the file has rope_type 'yarn', which is not supported", yarn.Message);

        // The older spelling "type", and rope_type "default" meaning none.
        WriteConfig(Llama32.Replace("\"rope_type\"", "\"type\""));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape);
        WriteConfig(Phi3Mini.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"default\"}"));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Phi3Shape);
    }

    [Fact]
    public void LinearRopeScalingMustAgree()
    {
        string linear = Phi3Mini.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 2.0}");
        WriteConfig(linear);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Phi3Shape with { Factor = 2, RopeScalingType = "linear" });

        ModelLoadException factor = Mismatch(linear, Phi3Shape with { Factor = 4, RopeScalingType = "linear" });
        Assert.Contains("rope_scaling.factor: the file has 2, the model was compiled with 4", factor.Message);

        ModelLoadException none = Mismatch(linear, Phi3Shape);
        Assert.Contains("rope_scaling: the file has linear scaling, the model was compiled with none", none.Message);

        ModelLoadException llama3 = Mismatch(linear, Phi3Shape with { Factor = 2, LowFreqFactor = 1, HighFreqFactor = 4, OriginalContext = 8192 });
        Assert.Contains("rope_scaling: the file has linear scaling, the model was compiled with llama3", llama3.Message);
    }

    [Fact]
    public void TransformersFiveRopeParametersAreRead()
    {
        string config = Llama32
            .Replace("\"rope_theta\": 500000.0,", "")
            .Replace("\"rope_scaling\": {", "\"rope_parameters\": {\"rope_theta\": 500000.0,");
        WriteConfig(config);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape);
    }

    [Fact]
    public void SlidingWindowsFollowTheFamily()
    {
        ModelLoadException phi = Mismatch(Phi3Mini, Phi3Shape with { SlidingWindow = 0 });
        Assert.Contains("1 problem: sliding_window: the file has 2047, the model was compiled with 0 (none) (context 4096)", phi.Message);

        // A window as long as the context is none.
        WriteConfig(Phi3Mini);
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Phi3Shape with { Context = 2047, SlidingWindow = 0 });

        // Qwen2: the window counts only with use_sliding_window, and only on every layer (max_window_layers 0).
        string qwen = Qwen25.Replace("\"use_sliding_window\": false", "\"use_sliding_window\": true").Replace("\"sliding_window\": 32768", "\"sliding_window\": 1024");
        ModelLoadException partial = Mismatch(qwen, Qwen25Shape with { SlidingWindow = 1024 });
        Assert.Contains("use_sliding_window: the file has a window on layers 21 to 23 only (max_window_layers 21), which is not supported", partial.Message);
        WriteConfig(qwen.Replace("\"max_window_layers\": 21", "\"max_window_layers\": 0"));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Qwen25Shape with { SlidingWindow = 1024 });
        WriteConfig(qwen.Replace("\"max_window_layers\": 21", "\"max_window_layers\": 24"));
        HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Qwen25Shape);
    }

    [Fact]
    public void OtherModelsAndActivationsAreRefused()
    {
        ModelLoadException gpt2 = Mismatch("""{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}""", Llama32Shape);
        Assert.Contains("model_type: the file has 'gpt2', the model was compiled as a Llama-family model (llama, mistral, qwen2, phi3)", gpt2.Message);
        Assert.Contains("architectures: the file has [GPT2LMHeadModel], the model was compiled as one of LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Phi3ForCausalLM", gpt2.Message);

        ModelLoadException crossed = Mismatch(Qwen25.Replace("Qwen2ForCausalLM", "LlamaForCausalLM"), Qwen25Shape);
        Assert.Contains("1 problem: architectures: the file has LlamaForCausalLM, which is not model_type 'qwen2'", crossed.Message);

        ModelLoadException gelu = Mismatch(Llama32.Replace("\"silu\"", "\"gelu\""), Llama32Shape);
        Assert.Contains("1 problem: hidden_act: the file has 'gelu', the model was compiled with 'silu'", gelu.Message);

        ModelLoadException partial = Mismatch(Llama32.Replace("\"pretraining_tp\": 1", "\"partial_rotary_factor\": 0.75"), Llama32Shape);
        Assert.Contains("1 problem: partial_rotary_factor: the file has 0.75, which is not supported", partial.Message);
    }

    [Theory]
    [InlineData("\"hidden_size\": 2048", "\"hidden_size\": \"2048\"", "field 'hidden_size' must be an integer, found \"2048\"")]
    [InlineData("\"hidden_size\": 2048", "\"hidden_size\": 2048.5", "field 'hidden_size' must be an integer, found 2048.5")]
    [InlineData("\"mlp_bias\": false", "\"mlp_bias\": 0", "field 'mlp_bias' must be true or false, found 0")]
    [InlineData("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": \"small\"", "field 'rms_norm_eps' must be a number, found \"small\"")]
    [InlineData("\"factor\": 32.0", "\"factor\": [32]", "field 'rope_scaling.factor' must be a number, found [32]")]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"]", "\"architectures\": \"LlamaForCausalLM\"", "field 'architectures' must be an array of strings")]
    [InlineData("\"architectures\": [\"LlamaForCausalLM\"]", "\"architectures\": [1]", "field 'architectures' must be an array of strings, found [1]")]
    [InlineData("\"rope_scaling\": {", "\"rope_scaling\": 3, \"x\": {", "field 'rope_scaling' must be an object, found 3")]
    public void IllTypedFieldsAreNamed(string field, string replacement, string message)
    {
        WriteConfig(Llama32.Replace(field, replacement));
        var exception = Assert.Throws<ModelLoadException>(() => HuggingFaceLlamaConfig.CheckLlamaFamily(directory.FullPath, Llama32Shape));
        Assert.Contains(message, exception.Message);
    }
}
