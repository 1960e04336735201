using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Codegen.SideBySide;

/// <summary>Reads every round's file and writes the side-by-side table (markdown, to the console and a file).</summary>
internal static class Report
{
    private static bool best;

    private sealed record RoundCase(string Shape, string Format, double Load, double Decode, double Prefill, long Jit, string Checksum, int PrefillToken);

    private sealed class RoundFile
    {
        public string Side = "";
        public string Label = "";
        public int Round;
        public int Order;
        public string Start = "";
        public string Environment = "-";
        public List<double> Bandwidth = [];
        public List<double> Others = [];
        public List<double> Steal = [];
        public List<RoundCase> Cases = [];
        public double Seconds;
    }

    /// <summary>
    /// Writes the report. <paramref name="perProcess"/> says which figure stands for a process: "median"
    /// (of its timed passes; the default) or "best" (its fastest pass: on a machine where other work runs,
    /// the pass least disturbed by it).
    /// </summary>
    public static int Write(string resultsFolder, string? markdownPath, IReadOnlyList<string> notes, string perProcess = "median")
    {
        if (perProcess is not ("median" or "best"))
        {
            Console.Error.WriteLine($"report: --per-process is median or best, not '{perProcess}'");
            return 2;
        }

        best = perProcess == "best";
        // One file per process; a round of a side is every process of that side in that round (one per case).
        List<RoundFile> processes = Directory.GetFiles(resultsFolder, "*.tsv").Order(StringComparer.Ordinal).Select(Read).Where(r => r is not null).Select(r => r!).ToList();
        List<RoundFile> rounds = processes.GroupBy(p => (p.Side, p.Round)).Select(g => new RoundFile
        {
            Side = g.Key.Side,
            Round = g.Key.Round,
            Label = g.First().Label,
            Order = g.Min(p => p.Order),
            Start = g.Min(p => p.Start)!,
            Environment = g.First().Environment,
            Bandwidth = g.SelectMany(p => p.Bandwidth).ToList(),
            Cases = g.SelectMany(p => p.Cases).ToList(),
            Others = g.SelectMany(p => p.Others).ToList(),
            Steal = g.SelectMany(p => p.Steal).ToList(),
            Seconds = g.Sum(p => p.Seconds),
        }).ToList();
        List<RoundFile> before = rounds.Where(r => r.Side == "before").OrderBy(r => r.Round).ToList();
        List<RoundFile> after = rounds.Where(r => r.Side == "after").OrderBy(r => r.Round).ToList();
        if (before.Count == 0 || after.Count == 0)
        {
            Console.Error.WriteLine($"report: need finished rounds of both sides in {resultsFolder} (before {before.Count}, after {after.Count})");
            return 1;
        }

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Side by side: before = {before[0].Label}, after = {after[0].Label}; {before.Count} round{(before.Count == 1 ? "" : "s")} of each, {processes.Count} processes, started {rounds.Min(r => r.Start)} UTC.");
        md.AppendLine();
        foreach (string note in notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        md.AppendLine("- A round runs every case (shape and weights) once in each build, each in a fresh process, before and after back to back, the order flipping from case to case and from round to round. A process measures the read bandwidth, loads the model, warms up until the JIT is quiet, then times decode (256 greedy tokens from position 0) and prefill (a 128-token prompt) several times; its value is the " + (best ? "fastest of its passes (--per-process best)." : "median of its passes.") + "");
        md.AppendLine("- before / after: the median over rounds of those values (tokens/s), with min–max over rounds; after / before: the ratio of the medians; per round: after / before of the two processes of a round, min–max.");
        int n = Math.Min(before.Count, after.Count);
        double chance = 2.0 / Binomial(2 * n, n);
        md.AppendLine(n >= 3
            ? string.Create(CultureInfo.InvariantCulture, $"- Note \"slower\"/\"faster\": the two min–max ranges do not overlap (with identical code that happens by chance to about {chance * 100:F0}% of rows at {n} rounds a side).")
            : "- No \"slower\"/\"faster\" notes below 3 rounds a side (too few processes to tell).");
        md.AppendLine();
        md.AppendLine("| shape | weights | | before | before min–max | after | after min–max | after / before | per round | note |");
        md.AppendLine("|---|---|---|--:|--:|--:|--:|--:|--:|---|");

        // In run order (Case.All), whatever order the files were listed in.
        var caseKeys = before.Concat(after).SelectMany(r => r.Cases).Select(c => (c.Shape, c.Format)).Distinct()
            .OrderBy(k => Case.All.ToList().FindIndex(c => c.Shape == k.Shape && c.Format == k.Format)).ToList();
        foreach (var (shape, format) in caseKeys)
        {
            foreach (string metric in new[] { "decode", "prefill" })
            {
                Func<RoundCase, double> pick = metric == "decode" ? c => c.Decode : c => c.Prefill;
                Row(md, shape, format, metric, Values(before, shape, format, pick), Values(after, shape, format, pick));
            }
        }

        Row(md, "read bandwidth, GB/s", "", "2 threads, 512 MiB",
            before.Select(r => (r.Round, Statistics.Median(r.Bandwidth))).ToList(),
            after.Select(r => (r.Round, Statistics.Median(r.Bandwidth))).ToList(),
            digits: 1);
        md.AppendLine();

        // Load times, the JIT check and the output check.
        md.Append("Load, s (median before → after):");
        md.AppendLine(string.Join(';', caseKeys.Select(k =>
            string.Create(CultureInfo.InvariantCulture,
                $" {k.Shape} {k.Format} {Statistics.Median(Values(before, k.Shape, k.Format, c => c.Load).Select(v => v.Value)):F2} → {Statistics.Median(Values(after, k.Shape, k.Format, c => c.Load).Select(v => v.Value)):F2}"))) + ".");
        md.AppendLine();
        var jitted = rounds.SelectMany(r => r.Cases.Where(c => c.Jit > 0).Select(c => $"{r.Side} round {r.Round} {c.Shape} {c.Format}: {c.Jit}")).ToList();
        md.AppendLine(jitted.Count == 0
            ? "JIT check: no method was compiled during any timed pass (every process, every case)."
            : $"JIT check: methods compiled during timed passes (a few are harmless: runtime internals such as the finalizer's; many in every process of a case mean its warm-up leaves model code below tier 1; DOTNET_JitStdOutFile=F DOTNET_JitDisasmSummary=1 on one run command lists them): {string.Join("; ", jitted)}.");
        md.AppendLine();
        var differing = new List<string>();
        foreach (var (shape, format) in caseKeys)
        {
            var outputs = rounds.SelectMany(r => r.Cases.Where(c => c.Shape == shape && c.Format == format).Select(c => (r.Side, c.Checksum, c.PrefillToken))).ToList();
            if (outputs.Select(o => (o.Checksum, o.PrefillToken)).Distinct().Count() > 1)
            {
                differing.Add($"{shape} {format}");
            }
        }

        md.AppendLine(differing.Count == 0
            ? "Output check: the 256 greedy decode tokens and the prefill's argmax are the same before and after, for every case."
            : $"Output check: the greedy tokens or the prefill argmax differ between processes for {string.Join(", ", differing)} (expected only if the after code changed the order of floating-point operations).");
        md.AppendLine();
        List<double> others = processes.SelectMany(p => p.Others).ToList();
        if (others.Count > 0)
        {
            int busy = others.Count(o => o > 0.10);
            List<double> steal = processes.SelectMany(p => p.Steal).ToList();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Machine use by other processes during each process (share of all cores): before median {Statistics.Median(before.SelectMany(r => r.Others)) * 100:F0}%, after median {Statistics.Median(after.SelectMany(r => r.Others)) * 100:F0}%, max {others.Max() * 100:F0}%; {busy} of {others.Count} processes over 10%; hypervisor steal max {steal.Max() * 100:F0}%.");
            if (busy > 0)
            {
                md.AppendLine("Other work ran on the machine during the run, so the figures are noisier than on a quiet machine.");
            }

            md.AppendLine();
        }

        string environment = string.Join(" | ", rounds.Select(r => r.Environment == "-" ? "none (runtime defaults)" : r.Environment).Distinct());
        md.AppendLine(CultureInfo.InvariantCulture, $"Runtime settings (DOTNET_*): {environment}; process time per round: before {Statistics.Median(before.Select(r => r.Seconds)):F0} s, after {Statistics.Median(after.Select(r => r.Seconds)):F0} s (medians).");

        string text = md.ToString();
        Console.WriteLine();
        Console.WriteLine(text);
        if (!string.IsNullOrEmpty(markdownPath))
        {
            File.WriteAllText(markdownPath, text);
            Console.WriteLine($"(written to {markdownPath})");
        }

        return 0;
    }

    private static void Row(StringBuilder md, string shape, string format, string metric,
        List<(int Round, double Value)> before, List<(int Round, double Value)> after, int? digits = null)
    {
        if (before.Count == 0 || after.Count == 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {shape} | {format} | {metric} | {(before.Count == 0 ? "missing" : "")} | | {(after.Count == 0 ? "missing" : "")} | | | | |");
            return;
        }

        double b = Statistics.Median(before.Select(v => v.Value));
        double a = Statistics.Median(after.Select(v => v.Value));
        double bMin = before.Min(v => v.Value), bMax = before.Max(v => v.Value);
        double aMin = after.Min(v => v.Value), aMax = after.Max(v => v.Value);
        var paired = before.Join(after, x => x.Round, y => y.Round, (x, y) => y.Value / x.Value).ToList();
        string note = Math.Min(before.Count, after.Count) < 3 ? "" : aMax < bMin ? "**slower**" : aMin > bMax ? "faster" : "";
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {shape} | {format} | {metric} | {Number(b, digits)} | {Number(bMin, digits)}–{Number(bMax, digits)} | {Number(a, digits)} | {Number(aMin, digits)}–{Number(aMax, digits)} | {a / b:F2} | {(paired.Count > 0 ? $"{paired.Min():F2}–{paired.Max():F2}" : "")} | {note} |");
    }

    private static List<(int Round, double Value)> Values(List<RoundFile> rounds, string shape, string format, Func<RoundCase, double> pick) =>
        rounds.SelectMany(r => r.Cases.Where(c => c.Shape == shape && c.Format == format).Select(c => (r.Round, pick(c)))).ToList();

    private static string Number(double value, int? digits) =>
        digits is int d ? value.ToString("F" + d, CultureInfo.InvariantCulture)
        : value >= 100 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : value.ToString("F1", CultureInfo.InvariantCulture);

    private static double Binomial(int n, int k)
    {
        double result = 1;
        for (int i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return result;
    }

    private static RoundFile? Read(string path)
    {
        var round = new RoundFile();
        bool done = false;
        foreach (string line in File.ReadAllLines(path))
        {
            string[] f = line.Split('\t');
            switch (f[0])
            {
                case "meta":
                    round.Side = f[1];
                    round.Label = f[2];
                    round.Round = int.Parse(f[3], CultureInfo.InvariantCulture);
                    round.Order = int.Parse(f[4], CultureInfo.InvariantCulture);
                    round.Start = f[5];
                    round.Environment = f[7];
                    break;
                case "machine":
                    if (!double.IsNaN(D(f[1])))
                    {
                        round.Others.Add(D(f[1]));
                        round.Steal.Add(D(f[2]));
                    }

                    break;
                case "bandwidth":
                    round.Bandwidth.Add(D(f[2]));
                    break;
                case "case":
                    round.Cases.Add(new RoundCase(f[1], f[2], D(f[3]), best ? Passes(f[11]).Max() : D(f[4]), best ? Passes(f[12]).Max() : D(f[5]), long.Parse(f[6], CultureInfo.InvariantCulture), f[7], int.Parse(f[8], CultureInfo.InvariantCulture)));
                    break;
                case "done":
                    round.Seconds = D(f[1]);
                    done = true;
                    break;
            }
        }

        return done ? round : null;
    }

    private static double[] Passes(string list) => list.Split(';').Select(D).ToArray();

    private static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
