namespace Codegen.Benchmarks.Weights;

/// <summary>xorshift64*: the same stream of numbers for a seed on every machine and runtime.</summary>
internal sealed class SeededRandom(ulong seed)
{
    private ulong state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    /// <summary>A float uniformly distributed in [-scale, scale).</summary>
    public float Uniform(float scale)
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ulong bits = (state * 0x2545F4914F6CDD1DUL) >> 40; // 24 random bits
        return ((bits * (1.0f / (1 << 24))) * 2f - 1f) * scale;
    }
}
