using System;
using System.Collections.Generic;
using System.Threading;
using Codegen.Generation;
using Codegen.Tokenizers;

namespace Codegen.Chat;

/// <summary>
/// One chat turn's generation loop, over a cache that already holds earlier tokens: feed the prompt from the first
/// token the cache does not hold, then sample, decode, match stop strings and feed each token back. It keeps the
/// chat session's record of the cache exact at every step, whatever is thrown. <see cref="Next"/> returns the text a
/// step released (possibly empty), or null once the answer has ended.
/// </summary>
internal sealed class ChatTurnSteps
{
    private readonly IInferenceSession session;
    private readonly List<int> cache;
    private readonly int[] prompt;
    private readonly GenerationOptions options;
    private readonly CancellationToken cancellationToken;
    private readonly HashSet<int> stopTokens;
    private readonly StreamingDecoder decoder;
    private readonly StopStringMatcher matcher;
    private Sampler? sampler;
    private int generated;
    private int lastToken = -1;
    private bool done;

    public ChatTurnSteps(IInferenceSession session, ITokenizer tokenizer, List<int> cache, int[] prompt, GenerationOptions options, CancellationToken cancellationToken)
    {
        this.session = session;
        this.cache = cache;
        this.prompt = prompt;
        this.options = options;
        this.cancellationToken = cancellationToken;
        stopTokens = new HashSet<int>(options.StopTokens);
        decoder = new StreamingDecoder(tokenizer, previousToken: prompt[^1]);
        matcher = new StopStringMatcher(options.StopStrings);
    }

    /// <summary>The prompt tokens the cache already held (set by the first step).</summary>
    public int Reused { get; private set; }

    /// <summary>Tokens sampled so far, a stop token included.</summary>
    public int Sampled { get; private set; }

    /// <summary>Why the answer ended (valid once <see cref="Next"/> has returned null).</summary>
    public FinishReason Finish { get; private set; } = FinishReason.Length;

    public string? Next()
    {
        if (done)
        {
            return null;
        }

        int token = generated >= options.MaxNewTokens ? -1 : Step();
        if (token < 0)
        {
            done = true;
            string last = matcher.Push(decoder.Flush());
            if (matcher.Matched is not null)
            {
                Finish = FinishReason.StopString;
                return last;
            }

            string held = matcher.Release();
            return last.Length == 0 ? held : last + held;
        }

        string piece = matcher.Push(decoder.Append(token));
        if (matcher.Matched is not null)
        {
            done = true;
            Finish = FinishReason.StopString;
        }

        return piece;
    }

    /// <summary>Runs the model one step (the prompt's new part first) and samples; -1 at a stop token.</summary>
    private int Step()
    {
        ReadOnlySpan<float> logits;
        int position;
        if (sampler is null)
        {
            logits = Prefill();
            position = prompt.Length - 1;
            sampler = new Sampler(session.VocabularySize, options);
            sampler.Accept(prompt);
        }
        else
        {
            position = cache.Count;
            logits = session.Forward(lastToken, position);
            cache.Add(lastToken);
        }

        int token = sampler.Sample(logits, position);
        Sampled++;
        if (stopTokens.Contains(token))
        {
            Finish = FinishReason.StopToken;
            return -1;
        }

        generated++;
        lastToken = token;
        sampler.Accept(token);
        return token;
    }

    /// <summary>
    /// Feeds the prompt after the longest prefix the cache holds (at least its last token, whose logits are needed).
    /// The record is cut to that prefix first: a prefill that throws may have overwritten the positions after it.
    /// </summary>
    private ReadOnlySpan<float> Prefill()
    {
        int common = 0;
        int limit = Math.Min(cache.Count, prompt.Length - 1);
        while (common < limit && cache[common] == prompt[common])
        {
            common++;
        }

        Reused = common;
        cache.RemoveRange(common, cache.Count - common);
        cancellationToken.ThrowIfCancellationRequested();
        ReadOnlySpan<float> logits = session.Prefill(prompt.AsSpan(common), common, cancellationToken);
        cache.AddRange(new ArraySegment<int>(prompt, common, prompt.Length - common));
        return logits;
    }
}
