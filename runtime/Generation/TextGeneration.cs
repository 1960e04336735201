using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Tokenizers;

namespace Codegen.Generation;

/// <summary>
/// The generation loop shared by every model and backend: feed the prompt, then sample a token,
/// stream it out and feed it back, until a stop token, the token limit or cancellation.
/// <see cref="Generate"/> streams token ids; <see cref="GenerateText"/> streams text and also honours
/// <see cref="GenerationOptions.StopStrings"/>.
/// </summary>
public static class TextGeneration
{
    /// <summary>
    /// Generates tokens after <paramref name="prompt"/>, starting the session from position 0. Yields each
    /// new token as soon as it is sampled (stop tokens end the loop and are not yielded). The prompt and
    /// the new tokens but the last (which is never fed back) must fit in the session's context.
    /// </summary>
    /// <exception cref="ArgumentException">An empty prompt, a token outside the vocabulary, a bad option, stop strings (they need
    /// the text: use <see cref="GenerateText"/>), or a prompt plus MaxNewTokens longer than the context.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IEnumerable<int> Generate(
        IInferenceSession session,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        int[] promptTokens = Check(session, prompt, options);
        RefuseStopStrings(options);
        return Run(session, promptTokens, options, cancellationToken);
    }

    /// <summary>The asynchronous stream of <see cref="Generate"/>: each token is computed when the consumer asks for it.</summary>
    public static IAsyncEnumerable<int> GenerateAsync(
        IInferenceSession session,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        int[] promptTokens = Check(session, prompt, options);
        RefuseStopStrings(options);
        return RunAsync(session, promptTokens, options, cancellationToken);
    }

    /// <summary>
    /// Generates text after <paramref name="prompt"/>: the new tokens decoded with <paramref name="tokenizer"/>
    /// (characters split across tokens joined, as <see cref="StreamingDecoder"/> does), in pieces as soon as they
    /// are safe to show. Ends at a stop token, at <see cref="GenerationOptions.MaxNewTokens"/>, or where the
    /// generated text (not the prompt) reaches one of <see cref="GenerationOptions.StopStrings"/>, matched across
    /// token boundaries. Neither a stop token's nor a stop string's text is returned, nor anything after it;
    /// text that might be the start of a stop string is held back until it is one or cannot become one.
    /// The returned stream runs once, when enumerated; its <see cref="TextGenerationRun.FinishReason"/> and token
    /// counts tell how it went.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="Generate"/>, stop strings allowed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (while enumerating).</exception>
    public static TextGenerationStream GenerateText(
        IInferenceSession session,
        ITokenizer tokenizer,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int[] promptTokens = Check(session, prompt, options);
        return new TextGenerationStream(
            promptTokens.Length,
            run => RunText(new TextSteps(session, tokenizer, promptTokens, options, run, cancellationToken), cancellationToken));
    }

    /// <summary>The asynchronous stream of <see cref="GenerateText"/>: each piece is computed when the consumer asks for it.</summary>
    public static AsyncTextGenerationStream GenerateTextAsync(
        IInferenceSession session,
        ITokenizer tokenizer,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int[] promptTokens = Check(session, prompt, options);
        return new AsyncTextGenerationStream(
            promptTokens.Length,
            run => RunTextAsync(session, tokenizer, promptTokens, options, run, cancellationToken));
    }

    private static void RefuseStopStrings(GenerationOptions options)
    {
        if (options.StopStrings.Count > 0)
        {
            throw new ArgumentException(
                "StopStrings are matched on the decoded text, which the token-level Generate does not have; use GenerateText with the tokenizer.",
                nameof(options));
        }
    }

    /// <summary>
    /// Checks the arguments and returns the prompt's tokens, copied once here: the loop never reads the caller's
    /// list again, so a list changed (or changing) after the call cannot change what runs.
    /// </summary>
    private static int[] Check(IInferenceSession session, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(session.VocabularySize);
        int[] tokens = CopyOf(prompt);
        if (tokens.Length == 0)
        {
            throw new ArgumentException("The prompt needs at least one token (for example BOS).", nameof(prompt));
        }

        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)session.VocabularySize)
            {
                throw new ArgumentException(
                    $"Prompt token {i} is {tokens[i]}, outside the vocabulary (0 to {session.VocabularySize - 1}).",
                    nameof(prompt));
            }
        }

        if (tokens.Length > session.ContextLength)
        {
            throw new ArgumentException(
                $"The prompt ({tokens.Length} tokens) is longer than the model's context of {session.ContextLength}. Shorten it by at least {tokens.Length - session.ContextLength} tokens.",
                nameof(prompt));
        }

        // The last new token is returned but never fed back, so the model sees prompt + new - 1 positions.
        long positions = (long)tokens.Length + options.MaxNewTokens - 1;
        if (positions > session.ContextLength)
        {
            throw new ArgumentException(
                $"The prompt ({tokens.Length} tokens) plus MaxNewTokens ({options.MaxNewTokens}) needs {positions} positions, more than the model's context of {session.ContextLength}. Shorten the prompt or ask for at most {session.ContextLength - tokens.Length + 1} new tokens.",
                nameof(options));
        }

        return tokens;
    }

    /// <summary>The list's tokens in one pass; a count that does not match what the list enumerates is refused.</summary>
    private static int[] CopyOf(IReadOnlyList<int> prompt)
    {
        var tokens = new List<int>(Math.Clamp(prompt.Count, 0, 4096));
        foreach (int token in prompt)
        {
            tokens.Add(token);
        }

        if (tokens.Count != prompt.Count)
        {
            throw new ArgumentException($"The prompt list says it has {prompt.Count} tokens but gave {tokens.Count}.", nameof(prompt));
        }

        return tokens.ToArray();
    }

    private static IEnumerable<int> Run(
        IInferenceSession session,
        int[] prompt,
        GenerationOptions options,
        CancellationToken cancellationToken)
    {
        var steps = new GenerationSteps(session, prompt, options, cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int token = steps.Next();
            if (token < 0)
            {
                yield break;
            }

            yield return token;
        }
    }

    private static async IAsyncEnumerable<int> RunAsync(
        IInferenceSession session,
        int[] prompt,
        GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var steps = new GenerationSteps(session, prompt, options, cancellationToken);
        while (true)
        {
            // Give the caller's context a turn between tokens.
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            int token = steps.Next();
            if (token < 0)
            {
                yield break;
            }

            yield return token;
        }
    }

    private static IEnumerable<string> RunText(TextSteps steps, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? piece = steps.Next();
            if (piece is null)
            {
                yield break;
            }

            if (piece.Length > 0)
            {
                yield return piece;
            }
        }
    }

    private static async IAsyncEnumerable<string> RunTextAsync(
        IInferenceSession session,
        ITokenizer tokenizer,
        int[] prompt,
        GenerationOptions options,
        TextGenerationRun run,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var steps = new TextSteps(session, tokenizer, prompt, options, run, cancellationToken);
        while (true)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            string? piece = steps.Next();
            if (piece is null)
            {
                yield break;
            }

            if (piece.Length > 0)
            {
                yield return piece;
            }
        }
    }

    /// <summary>
    /// The text loop's state: the token loop, the streaming decoder and the stop-string matcher. <see cref="Next"/>
    /// runs one token and returns the text it released (possibly empty), or null once the generation has ended.
    /// </summary>
    private sealed class TextSteps
    {
        private readonly GenerationSteps steps;
        private readonly StreamingDecoder decoder;
        private readonly StopStringMatcher matcher;
        private readonly TextGenerationRun run;
        private bool done;

        public TextSteps(IInferenceSession session, ITokenizer tokenizer, int[] prompt, GenerationOptions options, TextGenerationRun run, CancellationToken cancellationToken)
        {
            steps = new GenerationSteps(session, prompt, options, cancellationToken);
            decoder = new StreamingDecoder(tokenizer, previousToken: prompt[^1]);
            matcher = new StopStringMatcher(options.StopStrings);
            this.run = run;
        }

        public string? Next()
        {
            if (done)
            {
                return null;
            }

            int token = steps.Next();
            run.GeneratedTokenCount = steps.Sampled;
            if (token < 0)
            {
                // The end: an unfinished character comes out as U+FFFD, and held-back text can no longer become a stop string.
                done = true;
                string last = matcher.Push(decoder.Flush());
                if (matcher.Matched is not null)
                {
                    Finish(FinishReason.StopString);
                    return last;
                }

                Finish(steps.Finish);
                string held = matcher.Release();
                return last.Length == 0 ? held : last + held;
            }

            string piece = matcher.Push(decoder.Append(token));
            if (matcher.Matched is not null)
            {
                done = true;
                Finish(FinishReason.StopString);
            }

            return piece;
        }

        private void Finish(FinishReason reason)
        {
            run.FinishReason = reason;
            run.StopString = reason == FinishReason.StopString ? matcher.Matched : null;
            run.StopToken = reason == FinishReason.StopToken ? steps.StopToken : null;
        }
    }

    /// <summary>The loop's state: where we are, and the sampler. <see cref="Next"/> returns -1 at the end.</summary>
    private sealed class GenerationSteps
    {
        private readonly IInferenceSession session;
        private readonly int[] prompt;
        private readonly GenerationOptions options;
        private readonly CancellationToken cancellationToken;
        private readonly Sampler sampler;
        private readonly HashSet<int> stopTokens;
        private int generated;
        private int lastToken = -1;

        /// <summary>Tokens sampled so far, a stop token included.</summary>
        public int Sampled { get; private set; }

        /// <summary>Why <see cref="Next"/> returned -1 (<see cref="FinishReason.Length"/> until then).</summary>
        public FinishReason Finish { get; private set; } = FinishReason.Length;

        /// <summary>The stop token sampled, or -1.</summary>
        public int StopToken { get; private set; } = -1;

        public GenerationSteps(IInferenceSession session, int[] prompt, GenerationOptions options, CancellationToken cancellationToken)
        {
            this.session = session;
            this.prompt = prompt;
            this.options = options;
            this.cancellationToken = cancellationToken;
            sampler = new Sampler(session.VocabularySize, options);
            stopTokens = new HashSet<int>(options.StopTokens);
        }

        public int Next()
        {
            if (generated >= options.MaxNewTokens)
            {
                return -1;
            }

            ReadOnlySpan<float> logits;
            int position = prompt.Length + generated - 1;
            if (generated == 0)
            {
                // Prefill: the whole prompt at once (cancellation is seen between its chunks); its last logits
                // predict the first new token.
                session.Reset();
                logits = session.Prefill(prompt, 0, cancellationToken);
                sampler.Accept(prompt);
            }
            else
            {
                logits = session.Forward(lastToken, position);
            }

            int token = sampler.Sample(logits, position);
            Sampled++;
            if (stopTokens.Contains(token))
            {
                generated = options.MaxNewTokens;
                Finish = FinishReason.StopToken;
                StopToken = token;
                return -1;
            }

            generated++;
            lastToken = token;
            sampler.Accept(token);
            return token;
        }
    }
}
