namespace Codegen.Generator.Emit;

/// <summary>
/// Writes the two public <c>Load</c> methods every model has: <c>Load(path)</c>, and <c>Load(path, progress,
/// cancellationToken)</c>, which counts the bytes read with a <c>LoadProgress</c> (the runtime's: reports, chunked
/// reads, cancellation checks), calls the format's private <c>LoadFrom(path, load)</c>, whose body the caller writes,
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
        w.Line("/// Loads as <see cref=\"Load(string)\"/> does, reporting the fraction of the weights' bytes read to <paramref name=\"progress\"/>");
        w.Line("/// (rising, on this thread, the last report exactly 1 when the model is built) and stopping with");
        w.Line($"/// <see cref=\"{Names.OperationCanceledException}\"/> when <paramref name=\"cancellationToken\"/> is cancelled: between tensors");
        w.Line("/// and within a large one. Every file it opened is closed when it throws.");
        w.Line("/// </summary>");
        using (w.Block($"public static {className} Load(string path, {Names.IProgress}<double>? progress, {Names.CancellationToken} cancellationToken = default)"))
        {
            w.Line($"var load = new {Names.LoadProgress}(progress, cancellationToken);");
            w.Line($"{className} model = LoadFrom(path, load);");
            w.Line("load.Complete();");
            w.Line("return model;");
        }

        w.Line();
    }
}
