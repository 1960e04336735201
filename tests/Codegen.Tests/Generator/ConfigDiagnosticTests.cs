using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static Codegen.Tests.Generator.DiagnosticSources;

namespace Codegen.Tests.Generator;

/// <summary>
/// Diagnostics about a Hugging Face config.json named by <c>Config</c>: each on the Config argument (a
/// disagreement on the attribute argument that disagrees), with the file's path and the field named.
/// </summary>
public sealed class ConfigDiagnosticTests
{
    private const string ConfigPath = "/project/models/tiny/config.json";

    /// <summary>A small valid Llama config, with <paramref name="extra"/> fields appended.</summary>
    internal static string LlamaConfig(string extra = "") => $$"""
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "hidden_size": 64,
          "intermediate_size": 172,
          "num_attention_heads": 8,
          "num_key_value_heads": 4,
          "num_hidden_layers": 2,
          "vocab_size": 512,
          "max_position_embeddings": 128,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000.0,
          "tie_word_embeddings": true,
          "hidden_act": "silu"{{extra}}
        }
        """;

    private static string Declared(string arguments = "") =>
        Model("{|#1:Config = \"models/tiny/config.json\"|}" + arguments);

    private static (string, string)[] File(string text) => new[] { (ConfigPath, text) };

    [Fact]
    public Task CG0019_ConfigNotAmongTheAdditionalFiles() => VerifyWithFilesAsync(
        Declared(),
        new[] { ("/project/models/other/config.json", LlamaConfig()) },
        DiagnosticResult.CompilerError("CG0019").WithLocation(1).WithArguments("models/tiny/config.json"));

    [Fact]
    public Task CG0019_APartialFolderNameDoesNotMatch() => VerifyWithFilesAsync(
        Declared(),
        new[] { ("/project/models/not-tiny/config.json", LlamaConfig()) },
        DiagnosticResult.CompilerError("CG0019").WithLocation(1).WithArguments("models/tiny/config.json"));

    [Fact]
    public Task CG0020_ConfigIsNotJson() => VerifyWithFilesAsync(
        Declared(),
        File("{ \"hidden_size\": 64,\n  \"heads\" 8 }"),
        DiagnosticResult.CompilerError("CG0020").WithLocation(1).WithArguments("models/tiny/config.json", "expected ':' but found '8' (line 2, column 11)"));

    [Fact]
    public Task CG0021_ArchitectureNotSupported() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig().Replace("\"LlamaForCausalLM\"", "\"GemmaForCausalLM\"").Replace("\"llama\"", "\"gemma\"")),
        DiagnosticResult.CompilerError("CG0021").WithLocation(1).WithArguments(
            "models/tiny/config.json",
            "architecture GemmaForCausalLM",
            "LlamaForCausalLM (model_type \"llama\"), MistralForCausalLM (model_type \"mistral\"), Qwen2ForCausalLM (model_type \"qwen2\"), Phi3ForCausalLM (model_type \"phi3\"), GPT2LMHeadModel (model_type \"gpt2\")"));

    [Fact]
    public Task CG0022_RopeScalingTypeNotSupported() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig(",\n  \"rope_scaling\": { \"rope_type\": \"yarn\", \"factor\": 4.0 }")),
        DiagnosticResult.CompilerError("CG0022").WithLocation(1).WithArguments(
            "models/tiny/config.json", "rope_scaling.rope_type", "\"yarn\"", "supported rotary scalings are \"default\", \"linear\" and \"llama3\""));

    [Fact]
    public Task CG0022_MlpBiasNotSupported() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig(",\n  \"mlp_bias\": true")),
        DiagnosticResult.CompilerError("CG0022").WithLocation(1).WithArguments("models/tiny/config.json", "mlp_bias", "true", "the SwiGLU MLP has no biases"));

    [Fact]
    public Task CG0022_ActivationNotSupported() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig().Replace("\"silu\"", "\"gelu\"")),
        DiagnosticResult.CompilerError("CG0022").WithLocation(1).WithArguments("models/tiny/config.json", "hidden_act", "\"gelu\"", "the MLP is SwiGLU, silu(gate) * up"));

    [Fact]
    public Task CG0023_AttributeDisagreesWithTheConfig() => VerifyWithFilesAsync(
        Model("{|#1:Config = \"models/tiny/config.json\"|}, {|#2:Layers = 3|}"),
        File(LlamaConfig()),
        DiagnosticResult.CompilerError("CG0023").WithLocation(2).WithArguments("Layers", "3", "models/tiny/config.json", "num_hidden_layers", "2"));

    [Fact]
    public Task CG0023_ContextLongerThanTheConfigs() => VerifyWithFilesAsync(
        Model("{|#1:Config = \"models/tiny/config.json\"|}, {|#2:Context = 256|}"),
        File(LlamaConfig()),
        DiagnosticResult.CompilerError("CG0023").WithLocation(2).WithArguments(
            "Context", "256", "models/tiny/config.json", "max_position_embeddings", "128 (Context may be shorter, not longer)"));

    [Fact]
    public Task CG0024_RequiredFieldMissing() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig().Replace("\"num_hidden_layers\": 2,", string.Empty)),
        DiagnosticResult.CompilerError("CG0024").WithLocation(1).WithArguments("models/tiny/config.json", "num_hidden_layers", "missing", "a whole number (of at most 2,147,483,647)"));

    [Fact]
    public Task CG0024_FieldOfTheWrongType() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig().Replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"")),
        DiagnosticResult.CompilerError("CG0024").WithLocation(1).WithArguments("models/tiny/config.json", "hidden_size", "\"64\"", "a whole number (of at most 2,147,483,647)"));

    [Fact]
    public Task CG0025_PathMatchesSeveralFiles() => VerifyWithFilesAsync(
        Model("{|#1:Config = \"config.json\"|}"),
        new[] { ("/project/a/config.json", LlamaConfig()), ("/project/b/config.json", LlamaConfig()) },
        DiagnosticResult.CompilerError("CG0025").WithLocation(1).WithArguments("config.json", "/project/a/config.json, /project/b/config.json"));

    [Fact]
    public Task ASizeTheConfigMakesInvalidIsReportedLikeAWrittenOne() => VerifyWithFilesAsync(
        Declared(),
        File(LlamaConfig().Replace("\"num_attention_heads\": 8", "\"num_attention_heads\": 6").Replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 3")),
        DiagnosticResult.CompilerError("CG0005").WithLocation(0).WithArguments("64", "6"));

    [Fact]
    public Task AMatchingAttributeAndConfigGenerateWithoutDiagnostics() => VerifyWithFilesAsync(
        Model("Config = \"models/tiny/config.json\", Layers = 2, Context = 64"),
        File(LlamaConfig()));
}
