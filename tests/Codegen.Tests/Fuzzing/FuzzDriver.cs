using System;
using System.Collections.Generic;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Runs one format's fuzz set: its systematic cases, then random cases (a fixed number from a fixed
/// seed in the quick set; as many as the long run's budget allows otherwise), and fails with every
/// failure class when any case failed.
/// </summary>
internal static class FuzzDriver
{
    /// <param name="target">What each case is loaded through.</param>
    /// <param name="systematicCases">Cases enumerated in full: truncations, boundary values, structure mutations.</param>
    /// <param name="randomCase">Makes one random case from a generator seeded for it alone.</param>
    /// <param name="output">Where the summary goes.</param>
    public static void Run(
        FuzzTarget target,
        IEnumerable<FuzzCase> systematicCases,
        Func<Random, FuzzCase> randomCase,
        ITestOutputHelper output)
    {
        FuzzSettings settings = FuzzSettings.FromEnvironment();
        var clock = Stopwatch.StartNew();
        using var runner = new FuzzRunner(target, settings.CaseTimeout);
        foreach (FuzzCase fuzzCase in systematicCases)
        {
            runner.Run(fuzzCase);
        }

        var randomClock = Stopwatch.StartNew();
        for (int i = 0; i < settings.RandomCases && randomClock.Elapsed < settings.RandomTime && !runner.Stopped; i++)
        {
            FuzzCase fuzzCase = randomCase(new Random(CaseSeed(settings.Seed, i)));
            runner.Run(fuzzCase with { Mutation = $"random case {i} of seed {settings.Seed}: {fuzzCase.Mutation}" });
        }

        string description = settings.Describe();
        output.WriteLine(runner.Report.Summary(target.Format, description, clock.Elapsed));
        Console.WriteLine(runner.Report.Summary(target.Format, description, clock.Elapsed));
        if (runner.Report.Failures.Count > 0)
        {
            Assert.Fail(runner.Report.FailureMessage(target.Format, description));
        }
    }

    /// <summary>The seed of random case <paramref name="index"/>: the same on every machine and run.</summary>
    public static int CaseSeed(int seed, int index) => unchecked((seed * 1_000_003) + index);
}
