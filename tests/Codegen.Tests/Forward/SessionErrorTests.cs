using System;
using Xunit;

namespace Codegen.Tests.Forward;

/// <summary>
/// Bad calls into a session throw ArgumentOutOfRangeException naming the limit they broke, and leave
/// the session as it was: the next correct call still gives the reference logits.
/// </summary>
public sealed class SessionErrorTests
{
    public static TheoryData<string> Models => ForwardCase.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void TokenOutOfRangeNamesTheLastTokenId(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int vocab = forwardCase.Dims.Vocab;
        int[] tokens = forwardCase.Tokens(4, seed: 81);
        double[][] expected = forwardCase.Reference(tokens);
        using IInferenceSession session = forwardCase.OpenSession();
        session.Forward(tokens[0], 0);
        session.Forward(tokens[1], 1);
        foreach (int bad in new[] { -1, vocab, int.MaxValue, int.MinValue })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(bad, 2));
            Assert.Equal("token", error.ParamName);
            Assert.Contains((vocab - 1).ToString(), error.Message);
        }

        ForwardParityTests.AssertLogits(expected[2], session.Forward(tokens[2], 2), $"{model} after rejected tokens");
        ForwardParityTests.AssertLogits(expected[3], session.Forward(tokens[3], 3), $"{model} after rejected tokens");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PositionPastTheContextNamesTheContext(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int context = forwardCase.Dims.Context;
        int[] tokens = forwardCase.Tokens(3, seed: 82);
        double[][] expected = forwardCase.Reference(tokens);
        using IInferenceSession session = forwardCase.OpenSession();
        session.Forward(tokens[0], 0);
        foreach (int bad in new[] { context, context + 1, -1, int.MinValue })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(tokens[1], bad));
            Assert.Equal("position", error.ParamName);
            Assert.Contains((context - 1).ToString(), error.Message);
            Assert.Contains("Context", error.Message);
        }

        ForwardParityTests.AssertLogits(expected[1], session.Forward(tokens[1], 1), $"{model} after rejected positions");
        ForwardParityTests.AssertLogits(expected[2], session.Forward(tokens[2], 2), $"{model} after rejected positions");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void SkippingAheadNamesTheNextPosition(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int[] tokens = forwardCase.Tokens(5, seed: 83);
        double[][] expected = forwardCase.Reference(tokens);
        using IInferenceSession session = forwardCase.OpenSession();
        var first = Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(tokens[0], 1));
        Assert.Equal("position", first.ParamName);
        Assert.Contains("0", first.Message);
        for (int position = 0; position < 3; position++)
        {
            session.Forward(tokens[position], position);
        }

        foreach (int ahead in new[] { 4, 5 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward(tokens[3], ahead));
            Assert.Equal("position", error.ParamName);
            Assert.Contains("is 3", error.Message);
        }

        ForwardParityTests.AssertLogits(expected[3], session.Forward(tokens[3], 3), $"{model} after a rejected skip");
        ForwardParityTests.AssertLogits(expected[4], session.Forward(tokens[4], 4), $"{model} after a rejected skip");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void BadPrefillChangesNothing(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int context = forwardCase.Dims.Context;
        int[] tokens = forwardCase.Tokens(4, seed: 84);
        double[][] expected = forwardCase.Reference(tokens);
        using IInferenceSession session = forwardCase.OpenSession();
        session.Forward(tokens[0], 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new[] { tokens[1], forwardCase.Dims.Vocab }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new int[context], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Prefill(new[] { tokens[1] }, 2));
        Assert.Throws<ArgumentException>(() => session.Prefill(ReadOnlySpan<int>.Empty, 1));
        ForwardParityTests.AssertLogits(expected[2], session.Prefill(tokens.AsSpan(1, 2), 1), $"{model} after rejected prefills");
        ForwardParityTests.AssertLogits(expected[3], session.Forward(tokens[3], 3), $"{model} after rejected prefills");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DisposedSessionRefusesWork(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        IInferenceSession session = forwardCase.OpenSession();
        session.Forward(0, 0);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Forward(0, 1));
    }
}
