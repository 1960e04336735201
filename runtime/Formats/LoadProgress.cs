using System;
using System.Threading;

namespace Codegen.Formats;

/// <summary>
/// Counts the bytes a model load reads, reports the fraction done to an <see cref="IProgress{T}"/> and checks a
/// <see cref="CancellationToken"/>. The readers (<see cref="Llama2cCheckpoint"/>, <see cref="SafetensorsFile"/>,
/// <see cref="SafetensorsCheckpoint"/>, the GGUF reader) call <see cref="Advance"/> after each chunk they read, at
/// most <see cref="ChunkBytes"/> at a time, so a load is cancelled between tensors and within a large one; the
/// generated <c>Load</c> calls <see cref="Complete"/> once the model is built.
/// </summary>
/// <remarks>
/// Reported values rise strictly, lie in [0, 1] and come at least <see cref="Step"/> apart (at most about 200
/// reports a load); the last one is exactly 1, from <see cref="Complete"/>, and only on success. Reports are made
/// on the loading thread, synchronously (a <see cref="Progress{T}"/> posts them on to its synchronization context).
/// Until a reader has said how many bytes it will read (<see cref="Expect"/>), nothing is reported.
/// </remarks>
public sealed class LoadProgress
{
    /// <summary>The largest read between two cancellation checks (and progress reports): 4 MiB.</summary>
    public const int ChunkBytes = 4 << 20;

    /// <summary>The smallest rise between two reports: half a percent.</summary>
    public const double Step = 0.005;

    private readonly IProgress<double>? progress;
    private long total;
    private long done;
    private double reported = -1;

    /// <summary>Reports to <paramref name="progress"/> (when not null) and honours <paramref name="cancellationToken"/>.</summary>
    public LoadProgress(IProgress<double>? progress, CancellationToken cancellationToken)
    {
        this.progress = progress;
        CancellationToken = cancellationToken;
    }

    /// <summary>A load that reports nothing and cannot be cancelled.</summary>
    public static LoadProgress None => new(null, CancellationToken.None);

    /// <summary>The load's cancellation token.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Bytes counted so far.</summary>
    public long BytesRead => done;

    /// <summary>The bytes the load will read, as the reader said (0 until it has).</summary>
    public long TotalBytes => total;

    /// <summary>
    /// Says that the load will read <paramref name="bytes"/> more bytes (a reader calls it once it has checked what it
    /// will read, before reading it); reports 0 the first time.
    /// </summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public void Expect(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        total += bytes;
        Report();
    }

    /// <summary>Counts <paramref name="bytes"/> read, reports the fraction when it has risen by <see cref="Step"/>, and checks for cancellation.</summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public void Advance(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        done += bytes;
        Report();
    }

    /// <summary>
    /// Runs <paramref name="load"/> with a <see cref="LoadProgress"/> of <paramref name="progress"/> and
    /// <paramref name="cancellationToken"/>, then reports 1 (<see cref="Complete"/>) and returns what it built: the
    /// body of every generated <c>Load(path, progress, cancellationToken)</c>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static T Run<T>(IProgress<double>? progress, CancellationToken cancellationToken, Func<LoadProgress, T> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var counter = new LoadProgress(progress, cancellationToken);
        T model = load(counter);
        counter.Complete();
        return model;
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> when the load was cancelled.</summary>
    public void ThrowIfCancellationRequested() => CancellationToken.ThrowIfCancellationRequested();

    /// <summary>Reports exactly 1 (once); the generated <c>Load</c> calls it when the model is built.</summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public void Complete()
    {
        ThrowIfCancellationRequested();
        if (reported < 1)
        {
            reported = 1;
            progress?.Report(1);
        }
    }

    private void Report()
    {
        ThrowIfCancellationRequested();
        if (progress is null || total == 0)
        {
            return;
        }

        // Below 1 until Complete: a reader may read a little more than it expected (never less than 0).
        double fraction = Math.Min((double)done / total, 1 - Step);
        if (reported < 0 || fraction >= reported + Step)
        {
            reported = fraction;
            progress.Report(fraction);
        }
    }
}
