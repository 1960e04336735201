using System;
using System.Threading;
using Codegen.Formats;
using Xunit;

namespace Codegen.Tests.Loading;

/// <summary>The runtime's byte counter on its own: what it reports and when it stops a load.</summary>
public sealed class LoadProgressTests
{
    [Fact]
    public void ReportsNothingUntilTheTotalIsKnownThenZeroRisingInStepsAndOneOnComplete()
    {
        var early = new RecordingProgress();
        new LoadProgress(early, CancellationToken.None).Advance(10);
        Assert.Empty(early.Values);

        var recorded = new RecordingProgress();
        var load = new LoadProgress(recorded, CancellationToken.None);
        load.Expect(1000);
        for (int i = 0; i < 1000; i++)
        {
            load.Advance(1);
        }

        load.Complete();
        Assert.Equal(0, recorded.Values[0]);
        Assert.Equal(1, recorded.Values[^1]);
        for (int i = 1; i < recorded.Values.Count; i++)
        {
            Assert.True(recorded.Values[i] - recorded.Values[i - 1] >= LoadProgress.Step - 1e-12, $"report {i} rose by {recorded.Values[i] - recorded.Values[i - 1]}");
        }

        Assert.InRange(recorded.Values.Count, 50, (int)(1 / LoadProgress.Step) + 2);
    }

    [Fact]
    public void StaysBelowOneUntilCompleteEvenWhenMoreIsReadThanExpected()
    {
        var recorded = new RecordingProgress();
        var load = new LoadProgress(recorded, CancellationToken.None);
        load.Expect(100);
        load.Advance(150);
        Assert.All(recorded.Values, value => Assert.True(value < 1));
        load.Complete();
        load.Complete();
        Assert.Equal(1, recorded.Values[^1]);
        Assert.Single(recorded.Values, value => value == 1);
    }

    [Fact]
    public void EveryCallThrowsOnceCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var load = new LoadProgress(null, cancellation.Token);
        load.Expect(100);
        load.Advance(1);
        cancellation.Cancel();
        Assert.Throws<OperationCanceledException>(() => load.Advance(1));
        Assert.Throws<OperationCanceledException>(() => load.Expect(1));
        Assert.Throws<OperationCanceledException>(load.Complete);
    }
}
