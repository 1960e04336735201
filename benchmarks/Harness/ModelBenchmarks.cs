using System;
using Codegen.Generation;
using BenchmarkDotNet.Attributes;

namespace Codegen.Benchmarks.Harness;

/// <summary>
/// Decode and prefill for one model shape, run by each implementation named in the derived class's
/// Implementation parameter. Every operation is one token, so BenchmarkDotNet's mean is time per token
/// and its allocation column is bytes per token.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public abstract class ModelBenchmarks
{
    /// <summary>Tokens decoded per invocation, greedily, from position 0 (llama2.c's default steps).</summary>
    public const int DecodeTokens = 256;

    /// <summary>Prompt length for prefill, from position 0.</summary>
    public const int PromptTokens = 128;

    private IInferenceSession? session;
    private int[] prompt = [];

    /// <summary>Which implementation runs: "generated", "generated-bf16", "generated-q8", "generic" or "onnx".</summary>
    public abstract string Implementation { get; set; }

    /// <summary>Opens a session of <see cref="Implementation"/> on this benchmark's weights.</summary>
    protected abstract IInferenceSession Open();

    [GlobalSetup]
    public void Setup()
    {
        session = Open();
        var random = new Random(7);
        prompt = new int[PromptTokens];
        for (int i = 0; i < prompt.Length; i++)
        {
            prompt[i] = random.Next(session.VocabularySize);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        session?.Dispose();
        session = null;
        ReleaseResources();
    }

    /// <summary>Releases what <see cref="Open"/> held besides the session (a GPU device, say).</summary>
    protected virtual void ReleaseResources()
    {
    }

    /// <summary>Greedy decoding: each token's logits pick the next token, fed back at the next position.</summary>
    [Benchmark(OperationsPerInvoke = DecodeTokens)]
    public int Decode()
    {
        IInferenceSession model = session!;
        int token = 1;
        for (int position = 0; position < DecodeTokens; position++)
        {
            token = Sampler.ArgMax(model.Forward(token, position));
        }

        return token;
    }

    /// <summary>A prompt processed at once; logits only for its last token.</summary>
    [Benchmark(OperationsPerInvoke = PromptTokens)]
    public int Prefill() => Sampler.ArgMax(session!.Prefill(prompt, 0));

    /// <summary>The error for an implementation a benchmark does not offer.</summary>
    protected ArgumentException Unknown() =>
        new($"Benchmark {GetType().Name} has no implementation named '{Implementation}'.", nameof(Implementation));
}
