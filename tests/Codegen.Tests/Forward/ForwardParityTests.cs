using System;
using System.Linq;
using Codegen.Tests.Kernels;
using Xunit;

namespace Codegen.Tests.Forward;

/// <summary>
/// The generated CPU session against the float64 reference forward pass, fed the same random weights:
/// the logits at every position of the whole context (max error under 1e-4 of the largest logit).
/// The pooled model's products are split over the worker pool and, past position 124, its attention too.
/// </summary>
public sealed class ForwardParityTests
{
    /// <summary>Allowed max |logit error| / max |logit|.</summary>
    public const double LogitTolerance = 1e-4;

    public static TheoryData<string> Models => ForwardCase.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchTheReferenceAtEveryPositionOfTheContext(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int[] tokens = forwardCase.Tokens(forwardCase.Dims.Context, seed: 71);
        double[][] expected = forwardCase.Reference(tokens);
        using IInferenceSession session = forwardCase.OpenSession();
        Assert.Equal(forwardCase.Dims.Vocab, session.VocabularySize);
        Assert.Equal(forwardCase.Dims.Context, session.ContextLength);
        for (int position = 0; position < tokens.Length; position++)
        {
            AssertLogits(expected[position], session.Forward(tokens[position], position), $"{model} at position {position}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefillGivesTheReferenceLogitsOfItsLastTokenAndForwardContinues(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int context = forwardCase.Dims.Context;
        int[] tokens = forwardCase.Tokens(context, seed: 72);
        double[][] expected = forwardCase.Reference(tokens);
        // More than one prefill chunk of 64 tokens where the context allows it.
        int prompt = Math.Min(context - 3, 70);
        using IInferenceSession session = forwardCase.OpenSession();
        AssertLogits(expected[prompt - 1], session.Prefill(tokens.AsSpan(0, prompt), 0), $"{model} after prefill of {prompt} tokens");
        for (int position = prompt; position < context; position++)
        {
            AssertLogits(expected[position], session.Forward(tokens[position], position), $"{model} at position {position} after prefill");
        }
    }

    internal static void AssertLogits(double[] expected, ReadOnlySpan<float> actual, string what) =>
        Approx.CloseRelativeToMax(expected, actual, LogitTolerance, what);
}
