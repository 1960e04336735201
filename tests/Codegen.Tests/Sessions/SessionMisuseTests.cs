using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Codegen.Tests.Sessions;

/// <summary>A session used from a second thread while a call runs refuses the second call and stays whole.</summary>
public sealed class SessionMisuseTests
{
    [Fact]
    public async Task EveryCallFromASecondThreadWhileAStepRunsIsRefused()
    {
        using var release = new ManualResetEventSlim();
        var session = new ScriptedSession { ReleaseFirstStep = release };
        Task<float[]> first = Task.Run(() => session.Forward(1, 0).ToArray());
        Assert.True(session.FirstStepEntered.Wait(TimeSpan.FromSeconds(30)), "the first step never started");

        var forward = Assert.Throws<InvalidOperationException>(() => session.Forward(2, 0));
        Assert.Contains("another thread", forward.Message);
        Assert.Throws<InvalidOperationException>(() => session.Prefill(new[] { 1, 2 }, 0));
        Assert.Throws<InvalidOperationException>(() => session.Reset());
        Assert.Throws<InvalidOperationException>(() => session.Dispose());

        release.Set();
        float[] logits = await first.WaitAsync(TimeSpan.FromSeconds(30));

        // The running call finished as if alone, and the session works afterwards.
        Assert.Equal(1, Array.IndexOf(logits, 5f));
        Assert.Equal(1, session.StepsRun);
        Assert.Equal(1, session.NextPosition);
        Assert.Equal(2, Array.IndexOf(session.Forward(2, 1).ToArray(), 5f));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Forward(3, 2));
    }

    [Fact]
    public async Task CallsOneAfterAnotherFromDifferentThreadsAreFine()
    {
        using var session = new ScriptedSession();
        for (int position = 0; position < 8; position++)
        {
            int at = position;
            await Task.Run(() => session.Forward(1, at).Length);
        }

        Assert.Equal(8, session.NextPosition);
    }

    [Fact]
    public void CancellationIsSeenBetweenPrefillChunksAndLeavesThePositionAsItWas()
    {
        using var cancel = new CancellationTokenSource();
        using var session = new ScriptedSession(prefillChunkTokens: 4)
        {
            AfterChunk = chunks =>
            {
                if (chunks == 2)
                {
                    cancel.Cancel();
                }
            },
        };

        Assert.ThrowsAny<OperationCanceledException>(() => session.Prefill(new int[20], 0, cancel.Token));

        Assert.Equal(2, session.ChunksRun);
        Assert.Equal(0, session.NextPosition);

        // The session is usable afterwards, from where it was.
        session.Prefill(new int[6], 0);
        Assert.Equal(6, session.NextPosition);
    }
}
