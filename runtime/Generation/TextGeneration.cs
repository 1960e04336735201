using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Codegen.Generation;

/// <summary>
/// The generation loop shared by every model and backend: feed the prompt, then sample a token,
/// stream it out and feed it back, until a stop token, the token limit or cancellation.
/// </summary>
public static class TextGeneration
{
    /// <summary>
    /// Generates tokens after <paramref name="prompt"/>, starting the session from position 0. Yields each
    /// new token as soon as it is sampled (stop tokens end the loop and are not yielded). The prompt and
    /// the new tokens but the last (which is never fed back) must fit in the session's context.
    /// </summary>
    /// <exception cref="ArgumentException">An empty prompt, a token outside the vocabulary, a bad option, or a prompt plus MaxNewTokens longer than the context.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IEnumerable<int> Generate(
        IInferenceSession session,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        int[] promptTokens = Check(session, prompt, options);
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
        return RunAsync(session, promptTokens, options, cancellationToken);
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
        options.Validate();
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
            }
            else
            {
                logits = session.Forward(lastToken, position);
            }

            int token = sampler.Sample(logits, position);
            if (stopTokens.Contains(token))
            {
                generated = options.MaxNewTokens;
                return -1;
            }

            generated++;
            lastToken = token;
            return token;
        }
    }
}
