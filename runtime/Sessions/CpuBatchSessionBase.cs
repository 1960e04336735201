using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Codegen.Sessions;

/// <summary>
/// Several sequences decoded together on the CPU: each sequence has its own KV cache and position, and one
/// <see cref="Decode"/> call runs one token of every listed sequence through the model in a single pass, so each
/// weight row is read once for all of them instead of once per sequence. Sequences join (<see cref="Join"/>) and
/// leave (<see cref="Leave"/>) between calls; each one's prompt goes in through <see cref="Prefill"/>; sampling
/// stays per sequence (one <c>Sampler</c> each over <see cref="Logits"/>).
/// </summary>
/// <remarks>
/// The generated session adds the shape's own work (<see cref="RunRows"/>): a step of rows, where row r is token
/// <see cref="RowTokens"/>[r] of sequence <see cref="RowSequences"/>[r] at position <see cref="RowPositions"/>[r].
/// This class owns which sequences are active, their positions, the checks made before any cache is touched (a
/// bad call throws and leaves every sequence as it was), and the refusal of a call from a second thread while one
/// runs. Not thread-safe otherwise: one batch session serves one caller, which interleaves its sequences.
/// </remarks>
public abstract class CpuBatchSessionBase : IDisposable
{
    /// <summary>The most sequences one batch session holds: each takes a row of every buffer and a logits row of the vocabulary.</summary>
    public const int MaxSequencesLimit = 1024;

    private readonly int vocabularySize;
    private readonly int contextLength;
    private readonly int maxSequences;
    private readonly int rowsPerStep;
    private readonly bool[] active;
    private readonly int[] nextPositions;

    /// <summary>For each sequence, its row of the logits after the last call, or -1 when that call did not give it logits.</summary>
    private readonly int[] logitsRow;
    private int activeCount;
    private bool disposed;

    /// <summary>1 while a call runs: a second thread that finds it set is refused instead of corrupting a cache.</summary>
    private int callRunning;

