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
        Check(session, prompt, options);
        return Run(session, prompt, options, cancellationToken);
    }

    /// <summary>The asynchronous stream of <see cref="Generate"/>: each token is computed when the consumer asks for it.</summary>
    public static IAsyncEnumerable<int> GenerateAsync(
        IInferenceSession session,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken = default)
    {
        Check(session, prompt, options);
        return RunAsync(session, prompt, options, cancellationToken);
    }

    private static void Check(IInferenceSession session, IReadOnlyList<int> prompt, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("The prompt needs at least one token (for example BOS).", nameof(prompt));
        }

        for (int i = 0; i < prompt.Count; i++)
        {
            if ((uint)prompt[i] >= (uint)session.VocabularySize)
            {
                throw new ArgumentException(
                    $"Prompt token {i} is {prompt[i]}, outside the vocabulary (0 to {session.VocabularySize - 1}).",
                    nameof(prompt));
            }
        }

        // The last new token is returned but never fed back, so the model sees prompt + new - 1 positions.
        long positions = (long)prompt.Count + options.MaxNewTokens - 1;
        if (positions > session.ContextLength)
        {
            throw new ArgumentException(
                $"The prompt ({prompt.Count} tokens) plus MaxNewTokens ({options.MaxNewTokens}) needs {positions} positions, more than the model's context of {session.ContextLength}. Shorten the prompt or ask for at most {Math.Max(0, session.ContextLength - prompt.Count + 1)} new tokens.",
                nameof(options));
        }
    }

    private static IEnumerable<int> Run(
        IInferenceSession session,
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        CancellationToken cancellationToken)
    {
        var steps = new GenerationSteps(session, prompt, options);
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
        IReadOnlyList<int> prompt,
        GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var steps = new GenerationSteps(session, prompt, options);
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
        private readonly IReadOnlyList<int> prompt;
        private readonly GenerationOptions options;
        private readonly Sampler sampler;
        private readonly HashSet<int> stopTokens;
        private int generated;
        private int lastToken = -1;

        public GenerationSteps(IInferenceSession session, IReadOnlyList<int> prompt, GenerationOptions options)
        {
            this.session = session;
            this.prompt = prompt;
            this.options = options;
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
            if (generated == 0)
            {
                // Prefill: the whole prompt at once; its last logits predict the first new token.
                session.Reset();
                int[] promptTokens = new int[prompt.Count];
                for (int i = 0; i < promptTokens.Length; i++)
                {
                    promptTokens[i] = prompt[i];
                }

                logits = session.Prefill(promptTokens, 0);
            }
            else
            {
                logits = session.Forward(lastToken, prompt.Count + generated - 1);
            }

            int token = sampler.Sample(logits);
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
