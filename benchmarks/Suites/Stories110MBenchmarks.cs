using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Generic;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Suites;

/// <summary>The TinyStories 110M shape on seeded random weights.</summary>
[BenchmarkCategory("cpu")]
public class Stories110MBenchmarks : ModelBenchmarks
{
    [Params("generated", "generated-bf16", "generated-q8", "generic", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        string checkpoint = RandomWeights.Llama2cCheckpoint(LlamaShape.Stories110M);
        return Implementation switch
        {
            "generated" => Stories110M.Load(checkpoint).CreateSession(),
            "generated-bf16" => Stories110MBf16.Load(checkpoint).CreateSession(),
            "generated-q8" => Stories110MQ8.Load(checkpoint).CreateSession(),
            "generic" => GenericLlamaSession.Load(checkpoint),
            "onnx" => OnnxDecoderSession.ForLlama2c(checkpoint, LlamaShape.Stories110M.Context),
            _ => throw Unknown(),
        };
    }
}
