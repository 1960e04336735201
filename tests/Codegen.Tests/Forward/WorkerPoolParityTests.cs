using System.Linq;
using Codegen.Tests.Kernels;
using Codegen.Threading;
using Xunit;

namespace Codegen.Tests.Forward;

/// <summary>
/// The pooled model splits its products (and, from position 124, attention) over the worker pool: one
/// thread and two threads must give the same logits, and both the reference's.
/// </summary>
public sealed class WorkerPoolParityTests
{
    [Fact]
    public void OneThreadAndTwoThreadsGiveTheSameLogits()
    {
        ForwardCase forwardCase = ForwardCase.For(nameof(LlamaPooledModel));
        int[] tokens = forwardCase.Tokens(forwardCase.SessionLength, seed: 101);
        double[][] expected = forwardCase.Reference(tokens);
        using var onePool = new WorkerPool(1);
        using var twoPool = new WorkerPool(2, mostThreads: 2);
        using IInferenceSession one = forwardCase.OpenSession(onePool);
        using IInferenceSession two = forwardCase.OpenSession(twoPool);
        for (int position = 0; position < tokens.Length; position++)
        {
            float[] single = one.Forward(tokens[position], position).ToArray();
            float[] split = two.Forward(tokens[position], position).ToArray();
            Approx.CloseRelativeToMax(single.Select(x => (double)x).ToArray(), split, 1e-6, $"two threads against one at position {position}");
            ForwardParityTests.AssertLogits(expected[position], split, $"two threads at position {position}");
        }
    }

    [Fact]
    public void PrefillOnOneThreadAndTwoThreadsGivesTheSameLogits()
    {
        ForwardCase forwardCase = ForwardCase.For(nameof(LlamaPooledModel));
        int[] tokens = forwardCase.Tokens(200, seed: 102);
        using var onePool = new WorkerPool(1);
        using var twoPool = new WorkerPool(2, mostThreads: 2);
        using IInferenceSession one = forwardCase.OpenSession(onePool);
        using IInferenceSession two = forwardCase.OpenSession(twoPool);
        float[] single = one.Prefill(tokens, 0).ToArray();
        float[] split = two.Prefill(tokens, 0).ToArray();
        Approx.CloseRelativeToMax(single.Select(x => (double)x).ToArray(), split, 1e-6, "prefill of 200 tokens on two threads against one");
    }
}
