using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Codegen.SideBySide;

/// <summary>
/// How much of the machine other processes used while this one ran (Linux /proc/stat): the busy time
/// of all cores minus this process's own CPU time, as a share of (cores x elapsed); and the time the
/// hypervisor took (steal). Both near zero on a quiet machine; a round with a large share was measured
/// while something else ran.
/// </summary>
internal sealed class MachineUse
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    private readonly long startBusy;
    private readonly long startSteal;
    private readonly TimeSpan startOwn;
    private readonly Stopwatch watch = Stopwatch.StartNew();

    private MachineUse(long busy, long steal, TimeSpan own)
    {
        startBusy = busy;
        startSteal = steal;
        startOwn = own;
    }

    public static MachineUse? Start() =>
        Read() is (long busy, long steal) ? new MachineUse(busy, steal, Process.GetCurrentProcess().TotalProcessorTime) : null;

    /// <summary>(others' share, steal share) of the machine since <see cref="Start"/>, each 0..1.</summary>
    public (double Others, double Steal) Stop()
    {
        double elapsed = watch.Elapsed.TotalSeconds * Environment.ProcessorCount;
        TimeSpan own = Process.GetCurrentProcess().TotalProcessorTime - startOwn;
        if (Read() is not (long busy, long steal) || elapsed <= 0)
        {
            return (double.NaN, double.NaN);
        }

        double others = ((busy - startBusy) / TicksPerSecond - own.TotalSeconds) / elapsed;
        return (Math.Max(0, others), (steal - startSteal) / TicksPerSecond / elapsed);
    }

    /// <summary>Busy ticks (user, nice, system, irq, softirq) and steal ticks of all cores, or null off Linux.</summary>
    private static (long Busy, long Steal)? Read()
    {
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            if (line is null)
            {
                return null;
            }

            long[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...
            return (f[0] + f[1] + f[2] + f[5] + f[6], f.Length > 7 ? f[7] : 0);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
