using System;

namespace Codegen.Generation;

/// <summary>
/// Picks the next token from logits: greedy at temperature 0; otherwise softmax of logits / temperature,
/// optionally cut to the top K and to the top-P nucleus, then a draw from a seeded generator.
/// Scratch buffers are allocated once, so sampling allocates nothing per token. Logits with a NaN or an
/// infinity are refused with <see cref="NonFiniteLogitsException"/> before anything is drawn.
/// </summary>
public sealed class Sampler
{
    private readonly GenerationOptions options;
    private readonly float[] probabilities;
    private readonly int[] candidates;
    private ulong randomState;

    public Sampler(int vocabularySize, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (vocabularySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary needs at least one token.");
        }

        this.options = options;
        probabilities = new float[vocabularySize];
        candidates = new int[vocabularySize];
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

        if (options.Temperature == 0)
        {
            return ArgMax(logits);
        }

        // Softmax of logits / temperature.
        float max = logits[ArgMax(logits)];
        float sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float p = MathF.Exp((logits[i] - max) / options.Temperature);
            probabilities[i] = p;
            sum += p;
        }

        for (int i = 0; i < probabilities.Length; i++)
        {
            probabilities[i] /= sum;
        }

        int count = probabilities.Length;
        bool truncate = (options.TopK > 0 && options.TopK < count) || options.TopP < 1;
        if (!truncate)
        {
            return DrawFrom(probabilities, count, total: 1.0f, byIndex: false);
        }

        // Candidates from most to least likely, cut to the top K, then to the top-P nucleus.
        if (options.TopK > 0 && options.TopK < count)
        {
            count = SelectTopK(options.TopK);
        }
        else
        {
            count = SelectAboveNucleusCutoff();
            BuildHeap(candidates.AsSpan(0, count));
        }

        SortHeapMostLikelyFirst(candidates.AsSpan(0, count));

        float kept = 0;
        int nucleus = count;
        for (int i = 0; i < count; i++)
        {
            kept += probabilities[candidates[i]];
            if (kept >= options.TopP)
            {
                nucleus = i + 1;
                break;
            }
        }

        float total = 0;
        for (int i = 0; i < nucleus; i++)
        {
            total += probabilities[candidates[i]];
        }

        return DrawFrom(probabilities, nucleus, total, byIndex: true);
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
