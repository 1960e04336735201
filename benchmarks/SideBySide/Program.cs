using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Codegen.SideBySide;

// The side-by-side harness. compare.sh builds it once per source tree and runs:
//   prepare --models DIR [--shapes LIST]                    writes the seeded random weights (once, before the rounds)
//   cases [--shapes LIST]                                   the case ids (shape-format), one a line, in run order
//   run --side before|after --label L --round N --order K --models DIR --out FILE (--case ID | --shapes LIST)
//       [--decode-seconds S] [--prefill-seconds S] [--min-passes N]   one process: bandwidth, then the case(s)
//   report --results DIR [--markdown FILE] [--per-process median|best] [--note TEXT]...  the table over every process's file
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Codegen.SideBySide prepare|run|report [options] (see benchmarks/SideBySide/compare.sh)");
    return 2;
}

var options = Options.Parse(args.Skip(1));
switch (args[0])
{
    case "prepare":
        foreach (Case c in Case.Select(options.Get("shapes")).DistinctBy(c => c.ShapeKey))
        {
            Console.WriteLine($"{c.Shape}: {c.Weights(options.Require("models"))}");
        }

        return 0;

    case "cases":
        foreach (Case c in Case.Select(options.Get("shapes")))
        {
            Console.WriteLine(c.Id);
        }

        return 0;

    case "run":
        return RunProcess(options);

    case "report":
        return Report.Write(options.Require("results"), options.Get("markdown"), options.All("note"), options.Get("per-process") ?? "median");

    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}

static int RunProcess(Options options)
{
    var elapsed = Stopwatch.StartNew();
    MachineUse? use = MachineUse.Start();
    string side = options.Require("side");
    var timing = new Timing(
        double.Parse(options.Get("decode-seconds") ?? "1.0", CultureInfo.InvariantCulture),
        double.Parse(options.Get("prefill-seconds") ?? "0.5", CultureInfo.InvariantCulture),
        int.Parse(options.Get("min-passes") ?? "2", CultureInfo.InvariantCulture));
    string models = options.Require("models");
    var lines = new List<string>();
    string environment = string.Join(' ', Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .Where(k => (k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("COMPlus_", StringComparison.Ordinal))
            && !k.StartsWith("DOTNET_CLI_", StringComparison.Ordinal)
            && k is not "DOTNET_NOLOGO" and not "DOTNET_SKIP_FIRST_TIME_EXPERIENCE" and not "DOTNET_GENERATE_ASPNET_CERTIFICATE" and not "DOTNET_ROOT")
        .OrderBy(k => k, StringComparer.Ordinal).Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
    lines.Add(Tsv("meta", side, options.Require("label"), options.Require("round"), options.Require("order"),
        DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Environment.ProcessorCount, environment.Length > 0 ? environment : "-"));

    double bandwidth = Measure.ReadBandwidth();
    lines.Add(Tsv("bandwidth", "start", bandwidth));
    Measure.WarmUpHarness();
    IReadOnlyList<Case> cases = options.Get("case") is string id
        ? [Case.All.FirstOrDefault(c => c.Id == id) ?? throw new ArgumentException($"unknown case '{id}'")]
        : Case.Select(options.Get("shapes"));
    foreach (Case c in cases)
    {
        CaseResult r = Measure.Run(c, models, timing);
        double decode = Statistics.Median(r.DecodeTokensPerSecond);
        double prefill = Statistics.Median(r.PrefillTokensPerSecond);
        lines.Add(Tsv("case", c.Shape, c.Format, r.LoadSeconds, decode, prefill, r.JitDuringMeasurement,
            r.DecodeChecksum.ToString("x16", CultureInfo.InvariantCulture), r.PrefillToken, r.DecodeWarmUpPasses, r.PrefillWarmUpPasses,
            string.Join(';', r.DecodeTokensPerSecond.Select(v => v.ToString("F2", CultureInfo.InvariantCulture))),
            string.Join(';', r.PrefillTokensPerSecond.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))));
        Console.WriteLine($"  {side,-6} {c.Name,-17} decode {decode,10:N1} tok/s ({r.DecodeTokensPerSecond.Length} passes)  prefill {prefill,10:N1} tok/s ({r.PrefillTokensPerSecond.Length} passes)  load {r.LoadSeconds:F2} s  warm-up {r.DecodeWarmUpPasses}/{r.PrefillWarmUpPasses}  jit {r.JitDuringMeasurement}");
    }

    (double others, double steal) = use?.Stop() ?? (double.NaN, double.NaN);
    lines.Add(Tsv("machine", others, steal));
    lines.Add(Tsv("done", elapsed.Elapsed.TotalSeconds));
    Console.WriteLine($"  {side,-6} {"",-17} read bandwidth {bandwidth:F1} GB/s, other processes used {others:P0} of the machine (steal {steal:P0}), {elapsed.Elapsed.TotalSeconds:F0} s");
    File.WriteAllLines(options.Require("out"), lines);
    return 0;
}

static string Tsv(params object[] fields) => string.Join('\t', fields.Select(f => f switch
{
    double d => d.ToString("R", CultureInfo.InvariantCulture),
    IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
    _ => f.ToString()!.Replace('\t', ' '),
}));

/// <summary>--name value pairs; a name may repeat.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string Value)> values = [];

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string[] list = args.ToArray();
        for (int i = 0; i < list.Length; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Length)
            {
                throw new ArgumentException($"expected --name value, got '{list[i]}'");
            }

            options.values.Add((list[i][2..], list[++i]));
        }

        return options;
    }

    public string? Get(string name) => values.LastOrDefault(v => v.Name == name).Value;

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public IReadOnlyList<string> All(string name) => values.Where(v => v.Name == name).Select(v => v.Value).ToList();
}
