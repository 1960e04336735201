using System;

namespace Codegen.Generation;

/// <summary>
/// The tokens the penalties look at: how often each token occurs in the last <c>window</c> recorded tokens,
/// and the list of those that occur at all, so applying the penalties costs one step per distinct token rather
/// than one per vocabulary entry. A ring buffer holds the window's tokens, so the oldest leaves when a new one
/// comes; with window -1 nothing ever leaves and no ring is kept. Nothing is allocated per token once the
/// window has filled (the ring grows by doubling, up to the window, while it first fills).
/// </summary>
internal sealed class PenaltyHistory
{
    private const int FirstRingCapacity = 256;

    private readonly int window;
    private readonly int[] counts;
    private readonly int[] seen;
    private readonly int[] seenAt;
    private int seenCount;
    private int[] ring;
    private int ringFilled;
    private int ringNext;

    /// <param name="vocabularySize">Token ids are 0 to this less one.</param>
    /// <param name="window">Tokens kept: -1 for all, 0 for none, else the most recent this many.</param>
    public PenaltyHistory(int vocabularySize, int window)
    {
        this.window = window;
        counts = new int[vocabularySize];
        seenAt = new int[vocabularySize];
        seen = new int[window < 0 ? vocabularySize : Math.Min(window, vocabularySize)];
        ring = window > 0 ? new int[Math.Min(window, FirstRingCapacity)] : Array.Empty<int>();
    }

    /// <summary>The distinct tokens in the window, in no particular order.</summary>
    public ReadOnlySpan<int> Seen => seen.AsSpan(0, seenCount);

    /// <summary>How many times <paramref name="token"/> occurs in the window.</summary>
    public int Count(int token) => counts[token];

    public void Add(int token)
    {
        if (window == 0)
        {
            return;
        }

        if (window > 0)
        {
            if (ringFilled < window)
            {
                // Filling: no token leaves yet, and the ring has not wrapped, so growing it is a plain copy.
                if (ringFilled == ring.Length)
                {
                    int[] larger = new int[(int)Math.Min(window, 2L * ring.Length)];
                    ring.AsSpan().CopyTo(larger);
                    ring = larger;
                }

                ring[ringFilled++] = token;
                ringNext = ringFilled % ring.Length;
            }
            else
            {
                Remove(ring[ringNext]);
                ring[ringNext] = token;
                ringNext = (ringNext + 1) % ring.Length;
            }
        }

        if (counts[token]++ == 0)
        {
            seenAt[token] = seenCount;
            seen[seenCount++] = token;
        }
    }

    public void Clear()
    {
        for (int i = 0; i < seenCount; i++)
        {
            counts[seen[i]] = 0;
        }

        seenCount = 0;
        ringFilled = 0;
        ringNext = 0;
    }

    private void Remove(int token)
    {
        if (--counts[token] == 0)
        {
            // Swap the last distinct token into this one's place.
            int at = seenAt[token];
            int last = seen[--seenCount];
            seen[at] = last;
            seenAt[last] = at;
        }
    }
}
