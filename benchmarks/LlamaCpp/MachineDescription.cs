using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>The lines that say which machine a table was measured on: CPU model, the SIMD flags both sides use, cores, .NET.</summary>
internal static class MachineDescription
{
    private static readonly string[] RelevantFlags = ["avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni"];

    public static string Describe()
    {
        string model = "unknown CPU";
        string[] flags = [];
        if (File.Exists("/proc/cpuinfo"))
        {
            string[] lines = File.ReadAllLines("/proc/cpuinfo");
            model = Value(lines, "model name") ?? model;
            flags = (Value(lines, "flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        string present = string.Join(" ", RelevantFlags.Where(flags.Contains));
        return $"{model}, {Environment.ProcessorCount} logical cores; flags: {present}; {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}";
    }

    private static string? Value(string[] lines, string key) =>
        lines.Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault();
}
