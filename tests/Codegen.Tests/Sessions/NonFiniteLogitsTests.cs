using System;
using Xunit;

namespace Codegen.Tests.Sessions;

/// <summary>A session never hands out NaN or infinite logits: it throws, naming the position, and does not count the position as fed.</summary>
public sealed class NonFiniteLogitsTests
{
    [Fact]
    public void AStepWhoseLogitsAreNotFiniteThrowsNamingItsPosition()
    {
        using var session = new ScriptedSession { NaNAtPosition = 2 };
        session.Forward(1, 0);
        session.Forward(1, 1);

        var error = Assert.Throws<NonFiniteLogitsException>(() => session.Forward(1, 2));

        Assert.Equal(2, error.Position);
        Assert.Equal(3, error.Token);
        Assert.Contains("position 2", error.Message);
        Assert.Equal(2, session.NextPosition);
    }

    [Fact]
    public void APromptWhoseLastLogitsAreNotFiniteThrowsNamingTheLastPosition()
    {
        using var session = new ScriptedSession(prefillChunkTokens: 4) { NaNAtPosition = 9 };

        var error = Assert.Throws<NonFiniteLogitsException>(() => session.Prefill(new int[10], 0));

        Assert.Equal(9, error.Position);
        Assert.Equal(0, session.NextPosition);
    }
}
