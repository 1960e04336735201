using BenchmarkDotNet.Attributes;
using Codegen.Benchmarks.Generic;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Onnx;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Suites;

/// <summary>GPT-2 small on seeded random weights in a Hugging Face safetensors folder.</summary>
[BenchmarkCategory("cpu")]
public class Gpt2SmallBenchmarks : ModelBenchmarks
{
    [Params("generated", "generic", "onnx")]
    public override string Implementation { get; set; } = "";

    protected override IInferenceSession Open()
    {
        string folder = RandomWeights.Gpt2Folder(Gpt2Shape.Gpt2Small);
        return Implementation switch
        {
            "generated" => Gpt2Small.Load(System.IO.Path.Combine(folder, "model.safetensors")).CreateSession(),
            "generic" => GenericGpt2Session.Load(folder),
            "onnx" => OnnxDecoderSession.ForGpt2(folder, Gpt2Shape.Gpt2Small.Positions),
            _ => throw Unknown(),
        };
    }
}
