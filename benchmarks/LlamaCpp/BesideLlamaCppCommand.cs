using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>
/// <c>--beside-llamacpp</c>: in one process, for each <see cref="BesideRows"/> row in turn, llama-bench on the GGUF file
/// and then our generated model on the same file, with the machine's read bandwidth measured before and after;
/// prints a markdown table (tools/llamacpp-bench/run.sh builds llama.cpp and writes the files first).
/// Options: --llama-bench PATH, --models DIR (the GGUF files), --rounds N (per file; a round is one llama-bench repetition and one of ours).
/// </summary>
internal static class BesideLlamaCppCommand
{
    public const string Option = "--beside-llamacpp";

    private const int BandwidthReads = 10;

    public static int Run(string[] args)
    {
        string work = Environment.GetEnvironmentVariable("WORK") is { Length: > 0 } w ? w : "/tmp/llamacpp";
        string llamaBench = Argument(args, "--llama-bench") ?? Path.Combine(work, "build-native", "bin", "llama-bench");
        string models = Argument(args, "--models") ?? Path.Combine(work, "bench");
        int rounds = int.Parse(Argument(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);

        // Our kernels split work over one worker a logical core (WorkerPool.Shared), so llama-bench gets as many threads.
        int threads = Environment.ProcessorCount;
        string started = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        Console.Error.WriteLine($"read bandwidth ({BandwidthReads} reads) ...");
        var bandwidth = new List<double>(ReadBandwidth.Measure(BandwidthReads));

        double[] loadBefore = LoadAverages();
        var lines = new List<TableLine>();
        LlamaBenchResult? anyLlama = null;
        foreach (BesideRow row in BesideRows.All)
        {
            string file = row.File(models);
            Console.Error.WriteLine($"{Path.GetFileName(file)}: {rounds} rounds of llama-bench {LlamaBench.Arguments(file, threads, 1)}"
                + (row.Ours is { } o ? $", each followed by one of {o.Declaration}" : ""));
            IInferenceSession? session = row.Ours?.Open(file);
            try
            {
                var ours = session is null ? null : new Speed(session);
                ours?.WarmUp();
                var (llamaPrefill, llamaDecode, ourPrefill, ourDecode) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());

                // In turns, one repetition each, so that a change in the machine's load between rows or rounds falls
                // on both sides alike (llama-bench runs its own warm-up before each repetition).
                for (int round = 0; round < rounds; round++)
                {
                    LlamaBenchResult llama = LlamaBench.Run(llamaBench, file, threads, repetitions: 1);
                    anyLlama = llama;
                    llamaPrefill.AddRange(llama.PrefillTokensPerSecond);
                    llamaDecode.AddRange(llama.DecodeTokensPerSecond);
                    if (ours is not null)
                    {
                        (double prefill, double decode) = ours.Round();
                        ourPrefill.Add(prefill);
                        ourDecode.Add(decode);
                    }
                }

                var peer = new TableLine(row, "llama.cpp", llamaPrefill.ToArray(), llamaDecode.ToArray(), WeightBytesPerToken.InFile(file), null);
                lines.Add(peer);
                if (row.Ours is { } declared)
                {
                    lines.Add(new TableLine(row, declared.Declaration, ourPrefill.ToArray(), ourDecode.ToArray(),
                        WeightBytesPerToken.Ours(row.Shape, declared.BytesPerMatrixValue, declared.BytesPerClassifierValue), peer));
                }
            }
            finally
            {
                session?.Dispose();
                GC.Collect();
            }
        }

        double[] loadAfter = LoadAverages();
        Console.Error.WriteLine($"read bandwidth ({BandwidthReads} reads) ...");
        double[] after = ReadBandwidth.Measure(BandwidthReads);
        bandwidth.AddRange(after);

        Console.Write(Report(started, threads, rounds, bandwidth.ToArray(), anyLlama, lines, loadBefore, loadAfter));
        return 0;
    }

    /// <summary>One implementation on one file; <paramref name="Peer"/> is llama.cpp's line on the same file, for our lines.</summary>
    private sealed record TableLine(BesideRow Row, string Implementation, double[] Prefill, double[] Decode, long BytesPerToken, TableLine? Peer);

