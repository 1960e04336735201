using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace Codegen.Benchmarks.LlamaCpp;

/// <summary>What llama-bench measured on one file: tokens per second of each of its repetitions, and its build.</summary>
internal sealed record LlamaBenchResult(double[] PrefillTokensPerSecond, double[] DecodeTokensPerSecond, string BuildCommit, long BuildNumber, string CpuInfo);

/// <summary>
/// Runs llama.cpp's llama-bench on one GGUF file: a <see cref="Speed.PromptTokens"/>-token prompt (pp) and
/// <see cref="Speed.DecodeTokens"/> tokens decoded one at a time from an empty cache (tg), with the same thread
/// count as ours, its own warm-up run before each test, and its JSON report parsed.
/// </summary>
internal static class LlamaBench
{
    public static string Arguments(string model, int threads, int repetitions) => string.Create(CultureInfo.InvariantCulture,
        $"-m {model} -t {threads} -p {Speed.PromptTokens} -n {Speed.DecodeTokens} -r {repetitions} -o json");

    public static LlamaBenchResult Run(string executable, string model, int threads, int repetitions)
    {
        var start = new ProcessStartInfo(executable, Arguments(model, threads, repetitions))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var error = process.StandardError.ReadToEndAsync(); // read both streams at once, so that neither pipe fills up
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {start.Arguments} exited with {process.ExitCode}:\n{error.Result}");
        }

        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement[] tests = report.RootElement.EnumerateArray().ToArray();
        JsonElement prefill = tests.Single(t => t.GetProperty("n_prompt").GetInt32() > 0 && t.GetProperty("n_gen").GetInt32() == 0);
        JsonElement decode = tests.Single(t => t.GetProperty("n_gen").GetInt32() > 0 && t.GetProperty("n_prompt").GetInt32() == 0);
        return new LlamaBenchResult(
            Samples(prefill), Samples(decode), prefill.GetProperty("build_commit").GetString() ?? "",
            prefill.GetProperty("build_number").GetInt64(), prefill.GetProperty("cpu_info").GetString() ?? "");
    }

    private static double[] Samples(JsonElement test) =>
        test.GetProperty("samples_ts").EnumerateArray().Select(s => s.GetDouble()).ToArray();
}
