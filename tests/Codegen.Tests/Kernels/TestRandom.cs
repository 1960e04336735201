using System;

namespace Codegen.Tests.Kernels;

/// <summary>Seeded random test data: every test draws its own inputs from its own seed, so failures reproduce.</summary>
internal sealed class TestRandom
{
    private readonly Random random;

    public TestRandom(int seed) => random = new Random(seed);

    /// <summary>One draw from N(0, 1) (Box-Muller).</summary>
    public double NextNormal()
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary><paramref name="count"/> values from N(0, <paramref name="deviation"/>^2).</summary>
    public float[] Normal(int count, double deviation = 1.0)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(NextNormal() * deviation);
        }

        return values;
    }

    /// <summary><paramref name="count"/> values uniform in [low, high).</summary>
    public float[] Uniform(int count, double low = -1.0, double high = 1.0)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(low + ((high - low) * random.NextDouble()));
        }

        return values;
    }

    /// <summary>A norm weight: values near one, as trained norms have, uniform in [0.5, 1.5).</summary>
    public float[] NormWeight(int count) => Uniform(count, 0.5, 1.5);

    /// <summary>An integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => random.Next(maxExclusive);
}
