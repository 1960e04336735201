using System;

namespace Codegen.Generation;

/// <summary>
/// Picks the next token from logits. In order: the repetition, frequency and presence penalties over the tokens
/// <see cref="Accept(int)"/> recorded, and the logit bias, on the raw logits; then greedy at temperature 0;
/// otherwise softmax of logits / temperature, cut to the top K, to the top-P nucleus of those (renormalized)
/// and to the tokens of at least min-P times the top probability, then a draw from a seeded generator.
/// </summary>
/// <remarks>
/// <para>
/// This is Hugging Face's order (its logits processors, then the temperature, top-k, top-p and min-p warpers).
/// It was chosen over llama.cpp's default chain (penalties, top-k, top-p, min-p, then temperature) because the
/// temperature then shapes which tokens top-p and min-p keep, as it does in Hugging Face's <c>generate</c>, and because it keeps this sampler's earlier results: with the new options off, a
/// seed gives the tokens it gave before. The bias is added after the penalties (llama.cpp adds it before them) so
/// that it is exactly the number the caller gave, whatever the penalties did.
/// </para>
/// <para>
/// Scratch buffers are allocated once, so sampling and <see cref="Accept(int)"/> allocate nothing per token (the
/// penalty window's buffer grows, by doubling, only while it first fills). Logits with a NaN or an infinity are
/// refused with <see cref="NonFiniteLogitsException"/> before anything is drawn; penalties and bias that would
/// push a logit past the float range leave it at <see cref="float.MaxValue"/> or its negative.
/// </para>
/// </remarks>
public sealed class Sampler
{
    private readonly GenerationOptions options;
    private readonly float[] probabilities;
    private readonly int[] candidates;
    private readonly int[] biasTokens;
    private readonly float[] biasValues;
    private readonly PenaltyHistory? history;
    private ulong randomState;

    /// <summary>A sampler for a vocabulary of <paramref name="vocabularySize"/> tokens.</summary>
    /// <exception cref="ArgumentException">A bad option, or a <see cref="GenerationOptions.LogitBias"/> token outside the vocabulary.</exception>
    public Sampler(int vocabularySize, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (vocabularySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least one token.");
        }

        options.Validate(vocabularySize);
        this.options = options;
        probabilities = new float[vocabularySize];
        candidates = new int[vocabularySize];
        biasTokens = new int[options.LogitBias.Count];
        biasValues = new float[options.LogitBias.Count];
        int b = 0;
        foreach (var bias in options.LogitBias)
        {
            biasTokens[b] = bias.Key;
            biasValues[b] = bias.Value;
            b++;
        }

        history = options.HasPenalties ? new PenaltyHistory(vocabularySize, options.PenaltyWindow) : null;
        ulong seed = options.Seed ?? (ulong)Random.Shared.NextInt64();
        randomState = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    }

    /// <summary>The index of the largest logit (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Records a token of the text so far (the prompt's, then each one generated) for the penalties: the last
    /// <see cref="GenerationOptions.PenaltyWindow"/> recorded tokens are the ones penalized. Does nothing when
    /// every penalty is off. The generation loop records the prompt and each new token itself.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="token"/> is not in the vocabulary.</exception>
    public void Accept(int token)
    {
        if ((uint)token >= (uint)probabilities.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token {token} is outside the vocabulary (0 to {probabilities.Length - 1}).");
        }

        history?.Add(token);
    }

    /// <summary>Records several tokens in order, as <see cref="Accept(int)"/> does each.</summary>
    public void Accept(ReadOnlySpan<int> tokens)
    {
        foreach (int token in tokens)
        {
            Accept(token);
        }
    }

    /// <summary>Forgets every recorded token, for a new text.</summary>
    public void ResetHistory() => history?.Clear();

    /// <summary>
    /// Applies the penalties (for the recorded tokens) and the logit bias to <paramref name="logits"/> in place,
    /// as <see cref="Sample(ReadOnlySpan{float}, int)"/> does before the temperature. Each penalized token is
    /// adjusted once: <c>l = l &gt; 0 ? l / repetition : l * repetition</c>, then
    /// <c>l -= frequency * count + presence</c>; then each biased token gets its bias added.
    /// </summary>
    public void ApplyPenaltiesAndBias(Span<float> logits)
    {
        if (logits.Length != probabilities.Length)
        {
            throw new ArgumentException($"Expected {probabilities.Length} logits (the vocabulary size) but got {logits.Length}.", nameof(logits));
        }

        if (history is not null)
        {
            float repetition = options.RepetitionPenalty;
            float frequency = options.FrequencyPenalty;
            float presence = options.PresencePenalty;
            ReadOnlySpan<int> seen = history.Seen;
            for (int i = 0; i < seen.Length; i++)
            {
                int token = seen[i];
                float logit = logits[token];
                if (repetition != 1)
                {
                    logit = logit > 0 ? logit / repetition : logit * repetition;
                }

                logit -= (history.Count(token) * frequency) + presence;
                logits[token] = Finite(logit);
            }
        }

        for (int i = 0; i < biasTokens.Length; i++)
        {
            int token = biasTokens[i];
            logits[token] = Finite(logits[token] + biasValues[i]);
        }
    }

