using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Codegen.Tests.Fuzzing;

/// <summary>What a fuzz run of one format found: counts, and every failure grouped by class.</summary>
internal sealed class FuzzReport
{
    /// <summary>Reproductions listed per class in the assertion message (the count covers them all).</summary>
    private const int ListedPerClass = 3;

    private readonly List<FuzzFailure> failures = [];
    private readonly Dictionary<string, int> rejections = [];

    public int Loaded { get; set; }

    public int Rejected { get; set; }

    public int Hangs { get; set; }

    public int Cases => Loaded + Rejected + failures.Count;

    public IReadOnlyList<FuzzFailure> Failures => failures;

    /// <summary>Records a failure without its file's bytes (the mutation says how to make them again; a long run keeps thousands).</summary>
    public void AddFailure(FuzzFailure failure) => failures.Add(failure with { Case = failure.Case with { Content = [] } });

    /// <summary>Counts a typed rejection by its normalized message, for the summary.</summary>
    public void CountRejection(Exception error)
    {
        string key = FuzzText.Normalize(error.Message);
        rejections[key] = rejections.GetValueOrDefault(key) + 1;
    }

    /// <summary>One line of counts, and the most common rejections.</summary>
    public string Summary(string format, string settings, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine($"{format} ({settings}): {Cases} cases in {elapsed.TotalSeconds:0.0} s: {Loaded} loaded, {Rejected} rejected with a typed error, {failures.Count} failed in {FailureClasses().Count()} classes.");
        foreach ((string message, int count) in rejections.OrderByDescending(pair => pair.Value).Take(12))
        {
            text.AppendLine($"  rejected {count,6} x {message}");
        }

        return text.ToString();
    }

    /// <summary>The assertion message: every failure class with its count and its first reproductions.</summary>
    public string FailureMessage(string format, string settings)
    {
        var text = new StringBuilder();
        text.AppendLine($"{format}: {failures.Count} of {Cases} fuzz cases failed ({settings}), in {FailureClasses().Count()} classes.");
        text.AppendLine("A case passes when the load succeeds (and its forward step or encode gives finite, sane results, or the step refuses non-finite logits with NonFiniteLogitsException) or throws a ModelLoadException naming the file.");
        int number = 0;
        foreach (IGrouping<string, FuzzFailure> group in FailureClasses())
        {
            number++;
            FuzzFailure first = group.First();
            text.AppendLine();
            text.AppendLine($"[{number}] {group.Count()} case(s): {first.Kind}: {FuzzText.Shorten(first.Detail, 400)}");
            if (first.Exception is not null)
            {
                text.AppendLine($"    thrown at {first.ThrowSite()}");
            }

            foreach (FuzzFailure failure in group.Take(ListedPerClass))
            {
                text.AppendLine($"    reproduce: format {format}; seed {failure.Case.Seed}; mutation: {FuzzText.Shorten(failure.Case.Mutation, 300)}");
            }

            if (first.Exception is Exception exception)
            {
                text.AppendLine("    at " + FuzzText.Shorten(FirstFrames(exception), 600));
            }
        }

        return text.ToString();
    }

    private IEnumerable<IGrouping<string, FuzzFailure>> FailureClasses() =>
        failures.GroupBy(failure => failure.ClassKey).OrderByDescending(group => group.Count());

    private static string FirstFrames(Exception exception) =>
        string.Join(" <- ", (exception.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Take(3)
            .Select(line => line.Trim().Replace("at ", "", StringComparison.Ordinal)));
}
