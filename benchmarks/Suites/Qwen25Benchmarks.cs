using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// Qwen2.5-0.5B's shape (benchmarks/Models/HuggingFace/qwen2.5-0.5b/config.json) on seeded random weights in a
/// Hugging Face folder. No generic row: the generic baseline reads llama2.c checkpoints only.
/// </summary>
[Config(typeof(HuggingFaceBenchmarkConfig))]
[BenchmarkCategory("huggingface")]
public class Qwen25Benchmarks : ModelBenchmarks
{
    /// <summary>The KV cache length of every implementation (the declared Context; the config allows 32768).</summary>
    public const int Context = Qwen25.Context;

    [Params("generated", "generated-bf16", "generated-q8", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        HuggingFaceShape shape = HuggingFaceShape.Qwen25;
        string folder = RandomWeights.HuggingFaceFolder(shape);
        return Implementation switch
        {
            "generated" => Qwen25.Load(folder).CreateSession(),
            "generated-bf16" => Qwen25Bf16.Load(folder).CreateSession(),
            "generated-q8" => Qwen25Q8.Load(folder).CreateSession(),
            "onnx" => OnnxDecoderSession.ForHuggingFace(shape, folder, Context),
            _ => throw Unknown(),
        };
    }
}
