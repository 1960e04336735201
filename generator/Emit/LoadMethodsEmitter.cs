namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the two public <c>Load</c> methods every model has: <c>Load(path)</c>, and <c>Load(path, progress,
/// cancellationToken)</c>, which runs the format's private <c>LoadFrom(path, load)</c> (whose body the caller writes)
/// through the runtime's <c>LoadProgress.Run</c>: it counts the bytes read, reports progress, checks for cancellation
/// and reports 1 once the model is built.
/// </summary>
internal static class LoadMethodsEmitter
{
    /// <summary>Writes both methods, with <paramref name="summary"/> (lines, without the comment marks) as the first one's summary.</summary>
    public static void Emit(IndentedWriter w, string className, string[] summary)
    {
        w.Line("/// <summary>");
        foreach (string line in summary)
        {
            w.Line($"/// {line}");
        }

        w.Line("/// </summary>");
        w.Line($"public static {className} Load(string path) => Load(path, null, default);");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Loads as <see cref=\"Load(string)\"/> does, reporting the fraction of the weights' bytes read to <paramref name=\"progress\"/> (rising, on");
        w.Line($"/// this thread; the last report is 1) and throwing <see cref=\"{Names.OperationCanceledException}\"/>, every file closed, once <paramref name=\"cancellationToken\"/> is cancelled.");
        w.Line("/// </summary>");
        w.Line($"public static {className} Load(string path, {Names.IProgress}<double>? progress, {Names.CancellationToken} cancellationToken = default) =>");
        w.Line($"    {Names.LoadProgress}.Run(progress, cancellationToken, load => LoadFrom(path, load));");
        w.Line();
    }
}