    private static float Finite(float logit) => Math.Clamp(logit, -float.MaxValue, float.MaxValue);

    /// <summary>Picks the next token from <paramref name="logits"/> (one per vocabulary entry).</summary>
    /// <exception cref="NonFiniteLogitsException">A logit is NaN or infinite.</exception>
    public int Sample(ReadOnlySpan<float> logits) => Sample(logits, position: -1);

    /// <summary>Picks the next token from the logits <paramref name="position"/> gave; the position names it in errors.</summary>
    /// <exception cref="NonFiniteLogitsException">A logit is NaN or infinite.</exception>
    public int Sample(ReadOnlySpan<float> logits, int position)
    {
        if (logits.Length != probabilities.Length)
        {
            throw new ArgumentException($"Expected {probabilities.Length} logits (the vocabulary size) but got {logits.Length}.", nameof(logits));
        }

        NonFiniteLogitsException.ThrowIfAny(logits, position);

        // Penalties and bias work on a copy in the probabilities buffer, which the softmax then overwrites in place.
        ReadOnlySpan<float> scores = logits;
        if (history is not null || biasTokens.Length > 0)
        {
            logits.CopyTo(probabilities);
            ApplyPenaltiesAndBias(probabilities);
            scores = probabilities;
        }

        if (options.Temperature == 0)
        {
            return ArgMax(scores);
        }

        // Softmax of logits / temperature.
        float max = scores[ArgMax(scores)];
        float sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            float p = MathF.Exp((scores[i] - max) / options.Temperature);
            probabilities[i] = p;
            sum += p;
        }

        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }

        int count = probabilities.Length;
        bool topK = options.TopK > 0 && options.TopK < count;
        bool topP = options.TopP < 1;
        bool minP = options.MinP > 0;
        if (!topK && !topP && !minP)
        {
            return DrawFrom(probabilities, count, total: 1.0f, byIndex: false);
        }

        if (!topK && !topP)
        {
            return DrawAboveMinP();
        }

        // Candidates from most to least likely, cut to the top K, then to the top-P nucleus, then by min-P.
        float mass = 1.0f;
        if (topK)
        {
            count = SelectTopK(options.TopK);
        }
        else
        {
            count = SelectAboveNucleusCutoff();
            BuildHeap(candidates.AsSpan(0, count));
        }

        SortHeapMostLikelyFirst(candidates.AsSpan(0, count));

        if (topK)
        {
            // Top-p counts over the top K renormalized, as Hugging Face and llama.cpp do.
            mass = 0;
            for (int i = 0; i < count; i++)
            {
                mass += probabilities[candidates[i]];
            }
        }

        int nucleus = count;
        if (topP)
        {
            float target = options.TopP * mass;
            float kept = 0;
            for (int i = 0; i < count; i++)
            {
                kept += probabilities[candidates[i]];
                if (kept >= target)
                {
                    nucleus = i + 1;
                    break;
                }
            }
        }

        if (minP)
        {
            float threshold = options.MinP * probabilities[candidates[0]];
            while (nucleus > 1 && probabilities[candidates[nucleus - 1]] < threshold)
            {
                nucleus--;
            }
        }

        float total = 0;
        for (int i = 0; i < nucleus; i++)
        {
            total += probabilities[candidates[i]];
        }

        return DrawFrom(probabilities, nucleus, total, byIndex: true);
    }

    /// <summary>Min-p alone needs no order: the tokens of at least MinP times the top probability, drawn in id order.</summary>
    private int DrawAboveMinP()
    {
        float threshold = options.MinP * probabilities[ArgMax(probabilities)];
        int count = 0;
        float total = 0;
        for (int token = 0; token < probabilities.Length; token++)
        {
            if (probabilities[token] >= threshold)
            {
                candidates[count++] = token;
                total += probabilities[token];
            }
        }

        return DrawFrom(probabilities, count, total, byIndex: true);
    }

    /// <summary>Puts the K most likely tokens into the start of <see cref="candidates"/> (a min-heap of size K).</summary>
    private int SelectTopK(int k)
    {
        var heap = new Span<int>(candidates, 0, k);
        var order = new MoreLikelyFirst(probabilities);
        for (int i = 0; i < k; i++)
        {
            heap[i] = i;
            SiftUp(heap, i, order);
        }

        for (int token = k; token < probabilities.Length; token++)
        {
            if (order.Compare(token, heap[0]) < 0)
            {
                heap[0] = token;
                SiftDown(heap, 0, order);
            }
        }

        return k;
    }

    /// <summary>Orders <paramref name="tokens"/> as a heap whose root is its least likely token.</summary>
    private void BuildHeap(Span<int> tokens)
    {
        var order = new MoreLikelyFirst(probabilities);
        for (int i = (tokens.Length / 2) - 1; i >= 0; i--)
        {
            SiftDown(tokens, i, order);
        }
    }

    /// <summary>
    /// Heapsort in place: the least likely token (the root) goes to the end again and again, so the heap ends up
    /// sorted from most to least likely. Unlike a sort with a comparer object, it allocates nothing.
    /// </summary>
    private void SortHeapMostLikelyFirst(Span<int> heap)
    {
        var order = new MoreLikelyFirst(probabilities);
        for (int end = heap.Length - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(heap[..end], 0, order);
        }
    }

    /// <summary>
    /// Keeps only tokens that could be in the top-P nucleus: one below (1 - P) / (n - 1) never is, as in
    /// llama2.c, so the sort that follows handles a short list. The most likely token is always kept (with a
    /// tiny P and a flat distribution, every token can fall below the cutoff).
    /// </summary>
    private int SelectAboveNucleusCutoff()
    {
        float cutoff = (1.0f - options.TopP) / Math.Max(1, probabilities.Length - 1);
        int count = 0;
        for (int token = 0; token < probabilities.Length; token++)
        {
            if (probabilities[token] >= cutoff)
            {
                candidates[count++] = token;
            }
        }

        if (count == 0)
        {
            candidates[count++] = ArgMax(probabilities);
        }

        return count;
    }

    // The heap's root is its least likely token, so a more likely one replaces it.
    private static void SiftUp(Span<int> heap, int index, MoreLikelyFirst order)
    {
        while (index > 0)
        {
            int parent = (index - 1) / 2;
            if (order.Compare(heap[index], heap[parent]) <= 0)
            {
                break;
            }

            (heap[index], heap[parent]) = (heap[parent], heap[index]);
            index = parent;
        }
    }

    private static void SiftDown(Span<int> heap, int index, MoreLikelyFirst order)
    {
        while (true)
        {
            int least = index;
            int left = (2 * index) + 1;
            int right = left + 1;
            if (left < heap.Length && order.Compare(heap[left], heap[least]) > 0)
            {
                least = left;
            }

            if (right < heap.Length && order.Compare(heap[right], heap[least]) > 0)
            {
                least = right;
            }

            if (least == index)
            {
                return;
            }

            (heap[index], heap[least]) = (heap[least], heap[index]);
            index = least;
        }
    }

    /// <summary>Orders token ids by probability, highest first, then by id.</summary>
    private readonly struct MoreLikelyFirst : System.Collections.Generic.IComparer<int>
    {
        private readonly float[] probabilities;

        public MoreLikelyFirst(float[] probabilities) => this.probabilities = probabilities;

        public int Compare(int a, int b)
        {
            int byProbability = probabilities[b].CompareTo(probabilities[a]);
            return byProbability != 0 ? byProbability : a.CompareTo(b);
        }
    }

    /// <summary>Draws from the first <paramref name="count"/> entries (of <see cref="candidates"/> when byIndex) in proportion to their probability.</summary>
    private int DrawFrom(float[] source, int count, float total, bool byIndex)
    {
        float threshold = NextUniform() * total;
        float cumulative = 0;
        for (int i = 0; i < count; i++)
        {
            int token = byIndex ? candidates[i] : i;
            cumulative += source[token];
            if (threshold < cumulative)
            {
                return token;
            }
        }

        return byIndex ? candidates[count - 1] : count - 1;
    }

    /// <summary>A uniform float in [0, 1) from xorshift64*, so a seed gives the same draws on every platform.</summary>
    private float NextUniform()
    {
        randomState ^= randomState >> 12;
        randomState ^= randomState << 25;
        randomState ^= randomState >> 27;
        ulong value = randomState * 0x2545F4914F6CDD1DUL;
        return (value >> 40) / 16777216.0f;
    }
}
