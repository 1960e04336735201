using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Codegen.Tests.Fuzzing;

/// <summary>The values a numeric field is set to: the edges of its type, and just past the real value.</summary>
internal static class BoundaryValues
{
    public static IEnumerable<int> Int32Around(int actual) => new[]
    {
        0, -1, 1, 2, int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1, 1 << 30, short.MaxValue + 1,
        unchecked(actual + 1), unchecked(actual - 1), unchecked(-actual), unchecked(actual * 2), actual / 2,
    }.Where(value => value != actual).Distinct();

    public static IEnumerable<float> Float32() => new[]
    {
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, float.Epsilon, 0f, -0f, 1e30f, -1e30f,
    };

    /// <summary>Values for an 8-byte little-endian unsigned length such as the safetensors header length.</summary>
    public static IEnumerable<ulong> UInt64Around(ulong actual, ulong fileLength) => new ulong[]
    {
        0, 1, 2, 7, 8, actual - 1, actual + 1, actual - 8, actual + 8, fileLength - 8, fileLength - 7, fileLength, fileLength + 1,
        int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, (ulong)uint.MaxValue + 1, long.MaxValue, (ulong)long.MaxValue + 1,
        ulong.MaxValue, ulong.MaxValue - 7, 100_000_000, 100_000_001,
    }.Where(value => value != actual).Distinct();

    /// <summary>JSON number texts: integer and floating edges, and the real value's neighbours when it is an integer.</summary>
    public static IEnumerable<string> JsonNumbers(string? actual)
    {
        var texts = new List<string>
        {
            "0", "-1", "1", "-2147483648", "2147483647", "2147483648", "-2147483649", "4294967296",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "100000000000000000000000000000000000000000",
            "1e400", "-1e400", "1e-400", "1.5", "-0", "0.0", "1E2", "1e308", "4.9e-324",
        };
        if (actual is not null && long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            texts.Add((value + 1).ToString(CultureInfo.InvariantCulture));
            texts.Add((value - 1).ToString(CultureInfo.InvariantCulture));
            texts.Add((-value).ToString(CultureInfo.InvariantCulture));
            texts.Add(value.ToString(CultureInfo.InvariantCulture) + ".0");
        }

        return texts.Where(text => text != actual).Distinct();
    }
}
