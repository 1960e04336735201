using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using Codegen.Threading;
using Xunit;

namespace Codegen.Tests.Threading;

/// <summary>How <see cref="WorkerPool"/> splits a range: every row once, in pieces of whole granules, failures reported after every thread is done.</summary>
public sealed class WorkerPoolTests
{
    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(1, 37, 8, 4)]
    [InlineData(2, 0, 8, 1)]
    [InlineData(2, 1, 8, 4)]
    [InlineData(2, 7, 1, 1)]
    [InlineData(2, 288, 8, 1)]
    [InlineData(2, 288, 8, 4)]
    [InlineData(2, 2305, 8, 4)]
    [InlineData(3, 100, 8, 3)]
    [InlineData(3, 6, 1, 4)]
    public void EveryRowRunsOnceInPiecesOfWholeGranules(int threads, int count, int granularity, int piecesPerThread)
    {
        using var pool = new WorkerPool(threads, mostThreads: threads);
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var hits = new int[count];
            var ranges = new ConcurrentBag<(int Start, int End)>();
            pool.Run(
                (start, end) =>
                {
                    ranges.Add((start, end));
                    for (int row = start; row < end; row++)
                    {
                        Interlocked.Increment(ref hits[row]);
                    }
                },
                count,
                granularity,
                piecesPerThread);

            Assert.All(hits, h => Assert.Equal(1, h));
            Assert.True(ranges.Count <= threads * piecesPerThread, $"{ranges.Count} pieces for {threads} threads x {piecesPerThread}");
            Assert.All(ranges, r =>
            {
                Assert.True(r.Start < r.End, $"empty piece [{r.Start}, {r.End})");
                Assert.Equal(0, r.Start % granularity);
                Assert.True(r.End == count || r.End % granularity == 0, $"piece [{r.Start}, {r.End}) of {count} does not end on a granule");
            });
        }
    }

    [Fact]
    public void PiecesPerThreadBelowOneIsRejected()
    {
        using var pool = new WorkerPool(2, mostThreads: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Run((_, _) => { }, 10, 1, piecesPerThread: 0));
    }

    [Fact]
    public void AFailingPieceIsReportedOnlyAfterEveryThreadHasFinished()
    {
        using var pool = new WorkerPool(2, mostThreads: 2);
        int running = 0;
        int finished = 0;
        Exception caught = Assert.ThrowsAny<Exception>(() => pool.Run(
            (start, end) =>
            {
                Interlocked.Increment(ref running);
                if (start == 0)
                {
                    throw new InvalidOperationException("piece 0 failed");
                }

                Thread.Sleep(50);
                Interlocked.Increment(ref finished);
            },
            8,
            1,
            piecesPerThread: 4));

        Assert.Contains("piece 0 failed", caught is AggregateException aggregate ? aggregate.InnerExceptions.Single().Message : caught.Message);
        // Every piece that started has ended by the time Run returns: none is still writing the session's buffers.
        Assert.Equal(Volatile.Read(ref running) - 1, Volatile.Read(ref finished));

        // The pool still works afterwards.
        int rows = 0;
        pool.Run((start, end) => Interlocked.Add(ref rows, end - start), 100, 8, 4);
        Assert.Equal(100, rows);
    }
}

/// <summary>A pool never has more threads than the machine has processors: more only spin against each other.</summary>
public sealed class WorkerPoolSizeTests
{
    [Fact]
    public void APoolAskedForMoreThreadsThanProcessorsGetsOnePerProcessor()
    {
        using var pool = new WorkerPool(Environment.ProcessorCount + 6);

        Assert.Equal(Environment.ProcessorCount, pool.ThreadCount);
    }

    [Fact]
    public void APoolAskedForFewerThreadsThanProcessorsGetsWhatItAskedFor()
    {
        using var pool = new WorkerPool(1);

        Assert.Equal(1, pool.ThreadCount);
    }
}
