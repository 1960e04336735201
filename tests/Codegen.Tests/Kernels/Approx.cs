using System;
using Xunit.Sdk;

namespace Codegen.Tests.Kernels;

/// <summary>
/// Comparisons of float32 kernel results with float64 references. An element passes when
/// |actual - expected| &lt;= tolerance * (|expected| + scale): relative for large values, and an
/// absolute floor of tolerance * scale for values near zero (which float32 cannot resolve relative to
/// the size of the terms that cancelled into them). The scale defaults to the root mean square of
/// the expected values.
/// </summary>
internal static class Approx
{
    /// <summary>Relative tolerance on float32 results: about 100 float32 roundings.</summary>
    public const double Float32 = 1e-5;

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance = Float32, string what = "value") =>
        Close(expected, actual, RootMeanSquare(expected), tolerance, what);

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double scale, double tolerance, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}.");
        }

        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], actual[i], scale, tolerance, $"{what}[{i}]");
        }
    }

    public static void Close(double expected, float actual, double scale, double tolerance = Float32, string what = "value")
    {
        double allowed = tolerance * (Math.Abs(expected) + scale);
        double error = Math.Abs(actual - expected);
        if (!(error <= allowed))
        {
            throw new XunitException($"{what}: expected {expected:R}, got {actual:R} (error {error:E3}, allowed {allowed:E3}).");
        }
    }

    /// <summary>Asserts max |actual - expected| / max |expected| &lt; tolerance: the whole vector at once.</summary>
    public static void CloseRelativeToMax(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}.");
        }

        double maxExpected = 0, maxError = 0;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxExpected = Math.Max(maxExpected, Math.Abs(expected[i]));
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= maxError))
            {
                maxError = error;
                worst = i;
            }
        }

        double relative = maxError / maxExpected;
        if (!(relative < tolerance))
        {
            throw new XunitException($"{what}: max error {maxError:E3} at [{worst}] (expected {expected[worst]:R}, got {actual[worst]:R}) is {relative:E3} of max |expected| {maxExpected:G6}; allowed {tolerance:E1}.");
        }
    }

    public static double RootMeanSquare(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (double value in values)
        {
            sum += value * value;
        }

        return values.Length == 0 ? 0 : Math.Sqrt(sum / values.Length);
    }

    /// <summary>Asserts that every value outside [start, end) is still <paramref name="sentinel"/>, bit for bit.</summary>
    public static void UntouchedOutside(ReadOnlySpan<float> values, int start, int end, float sentinel, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((i < start || i >= end) && BitConverter.SingleToInt32Bits(values[i]) != BitConverter.SingleToInt32Bits(sentinel))
            {
                throw new XunitException($"{what}[{i}] is outside [{start}, {end}) but was written: {values[i]:R}.");
            }
        }
    }
}
