using System;
using System.Diagnostics;
using System.IO;
using Codegen.Benchmarks.Models;
using Codegen.Benchmarks.Weights;

namespace Codegen.Benchmarks.Loading;

/// <summary>
/// <c>--load-gpt2</c>: writes (if missing) the seeded random GPT-2 small safetensors folder the cpu benchmarks load
/// (F32, 124M parameters, 498 MB), then loads it in fresh child processes, one load each, so that each
/// process's peak working set is the load's own. Prints the wall time of <c>Gpt2Small.Load</c>, the process's peak
/// working set, the bytes allocated during the load, the working set before it and the GC heap after it (live weights and
/// garbage not yet collected). The first run reads the file from disk (or from the page cache, if it was written just
/// before); the medians of the runs are printed last.
/// </summary>
internal static class LoadGpt2Command
{
    public const string Option = "--load-gpt2";

    /// <summary>The child's option: load the folder given after it once and print one line.</summary>
    public const string ChildOption = "--load-gpt2-once";

    private const int Runs = 5;

    public static int Run()
    {
        string folder = RandomWeights.Gpt2Folder(Gpt2Shape.Gpt2Small);
        string weights = Path.Combine(folder, "model.safetensors");
        Console.WriteLine($"{weights}: {new FileInfo(weights).Length / 1e6:F0} MB");
        var seconds = new double[Runs];
        var peaks = new double[Runs];
        for (int run = 0; run < Runs; run++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            if (!Environment.ProcessPath!.EndsWith(Path.GetFileNameWithoutExtension(typeof(LoadGpt2Command).Assembly.Location), StringComparison.Ordinal))
            {
                start.ArgumentList.Add(typeof(LoadGpt2Command).Assembly.Location); // run through the dotnet host
            }

            start.ArgumentList.Add(ChildOption);
            start.ArgumentList.Add(folder);
            using Process child = Process.Start(start)!;
            string line = child.StandardOutput.ReadToEnd().Trim();
            child.WaitForExit();
            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine($"the load failed (exit code {child.ExitCode}): {line}");
                return 1;
            }

            Console.WriteLine($"run {run + 1}: {line}");
            string[] fields = line.Split(' ');
            seconds[run] = double.Parse(fields[1].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
            peaks[run] = double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
        }

        Array.Sort(seconds);
        Array.Sort(peaks);
        Console.WriteLine($"median of {Runs}: load {seconds[Runs / 2]:F2} s, peak working set {peaks[Runs / 2]:F0} MB (weights: {Gpt2SmallWeightBytes / 1e6:F0} MB as float32)");
        return 0;
    }

    /// <summary>The child: one load, then "load X.XXs peak-working-set N MB allocated N MB ...".</summary>
    public static int RunOnce(string folder)
    {
        using Process self = Process.GetCurrentProcess();
        long workingSetBefore = self.WorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        Gpt2Small model = Gpt2Small.Load(folder);
        watch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        self.Refresh();
        FormattableString line = $"load {watch.Elapsed.TotalSeconds:F2}s peak-working-set {self.PeakWorkingSet64 / 1e6:F0} MB allocated {allocated / 1e6:F0} MB (working set before the load {workingSetBefore / 1e6:F0} MB, GC heap after it {GC.GetTotalMemory(forceFullCollection: false) / 1e6:F0} MB, gen2 collections {GC.CollectionCount(2)})";
        Console.WriteLine(FormattableString.Invariant(line));
        GC.KeepAlive(model);
        return 0;
    }

    /// <summary>GPT-2 small's parameters as float32: embeddings (50257 + 1024 rows of 768), 12 layers, final norm.</summary>
    private const long Gpt2SmallWeightBytes = 4L * ((50257L * 768) + (1024L * 768) + (12L * ((768L * 2304) + 2304 + (768L * 768) + 768 + (2 * 768L * 3072) + 3072 + 768 + (4 * 768))) + (2 * 768));
}
