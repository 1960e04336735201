using System;

namespace Codegen.Tests.Fuzzing;

/// <summary>A case that ended in something other than a load or a typed error.</summary>
/// <param name="Case">The case, with its seed and mutation.</param>
/// <param name="Kind">What went wrong: an exception of a disallowed type, a hang, a silent non-finite result.</param>
/// <param name="Detail">The exception's type and message, or the silent fault's description.</param>
/// <param name="Exception">The exception, when there is one.</param>
internal sealed record FuzzFailure(FuzzCase Case, string Kind, string Detail, Exception? Exception)
{
    /// <summary>
    /// Groups failures that are the same bug: the kind, the exception type, the method that threw,
    /// and the message with its numbers and paths blanked out.
    /// </summary>
    public string ClassKey => $"{Kind} | {Exception?.GetType().FullName ?? "-"} at {ThrowSite()} | {FuzzText.Normalize(Detail)}";

    /// <summary>The method that threw and the project method it was called from (the runtime or generated code), for telling bugs apart.</summary>
    public string ThrowSite()
    {
        if (Exception is null)
        {
            return "-";
        }

        var frames = new System.Diagnostics.StackTrace(Exception).GetFrames();
        string top = Describe(frames.Length > 0 ? frames[0].GetMethod() : null);
        foreach (var frame in frames)
        {
            var method = frame.GetMethod();
            string? space = method?.DeclaringType?.Namespace;
            if (space is not null && space.StartsWith("Codegen", StringComparison.Ordinal) && !space.StartsWith("Codegen.Tests.Fuzzing", StringComparison.Ordinal))
            {
                string project = Describe(method);
                return project == top ? top : $"{top} in {project}";
            }
        }

        return top;
    }

    private static string Describe(System.Reflection.MethodBase? method) =>
        method is null ? "?" : $"{method.DeclaringType?.Name}.{method.Name}";
}
