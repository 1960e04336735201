using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Onnx;

/// <summary>
/// The ONNX decode-step graph of a weights file, exported on first use into the benchmark data
/// folder by tools/onnx/export_decode_step.py (Debian's PyTorch), and again whenever the weights or
/// the scripts are newer than the graph. Each graph is model.onnx in a folder of its own (a graph
/// over 2 GB comes with its weights as external data files beside it), written as a temporary
/// folder and renamed, so a half-written graph is never picked up.
/// </summary>
internal static class DecodeStepExport
{
    /// <summary>Debian's Python, which has python3-torch (a pyenv python3 on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>The script's exit code when PyTorch or NumPy cannot be imported.</summary>
    private const int MissingTorchExitCode = 3;

    private const string InstallHint = "apt-get install python3-torch python3-numpy";

    /// <summary>The exporter script in the repository.</summary>
    public static string Script => Path.Combine(RepositoryPaths.Root, "tools", "onnx", "export_decode_step.py");

    /// <summary>The exporter's Hugging Face Llama-family module (the --hf kind).</summary>
    public static string HuggingFaceScript => Path.Combine(RepositoryPaths.Root, "tools", "onnx", "hf_decode_step.py");

    private const string GraphFileName = "model.onnx";

    /// <summary>
    /// The graph for <paramref name="weightsFile"/>, exported if missing or stale.
    /// </summary>
    /// <param name="modelOption">The script's model option: "--llama2c", "--gpt2" or "--hf".</param>
    /// <param name="modelArgument">What the option names: the checkpoint, or the Hugging Face folder.</param>
    /// <param name="weightsFile">The file holding the weights (its name and time decide the graph's).</param>
    /// <param name="graphName">A readable name for the graph file, e.g. "stories260K".</param>
    public static string EnsureExported(string modelOption, string modelArgument, string weightsFile, string graphName)
    {
        if (!File.Exists(weightsFile))
        {
            throw new FileNotFoundException($"No weights file {weightsFile} to export an ONNX graph from.", weightsFile);
        }

        string folder = Path.Combine(RepositoryPaths.DataFolder, $"{graphName}-{PathHash(weightsFile)}.decode-step");
        string graph = Path.Combine(folder, GraphFileName);
        if (IsUpToDate(graph, weightsFile))
        {
            return graph;
        }

        string temporary = $"{folder}.{Environment.ProcessId}.partial";
        try
        {
            Directory.CreateDirectory(temporary);
            Run(modelOption, modelArgument, Path.Combine(temporary, GraphFileName));
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.Move(temporary, folder);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }

        return graph;
    }

    private static bool IsUpToDate(string graph, string weightsFile)
    {
        if (!File.Exists(graph))
        {
            return false;
        }

        DateTime exported = File.GetLastWriteTimeUtc(graph);
        return exported >= File.GetLastWriteTimeUtc(weightsFile)
            && IsNewerThan(exported, Script) && IsNewerThan(exported, HuggingFaceScript);
    }

    private static bool IsNewerThan(DateTime exported, string script) =>
        !File.Exists(script) || exported >= File.GetLastWriteTimeUtc(script);

    /// <summary>Eight hex digits of the weights' full path, so two models of one file name never share a graph.</summary>
    private static string PathHash(string weightsFile) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(weightsFile))), 0, 4).ToLowerInvariant();

    private static void Run(string modelOption, string modelArgument, string output)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { Script, modelOption, Path.GetFullPath(modelArgument), "--output", output })
        {
            start.ArgumentList.Add(argument);
        }

        string command = $"{Python} {string.Join(' ', start.ArgumentList)}";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start: {command}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Could not run {Python} to export the ONNX graph ({e.Message}). Install Debian's Python with PyTorch: {InstallHint}. Command: {command}", e);
        }

        using (process)
        {
            // Both pipes are drained at once, so a chatty exporter cannot block on a full pipe.
            var standardOutput = process.StandardOutput.ReadToEndAsync();
            var standardError = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            string errors = standardError.Result.Trim();
            _ = standardOutput.Result;
            if (process.ExitCode == MissingTorchExitCode)
            {
                throw new InvalidOperationException(
                    $"The ONNX exporter needs PyTorch and NumPy for {Python}: {InstallHint}. Command: {command}; stderr: {errors}");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Exporting the ONNX graph failed with exit code {process.ExitCode}. Command: {command}; stderr: {errors}");
            }
        }
    }
}
