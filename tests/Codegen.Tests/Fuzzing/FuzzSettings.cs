using System;
using System.Globalization;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Quick mode (the default, run by every <c>dotnet test</c>): each format's systematic cases and a
/// fixed-seed set of random ones. Long mode, chosen by environment variables:
/// <c>CODEGEN_FUZZ_CASES</c> (random cases per format) or <c>CODEGEN_FUZZ_SECONDS</c> (wall-clock
/// time of the whole fuzz run, shared evenly by the formats), with <c>CODEGEN_FUZZ_SEED</c>
/// (default: taken from the clock and printed in every failure message).
/// </summary>
internal sealed record FuzzSettings(bool IsLongRun, int RandomCases, TimeSpan RandomTime, int Seed, TimeSpan CaseTimeout)
{
    /// <summary>The fixed seed of the quick set.</summary>
    public const int QuickSeed = 20261205;

    /// <summary>Random cases per format in the quick set.</summary>
    public const int QuickRandomCases = 150;

    /// <summary>The fuzz tests that run random cases (one per format and seed), which share <c>CODEGEN_FUZZ_SECONDS</c>; keep it equal to their number.</summary>
    public const int FormatCount = 15;

    /// <summary>Longest a single load (and its forward step) may take before the case fails as a hang.</summary>
    public static readonly TimeSpan DefaultCaseTimeout = TimeSpan.FromSeconds(10);

    public static FuzzSettings FromEnvironment()
    {
        int? cases = ReadInt("CODEGEN_FUZZ_CASES");
        int? seconds = ReadInt("CODEGEN_FUZZ_SECONDS");
        int? seed = ReadInt("CODEGEN_FUZZ_SEED");
        if (cases is null && seconds is null)
        {
            return new FuzzSettings(false, QuickRandomCases, TimeSpan.MaxValue, seed ?? QuickSeed, DefaultCaseTimeout);
        }

        return new FuzzSettings(
            IsLongRun: true,
            RandomCases: cases ?? int.MaxValue,
            RandomTime: seconds is int s ? TimeSpan.FromSeconds((double)s / FormatCount) : TimeSpan.MaxValue,
            Seed: seed ?? Environment.TickCount & int.MaxValue,
            CaseTimeout: DefaultCaseTimeout);
    }

    /// <summary>How to run this set again, for failure messages.</summary>
    public string Describe() => IsLongRun
        ? $"long run, CODEGEN_FUZZ_SEED={Seed}, {(RandomCases == int.MaxValue ? "" : $"CODEGEN_FUZZ_CASES={RandomCases} ")}{(RandomTime == TimeSpan.MaxValue ? "" : $"{RandomTime.TotalSeconds:0} s for this format")}"
        : $"quick set, seed {Seed}, {RandomCases} random cases";

    private static int? ReadInt(string name)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 0
            ? value
            : throw new ArgumentException($"{name}={text} is not a non-negative integer.");
    }
}
