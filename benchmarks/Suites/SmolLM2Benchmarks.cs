using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Suites;

/// <summary>
/// SmolLM2-135M's shape (benchmarks/Models/HuggingFace/smollm2-135m/config.json) on seeded random weights in a
/// Hugging Face folder. No generic row: the generic baseline reads llama2.c checkpoints only.
/// </summary>
[Config(typeof(HuggingFaceBenchmarkConfig))]
[BenchmarkCategory("huggingface")]
public class SmolLM2Benchmarks : ModelBenchmarks
{
    /// <summary>The KV cache length of every implementation (the declared Context; the config allows 8192).</summary>
    public const int Context = SmolLM2.Context;

    [Params("generated", "generated-bf16", "generated-q8", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        HuggingFaceShape shape = HuggingFaceShape.SmolLM2;
        string folder = RandomWeights.HuggingFaceFolder(shape);
        return Implementation switch
        {
            "generated" => SmolLM2.Load(folder).CreateSession(),
            "generated-bf16" => SmolLM2Bf16.Load(folder).CreateSession(),
            "generated-q8" => SmolLM2Q8.Load(folder).CreateSession(),
            "onnx" => OnnxDecoderSession.ForHuggingFace(shape, folder, Context),
            _ => throw Unknown(),
        };
    }
}