    private static string Report(
        string started, int threads, int rounds, double[] bandwidth, LlamaBenchResult? llama, List<TableLine> lines, double[] loadBefore, double[] loadAfter)
    {
        // The limit divides by the best read: the ceiling is what the memory can give, and on a shared machine the other
        // reads are slowed by whatever else runs (the median and worst are printed beside it).
        double best = bandwidth.Max();

        // The header lines are markdown list items and the table a markdown table, so the report pastes into RESULTS.md as it is.
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"- Run started {started} UTC. Machine: {MachineDescription.Describe()}.");
        if (llama is not null)
        {
            text.AppendLine(c, $"- llama.cpp: llama-bench build {llama.BuildCommit} ({llama.BuildNumber}), cpu_info \"{llama.CpuInfo}\".");
        }

        text.AppendLine(c, $"- Threads: {threads} on both sides; {rounds} rounds per file, each one llama-bench run (-r 1, after its own warm-up) then one Stopwatch round of ours (after a warm-up until the JIT is quiet); prefill {Speed.PromptTokens} tokens, decode {Speed.DecodeTokens} tokens from an empty cache; tokens/s as mean ± standard deviation over the rounds and the best round; ratios of the means, of the best rounds, and the range of the rounds' own ratios.");
        text.AppendLine(c, $"- Load average (1, 5, 15 min) before the rows {string.Join(", ", loadBefore.Select(l => l.ToString("F2", c)))}, after {string.Join(", ", loadAfter.Select(l => l.ToString("F2", c)))} (about {threads} is this run alone).");
        text.AppendLine(c, $"- Read bandwidth (two threads over 512 MiB, {bandwidth.Length} reads, half before and half after the rows): best {best:F1} GB/s, median {Median(bandwidth):F1}, worst {bandwidth.Min():F1}. Decode limit = best read bandwidth / weight bytes read per token (ours: the matrices as our declaration stores them, the classifier included, plus the float32 norms; llama.cpp: the file's tensor bytes; both without the token embedding, of which a token reads one row).");
        text.AppendLine();
        text.AppendLine("| shape | GGUF file | implementation | prefill tok/s | decode tok/s | prefill ours/llama.cpp | decode ours/llama.cpp | weight MB read per token | decode limit tok/s | decode / limit (mean; best) |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (TableLine line in lines)
        {
            double limit = best * 1e9 / line.BytesPerToken;
            string prefillRatio = line.Peer is null ? "" : Ratio(line.Prefill, line.Peer.Prefill);
            string decodeRatio = line.Peer is null ? "" : Ratio(line.Decode, line.Peer.Decode);
            text.AppendLine(c,
                $"| {line.Row.Shape.Name} | {line.Row.GgufType} | {line.Implementation} | {MeanAndSpread(line.Prefill)} | {MeanAndSpread(line.Decode)} | {prefillRatio} | {decodeRatio} | {line.BytesPerToken / 1e6:F2} | {limit:F0} | {Samples.Mean(line.Decode) / limit:P0}; {line.Decode.Max() / limit:P0} |");
        }

        foreach (BesideRow pending in BesideRows.All.Where(r => r.Ours is null))
        {
            text.AppendLine(c, $"| {pending.Shape.Name} | {pending.GgufType} | ours | pending WeightFormat.Q4 | | | | | | |");
        }

        return text.ToString();
    }

    /// <summary>Mean ± standard deviation, and the best round: on a shared machine the best is what the code does while the machine is quiet.</summary>
    private static string MeanAndSpread(double[] samples) =>
        string.Create(CultureInfo.InvariantCulture, $"{Samples.Mean(samples):F1} ± {Samples.StandardDeviation(samples):F1}; best {samples.Max():F1}");

    /// <summary>The ratio of the means; of the best rounds; and the smallest and largest ratio of one round's pair.</summary>
    private static string Ratio(double[] ours, double[] theirs)
    {
        double[] rounds = ours.Zip(theirs, (o, t) => o / t).ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"{Samples.Mean(ours) / Samples.Mean(theirs):F2}; best {ours.Max() / theirs.Max():F2}; rounds {rounds.Min():F2}–{rounds.Max():F2}");
    }

    /// <summary>/proc/loadavg's three averages (empty where there is none): how busy the machine was around the run.</summary>
    private static double[] LoadAverages() =>
        File.Exists("/proc/loadavg")
            ? File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()
            : [];

    private static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string? Argument(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
