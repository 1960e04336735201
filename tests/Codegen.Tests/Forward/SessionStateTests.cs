using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Codegen.Tests.Forward;

/// <summary>What a session remembers: Reset forgets it all, sessions of one model do not share it, and going back overwrites it.</summary>
public sealed class SessionStateTests
{
    public static TheoryData<string> Models => ForwardCase.Models;

    [Theory]
    [MemberData(nameof(Models))]
    public void ResetThenRefeedingGivesIdenticalLogits(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int[] tokens = forwardCase.Tokens(forwardCase.SessionLength, seed: 91);
        using IInferenceSession session = forwardCase.OpenSession();
        float[][] first = Feed(session, tokens);
        session.Reset();
        float[][] second = Feed(session, tokens);
        for (int position = 0; position < tokens.Length; position++)
        {
            Assert.Equal(first[position], second[position]);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InterleavedSessionsGiveTheSameLogitsAsSeparateRuns(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int length = forwardCase.SessionLength;
        int[] tokensA = forwardCase.Tokens(length, seed: 92);
        int[] tokensB = forwardCase.Tokens(length, seed: 93);
        float[][] aliceAlone, bobAlone;
        using (IInferenceSession alone = forwardCase.OpenSession())
        {
            aliceAlone = Feed(alone, tokensA);
        }

        using (IInferenceSession alone = forwardCase.OpenSession())
        {
            bobAlone = Feed(alone, tokensB);
        }

        using IInferenceSession alice = forwardCase.OpenSession();
        using IInferenceSession bob = forwardCase.OpenSession();
        for (int position = 0; position < length; position++)
        {
            Assert.Equal(aliceAlone[position], alice.Forward(tokensA[position], position).ToArray());
            Assert.Equal(bobAlone[position], bob.Forward(tokensB[position], position).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GoingBackOverwritesTheCacheFromThere(string model)
    {
        ForwardCase forwardCase = ForwardCase.For(model);
        int length = forwardCase.SessionLength;
        int[] original = forwardCase.Tokens(length, seed: 94);
        int rewindTo = length / 2;
        int[] rewritten = original.Take(rewindTo).Concat(forwardCase.Tokens(length - rewindTo, seed: 95)).ToArray();
        double[][] expected = forwardCase.Reference(rewritten);
        using IInferenceSession session = forwardCase.OpenSession();
        Feed(session, original);
        for (int position = rewindTo; position < length; position++)
        {
            ForwardParityTests.AssertLogits(expected[position], session.Forward(rewritten[position], position), $"{model} at position {position} after going back to {rewindTo}");
        }
    }

    private static float[][] Feed(IInferenceSession session, IReadOnlyList<int> tokens) =>
        tokens.Select((token, position) => session.Forward(token, position).ToArray()).ToArray();
}
