using System;
using System.Collections.Generic;
using Codegen.Tests.EndToEnd;
using Xunit;

namespace Codegen.Tests.Gpu;

/// <summary>
/// The GPU sessions of the models declared from Hugging Face configs (biases, llama3 rotary scaling, sliding
/// windows, fused tensors) against the float64 references, on the test device (the ILGPU CPU accelerator in CI).
/// </summary>
[Collection(GpuCollection.Name)]
public sealed class HuggingFaceGpuTests
{
    private const double Tolerance = 1e-4;

    private readonly GpuFixture fixture;

    public HuggingFaceGpuTests(GpuFixture fixture) => this.fixture = fixture;

    public static IEnumerable<object[]> Cases() => HuggingFaceGoldenTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsMatchTheReferenceAtEveryPosition(string name)
    {
        using IInferenceSession session = Open(name);
        foreach (GoldenPrompt golden in HuggingFaceGoldenTests.Golden(name))
        {
            session.Reset();
            for (int position = 0; position < golden.Prompt.Length; position++)
            {
                double error = GoldenLogits.RelativeError(golden.Logits[position], session.Forward(golden.Prompt[position], position));
                Assert.True(error < Tolerance, $"{name} on the GPU, prompt of {golden.Prompt.Length}, position {position}: relative error {error:E2}");
            }
        }
    }

    private IInferenceSession Open(string name)
    {
        string folder = HuggingFaceGoldenTests.Folder(name);
        return name switch
        {
            "llama-hf" => HfLlama.Load(folder).CreateGpuSession(fixture.Device),
            "llama-hf-bias-bf16-sharded" => HfLlamaBiasScaled.Load(folder).CreateGpuSession(fixture.Device),
            "llama-linear" => HfLlamaLinear.Load(folder).CreateGpuSession(fixture.Device),
            "mistral-window" => HfMistralWindow.Load(folder).CreateGpuSession(fixture.Device),
            "qwen2" => HfQwen2.Load(folder).CreateGpuSession(fixture.Device),
            "phi3" => HfPhi3.Load(folder).CreateGpuSession(fixture.Device),
            _ => throw new ArgumentException(name),
        };
    }
}