    /// <param name="vocabularySize">The model's Vocab: logits per row.</param>
    /// <param name="contextLength">The model's Context: each sequence's KV cache length.</param>
    /// <param name="maxSequences">Sequences that can be active at once (1 or more).</param>
    /// <param name="rowsPerStep">Rows the session's buffers hold: at least <paramref name="maxSequences"/>; prompts go in chunks of this size.</param>
    protected CpuBatchSessionBase(int vocabularySize, int contextLength, int maxSequences, int rowsPerStep)
    {
        if (maxSequences < 1 || maxSequences > MaxSequencesLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSequences), maxSequences, $"A batch session holds 1 to {MaxSequencesLimit} sequences.");
        }

        if (rowsPerStep < maxSequences)
        {
            throw new ArgumentOutOfRangeException(nameof(rowsPerStep), rowsPerStep, $"A step must hold a row for each of the {maxSequences} sequences.");
        }

        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.maxSequences = maxSequences;
        this.rowsPerStep = rowsPerStep;
        active = new bool[maxSequences];
        nextPositions = new int[maxSequences];
        logitsRow = new int[maxSequences];
        logitsRow.AsSpan().Fill(-1);
        RowSequences = new int[rowsPerStep];
        RowPositions = new int[rowsPerStep];
        RowTokens = new int[rowsPerStep];
    }

    /// <summary>Vocabulary size: the length of each sequence's logits.</summary>
    public int VocabularySize => vocabularySize;

    /// <summary>Positions each sequence's KV cache holds.</summary>
    public int ContextLength => contextLength;

    /// <summary>Sequences that can be active at once.</summary>
    public int MaxSequences => maxSequences;

    /// <summary>Sequences active now.</summary>
    public int ActiveSequences => activeCount;

    /// <summary>For each row of a step: the sequence it belongs to.</summary>
    protected int[] RowSequences { get; }

    /// <summary>For each row of a step: its position in its sequence.</summary>
    protected int[] RowPositions { get; }

    /// <summary>For each row of a step: its token.</summary>
    protected int[] RowTokens { get; }

    /// <summary>Rows the session's buffers hold at once.</summary>
    protected int RowsPerStep => rowsPerStep;

    /// <summary>Whether <paramref name="sequence"/> has joined and not left.</summary>
    public bool IsActive(int sequence) => (uint)sequence < (uint)maxSequences && active[sequence];

    /// <summary>The next position of <paramref name="sequence"/>: every earlier one is in its KV cache.</summary>
    public int NextPosition(int sequence)
    {
        CheckActive(sequence, nameof(sequence));
        return nextPositions[sequence];
    }

    /// <summary>
    /// Starts a new sequence with an empty KV cache and returns its number (0 to <see cref="MaxSequences"/> - 1, the
    /// lowest free one). Throws <see cref="InvalidOperationException"/> when all are active.
    /// </summary>
    public int Join()
    {
        BeginCall();
        try
        {
            ThrowIfDisposed();
            int sequence = Array.IndexOf(active, false);
            if (sequence < 0)
            {
                throw new InvalidOperationException(
                    $"All {maxSequences} sequences of this batch session are active. Leave one first, or create the session with room for more.");
            }

            PrepareSequence(sequence);
            active[sequence] = true;
            nextPositions[sequence] = 0;
            logitsRow[sequence] = -1;
            activeCount++;
            return sequence;
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>Ends <paramref name="sequence"/>: its number (and its cache's memory) is free for the next <see cref="Join"/>.</summary>
    public void Leave(int sequence)
    {
        BeginCall();
        try
        {
            ThrowIfDisposed();
            CheckActive(sequence, nameof(sequence));
            active[sequence] = false;
            logitsRow[sequence] = -1;
            activeCount--;
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> of <paramref name="sequence"/> from its next position on (a prompt, or a later
    /// turn's new tokens) and returns the logits after the last one (valid until the next call; also
    /// <see cref="Logits"/>). Other sequences are untouched. The prompt is checked before any of it runs;
    /// cancellation is seen between chunks and leaves the sequence's position as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<float> Prefill(int sequence, ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
    {
        BeginCall();
        try
        {
            ThrowIfDisposed();
            CheckActive(sequence, nameof(sequence));
            int start = nextPositions[sequence];
            SessionChecks.CheckPrompt(tokens, start, vocabularySize, contextLength, start);
            ForgetLogits();
            for (int done = 0; done < tokens.Length; done += rowsPerStep)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(rowsPerStep, tokens.Length - done);
                for (int row = 0; row < count; row++)
                {
                    RowSequences[row] = sequence;
                    RowPositions[row] = start + done + row;
                    RowTokens[row] = tokens[done + row];
                }

                bool lastChunk = done + count == tokens.Length;
                RunRows(count, lastChunk ? count - 1 : count);
            }

            ReadOnlySpan<float> logits = LogitsOfRow(0);
            NonFiniteLogitsException.ThrowIfAny(logits, start + tokens.Length - 1);
            nextPositions[sequence] = start + tokens.Length;
            logitsRow[sequence] = 0;
            return logits;
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>
    /// Runs one token of each of <paramref name="sequences"/> (<paramref name="tokens"/>[i] for
    /// <paramref name="sequences"/>[i]) at that sequence's next position, all in one pass over the weights; then
    /// <see cref="Logits"/> gives each one's logits. Every argument is checked before anything runs.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, no sequence, a sequence listed twice or not active, a token outside the vocabulary, or a sequence at the end of its context.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Decode(ReadOnlySpan<int> sequences, ReadOnlySpan<int> tokens)
    {
        BeginCall();
        try
        {
            ThrowIfDisposed();
            CheckDecode(sequences, tokens);
            ForgetLogits();
            for (int row = 0; row < sequences.Length; row++)
            {
                RowSequences[row] = sequences[row];
                RowPositions[row] = nextPositions[sequences[row]];
                RowTokens[row] = tokens[row];
            }

            RunRows(sequences.Length, 0);
            for (int row = 0; row < sequences.Length; row++)
            {
                NonFiniteLogitsException.ThrowIfAny(LogitsOfRow(row), RowPositions[row]);
            }

            for (int row = 0; row < sequences.Length; row++)
            {
                nextPositions[sequences[row]]++;
                logitsRow[sequences[row]] = row;
            }
        }
        finally
        {
            EndCall();
        }
    }

    /// <summary>The logits of <paramref name="sequence"/> from the last <see cref="Decode"/> or <see cref="Prefill"/> call, which must have run it.</summary>
    public ReadOnlySpan<float> Logits(int sequence)
    {
        CheckActive(sequence, nameof(sequence));
        int row = logitsRow[sequence];
        if (row < 0)
        {
            throw new InvalidOperationException(
                $"Sequence {sequence} has no logits: the last call did not run it. Logits are valid until the next Prefill or Decode.");
        }

        return LogitsOfRow(row);
    }

    /// <summary>Ends the session and every sequence. Calling it again does nothing.</summary>
    public void Dispose()
    {
        BeginCall();
        disposed = true;
        EndCall();
    }

    /// <summary>
    /// Runs the step's rows [0, <paramref name="rowCount"/>) through the whole model: their keys and values into their
    /// sequences' caches, each row attending to its own sequence's positions up to its own (rows of one sequence come
    /// in position order). Rows [<paramref name="firstLogitRow"/>, <paramref name="rowCount"/>) end in logits, row
    /// firstLogitRow + i in <see cref="LogitsOfRow"/>(i).
    /// </summary>
    protected abstract void RunRows(int rowCount, int firstLogitRow);

    /// <summary>Logits row <paramref name="index"/> of the last step.</summary>
    protected abstract ReadOnlySpan<float> LogitsOfRow(int index);

    /// <summary>Makes <paramref name="sequence"/>'s KV cache ready for a sequence that is joining (allocated the first time).</summary>
    protected abstract void PrepareSequence(int sequence);

    private void CheckDecode(ReadOnlySpan<int> sequences, ReadOnlySpan<int> tokens)
    {
        if (sequences.Length != tokens.Length)
        {
            throw new ArgumentException($"Decode needs one token per sequence, but got {sequences.Length} sequences and {tokens.Length} tokens.", nameof(tokens));
        }

        if (sequences.IsEmpty)
        {
            throw new ArgumentException("Decode needs at least one sequence.", nameof(sequences));
        }

        for (int i = 0; i < sequences.Length; i++)
        {
            int sequence = sequences[i];
            CheckActive(sequence, nameof(sequences));
            if (sequences.Slice(0, i).IndexOf(sequence) >= 0)
            {
                throw new ArgumentException($"Sequence {sequence} is listed twice; a step runs one token of each sequence.", nameof(sequences));
            }

            if ((uint)tokens[i] >= (uint)vocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), tokens[i], $"Token {i} (for sequence {sequence}) is {tokens[i]}; token ids run from 0 to {vocabularySize - 1}.");
            }

            if (nextPositions[sequence] >= contextLength)
            {
                throw new ArgumentException($"Sequence {sequence} has filled the model's Context of {contextLength} positions; it cannot take another token.", nameof(sequences));
            }
        }
    }

    private void CheckActive(int sequence, string parameterName)
    {
        if ((uint)sequence >= (uint)maxSequences)
        {
            throw new ArgumentOutOfRangeException(parameterName, sequence, $"Sequences are numbered 0 to {maxSequences - 1}.");
        }

        if (!active[sequence])
        {
            throw new ArgumentException($"Sequence {sequence} is not active: Join returns the numbers of active sequences.", parameterName);
        }
    }

    /// <summary>A call is about to overwrite the logits rows: no sequence has logits until it ends well.</summary>
    private void ForgetLogits() => logitsRow.AsSpan().Fill(-1);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private void BeginCall()
    {
        if (Interlocked.Exchange(ref callRunning, 1) != 0)
        {
            throw new InvalidOperationException(
                "This batch session is already running a call on another thread. It serves one call at a time: one caller interleaves its sequences.");
        }
    }

    private void EndCall() => Volatile.Write(ref callRunning, 0);
}
