using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Generic;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Suites;

/// <summary>The TinyStories 15M shape on seeded random weights.</summary>
[BenchmarkCategory("cpu")]
public class Stories15MBenchmarks : ModelBenchmarks
{
    [Params("generated", "generated-bf16", "generated-q8", "generic", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        string checkpoint = RandomWeights.Llama2cCheckpoint(LlamaShape.Stories15M);
        return Implementation switch
        {
            "generated" => Stories15M.Load(checkpoint).CreateSession(),
            "generated-bf16" => Stories15MBf16.Load(checkpoint).CreateSession(),
            "generated-q8" => Stories15MQ8.Load(checkpoint).CreateSession(),
            "generic" => GenericLlamaSession.Load(checkpoint),
            "onnx" => OnnxDecoderSession.ForLlama2c(checkpoint, LlamaShape.Stories15M.Context),
            _ => throw Unknown(),
        };
    }
}
