using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Runs cases against one <see cref="FuzzTarget"/>: writes each case's file into a temporary folder
/// beside the target's companions, runs the load on a task with a wall-clock bound, and sorts the
/// result into loaded, rejected with a <see cref="ModelLoadException"/> (or, at the forward step after a
/// load, a <see cref="NonFiniteLogitsException"/>), or failed.
/// </summary>
internal sealed class FuzzRunner : IDisposable
{
    /// <summary>After this many hangs the runner stops: every hung load keeps a thread busy.</summary>
    public const int MaxHangs = 3;

    private readonly FuzzTarget target;
    private readonly TimeSpan timeout;
    private readonly List<string> folders = [];
    private string folder = "";

    /// <param name="target">What the cases are loaded through.</param>
    /// <param name="timeout">The longest one case may take.</param>
    /// <param name="report">Where results go: a new report, or one shared with other runners.</param>
    public FuzzRunner(FuzzTarget target, TimeSpan timeout, FuzzReport? report = null)
    {
        this.target = target;
        this.timeout = timeout;
        Report = report ?? new FuzzReport();
        StartFolder();
    }

    public FuzzReport Report { get; }

    /// <summary>The folder the current case's file is written to, beside the companions.</summary>
    public string Folder => folder;

    /// <summary>True once <see cref="MaxHangs"/> cases have hung; later cases are not run.</summary>
    public bool Stopped => Report.Hangs >= MaxHangs;

    public void Run(FuzzCase fuzzCase)
    {
        if (Stopped)
        {
            return;
        }

        string path = Path.Combine(folder, target.FileName);
        File.WriteAllBytes(path, fuzzCase.Content);
        // A thread of its own: on the shared pool a case would wait behind the other tests' work.
        Task<string?> load = Task.Factory.StartNew(
            () => target.LoadAndUse(path), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool finished;
        try
        {
            finished = load.Wait(timeout);
        }
        catch (AggregateException)
        {
            finished = true;
        }

        if (!finished)
        {
            Report.AddFailure(new FuzzFailure(fuzzCase, "hang", $"no result within {timeout.TotalSeconds:0} s", null));
            Report.Hangs++;

            // The hung load may still hold the file open: later cases get a fresh folder.
            StartFolder();
            return;
        }

        if (load.IsCompletedSuccessfully)
        {
            if (load.Result is string silentFault)
            {
                Report.AddFailure(new FuzzFailure(fuzzCase, "silent fault after a successful load", silentFault, null));
            }
            else
            {
                Report.Loaded++;
            }

            return;
        }

        Classify(fuzzCase, load.Exception!.InnerException!);
    }

    public void Dispose()
    {
        foreach (string created in folders)
        {
            try
            {
                Directory.Delete(created, recursive: true);
            }
            catch (IOException)
            {
                // A hung load still has a file open: the OS temp cleanup will get it.
            }
        }
    }

    private void Classify(FuzzCase fuzzCase, Exception exception)
    {
        string detail = $"{exception.GetType().Name}: {exception.Message}";
        switch (exception)
        {
            case ModelLoadException loadError when NamesAFileOfTheCase(loadError):
                Report.Rejected++;
                Report.CountRejection(loadError);
                break;
            case ModelLoadException loadError:
                Report.AddFailure(new FuzzFailure(fuzzCase, "ModelLoadException that does not name the file", detail, loadError));
                break;
            case NonFiniteLogitsException stepError:
                // Finite weights whose activations overflow: the session refuses the step, naming the position.
                Report.Rejected++;
                Report.CountRejection(stepError);
                break;
            case ArgumentException when target.AllowsArgumentExceptions:
                Report.Rejected++;
                break;
            case ArgumentException:
                Report.AddFailure(new FuzzFailure(fuzzCase, "ArgumentException for file content", detail, exception));
                break;
            default:
                Report.AddFailure(new FuzzFailure(fuzzCase, "untyped exception", detail, exception));
                break;
        }
    }

    /// <summary>
    /// The error names the case's folder or a path inside it (the mutated file, a companion, a file
    /// asked for there), and its message starts with that path.
    /// </summary>
    private bool NamesAFileOfTheCase(ModelLoadException error)
    {
        if (string.IsNullOrWhiteSpace(error.FilePath) || !error.Message.StartsWith(error.FilePath, StringComparison.Ordinal))
        {
            return false;
        }

        string named;
        try
        {
            named = Path.GetFullPath(error.FilePath);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }

        string caseFolder = Path.GetFullPath(folder);
        return named == caseFolder || named.StartsWith(caseFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private void StartFolder()
    {
        folder = Directory.CreateTempSubdirectory("codegen-fuzz-").FullName;
        folders.Add(folder);
        foreach ((string name, byte[] content) in target.Companions)
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }
    }
}
