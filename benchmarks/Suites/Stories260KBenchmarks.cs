using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Generic;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;

namespace Codegen.Benchmarks.Suites;

/// <summary>stories260K, the trained model from ../shared/models (real weights, context 512).</summary>
[BenchmarkCategory("cpu")]
public class Stories260KBenchmarks : ModelBenchmarks
{
    [Params("generated", "generated-bf16", "generated-q8", "generic", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        string checkpoint = RepositoryPaths.SharedModel("stories260K", "stories260K.bin");
        return Implementation switch
        {
            "generated" => Stories260K.Load(checkpoint).CreateSession(),
            "generated-bf16" => Stories260KBf16.Load(checkpoint).CreateSession(),
            "generated-q8" => Stories260KQ8.Load(checkpoint).CreateSession(),
            "generic" => GenericLlamaSession.Load(checkpoint),
            "onnx" => OnnxDecoderSession.ForLlama2c(checkpoint, Stories260K.Context),
            _ => throw Unknown(),
        };
    }
}
