using System;
using System.Threading;

namespace Codegen.Threading;

/// <summary>Work over a range of rows [start, end).</summary>
public delegate void RowRangeAction(int start, int end);

/// <summary>
/// Persistent threads that split one row range at a time between themselves and the calling thread.
/// Generated sessions dispatch their large matrix-vector products here many times per token, so a
/// dispatch must cost far less than <c>Parallel.For</c>: no allocation, no task objects, workers
/// spinning briefly between dispatches and sleeping only when idle for a while.
/// A pool serves one dispatch at a time; a caller that finds it busy runs its work inline, so any
/// number of sessions on any threads can share one pool safely.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private const int SpinIterationsBeforeSleep = 20_000;

    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(Environment.ProcessorCount));

    private readonly Worker[] workers;
    private readonly object dispatchGate = new();
    private RowRangeAction? currentAction;
    private int currentCount;
    private int currentGranularity;
    private int currentPieces;
    private int nextPiece;
    private long generation;
    private int pending;
    private Exception? workerFailure;
    private volatile bool disposed;

    /// <summary>
    /// Creates a pool that uses <paramref name="threadCount"/> threads, the caller's included, but never more than
    /// the processor count: a thread more than there are cores only spins against the others, and a worker that
    /// the operating system parks while it holds a piece stalls every dispatch (eight threads on two cores ran
    /// seven times slower than two).
    /// </summary>
    public WorkerPool(int threadCount)
        : this(threadCount, Environment.ProcessorCount)
    {
    }

    /// <summary>A pool of <paramref name="threadCount"/> threads capped at <paramref name="mostThreads"/>; tests use it to split work between more threads than the machine has cores.</summary>
    internal WorkerPool(int threadCount, int mostThreads)
    {
        if (threadCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "A pool needs at least one thread.");
        }

        threadCount = Math.Min(threadCount, Math.Max(1, mostThreads));
        ThreadCount = threadCount;
        workers = new Worker[threadCount - 1];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(this, i + 1);
        }
    }

    /// <summary>A pool with one thread per processor, shared by every session that is not given its own.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    /// <summary>Threads that take part in a dispatch, the caller's included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Runs <paramref name="action"/> over [0, <paramref name="count"/>) split into one contiguous
    /// part per thread, each part a multiple of <paramref name="granularity"/> rows (but the last),
    /// and returns when every part is done.
    /// </summary>
    public void Run(RowRangeAction action, int count, int granularity = 1) => Run(action, count, granularity, piecesPerThread: 1);

    /// <summary>
    /// Runs <paramref name="action"/> over [0, <paramref name="count"/>) split into
    /// <paramref name="piecesPerThread"/> contiguous pieces per thread (each a multiple of
    /// <paramref name="granularity"/> rows but the last), which the threads take one at a time until
    /// none is left: a thread that runs slower (another process on its core, say) takes fewer pieces
    /// instead of keeping the others waiting. Each piece taken costs one interlocked increment, so this
    /// is for steps that run long next to that cost, such as prefill's matrix-matrix products.
    /// </summary>
    public void Run(RowRangeAction action, int count, int granularity, int piecesPerThread)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(piecesPerThread, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }

        if (workers.Length == 0 || disposed || !Monitor.TryEnter(dispatchGate))
        {
            action(0, count);
            return;
        }

        try
        {
            currentAction = action;
            currentCount = count;
            currentGranularity = Math.Max(1, granularity);
            currentPieces = ThreadCount * piecesPerThread;
            nextPiece = 0;
            workerFailure = null;
            Volatile.Write(ref pending, workers.Length);
            Interlocked.Increment(ref generation);
            foreach (Worker worker in workers)
            {
                worker.WakeIfSleeping();
            }

            Exception? callerFailure = null;
            try
            {
                RunPieces();
            }
            catch (Exception e)
            {
                // The workers may still be running pieces of this dispatch: wait for them before leaving.
                callerFailure = e;
            }

            var spinner = default(SpinWait);
            while (Volatile.Read(ref pending) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            currentAction = null;
            if (callerFailure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(callerFailure).Throw();
            }

            if (workerFailure is { } failure)
            {
                throw new AggregateException("A worker thread failed.", failure);
            }
        }
        finally
        {
            Monitor.Exit(dispatchGate);
        }
    }

    public void Dispose()
    {
        disposed = true;
        foreach (Worker worker in workers)
        {
            worker.Stop();
        }
    }

    /// <summary>Takes pieces of the current dispatch until none is left and runs each.</summary>
    private void RunPieces()
    {
        int count = currentCount;
        int granularity = currentGranularity;
        int pieces = currentPieces;
        int units = (count + granularity - 1) / granularity;
        int piece;
        while ((piece = Interlocked.Increment(ref nextPiece) - 1) < pieces)
        {
            int start = Math.Min(count, (int)((long)units * piece / pieces) * granularity);
            int end = Math.Min(count, (int)((long)units * (piece + 1) / pieces) * granularity);
            if (start < end)
            {
                currentAction!(start, end);
            }
        }
    }

    private sealed class Worker
    {
        private readonly WorkerPool pool;
        private readonly int part;
        private readonly SemaphoreSlim wakeUp = new(0);
        private int sleeping;
        private volatile bool stopping;

        public Worker(WorkerPool pool, int part)
        {
            this.pool = pool;
            this.part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Codegen worker {part}" };
            thread.Start();
        }

        public void WakeIfSleeping()
        {
            if (Interlocked.CompareExchange(ref sleeping, 0, 1) == 1)
            {
                wakeUp.Release();
            }
        }

        public void Stop()
        {
            stopping = true;
            wakeUp.Release();
        }

        private void Loop()
        {
            long seen = 0; // the pool dispatches nothing before every worker is constructed
            while (!stopping)
            {
                if (!WaitForNextGeneration(ref seen))
                {
                    continue;
                }

                try
                {
                    pool.RunPieces();
                }
                catch (Exception e)
                {
                    pool.workerFailure = e;
                }

                Interlocked.Decrement(ref pool.pending);
            }
        }

        /// <summary>Spins, then sleeps, until a new dispatch arrives; false when woken without one.</summary>
        private bool WaitForNextGeneration(ref long seen)
        {
            for (int spin = 0; spin < SpinIterationsBeforeSleep; spin++)
            {
                long now = Volatile.Read(ref pool.generation);
                if (now != seen)
                {
                    seen = now;
                    return true;
                }

                Thread.SpinWait(8);
            }

            Interlocked.Exchange(ref sleeping, 1);
            long current = Interlocked.Read(ref pool.generation);
            if (current != seen)
            {
                Interlocked.Exchange(ref sleeping, 0);
                seen = current;
                return true;
            }

            wakeUp.Wait();
            return false;
        }
    }
}
