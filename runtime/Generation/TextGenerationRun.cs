using System;
using System.Collections.Generic;
using System.Threading;

namespace Codegen.Generation;

/// <summary>
/// One text generation's progress: the token counts as it goes, and once it has ended, why. The text itself
/// comes from enumerating the <see cref="TextGenerationStream"/> or <see cref="AsyncTextGenerationStream"/>
/// (once only); read these properties during or after that.
/// </summary>
public abstract class TextGenerationRun
{
    private int started;

    private protected TextGenerationRun(int promptTokenCount) => PromptTokenCount = promptTokenCount;

    /// <summary>The prompt's tokens.</summary>
    public int PromptTokenCount { get; }

    /// <summary>
    /// The tokens the model has produced after the prompt so far: those whose text was returned or held back, the
    /// tokens that hold a stop string, and a stop token all count (each took a step of the model).
    /// </summary>
    public int GeneratedTokenCount { get; internal set; }

    /// <summary>Why the generation ended; null while it runs (and when it was cancelled or failed).</summary>
    public FinishReason? FinishReason { get; internal set; }

    /// <summary>The stop string found when <see cref="FinishReason"/> is <see cref="Generation.FinishReason.StopString"/>, else null.</summary>
    public string? StopString { get; internal set; }

    /// <summary>The stop token produced when <see cref="FinishReason"/> is <see cref="Generation.FinishReason.StopToken"/>, else null.</summary>
    public int? StopToken { get; internal set; }

    private protected void StartOnce()
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("A text generation can be enumerated once; call GenerateText again to run another.");
        }
    }
}

/// <summary>The text pieces of <see cref="TextGeneration.GenerateText"/> as they are generated, with the run's counts and finish reason.</summary>
public sealed class TextGenerationStream : TextGenerationRun, IEnumerable<string>
{
    private readonly Func<TextGenerationRun, IEnumerable<string>> run;

    internal TextGenerationStream(int promptTokenCount, Func<TextGenerationRun, IEnumerable<string>> run)
        : base(promptTokenCount) => this.run = run;

    /// <summary>Starts the generation; a second call throws <see cref="InvalidOperationException"/>.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        StartOnce();
        return run(this).GetEnumerator();
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The text pieces of <see cref="TextGeneration.GenerateTextAsync"/> as they are generated, with the run's counts and finish reason.</summary>
public sealed class AsyncTextGenerationStream : TextGenerationRun, IAsyncEnumerable<string>
{
    private readonly Func<TextGenerationRun, IAsyncEnumerable<string>> run;

    internal AsyncTextGenerationStream(int promptTokenCount, Func<TextGenerationRun, IAsyncEnumerable<string>> run)
        : base(promptTokenCount) => this.run = run;

    /// <summary>
    /// Starts the generation; a second call throws <see cref="InvalidOperationException"/>. The token given here
    /// and the one given to <see cref="TextGeneration.GenerateTextAsync"/> both cancel it.
    /// </summary>
    public IAsyncEnumerator<string> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        StartOnce();
        return run(this).GetAsyncEnumerator(cancellationToken);
    }
}
