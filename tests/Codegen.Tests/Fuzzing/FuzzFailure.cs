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

    private string ThrowSite()
    {
        if (Exception is null)
        {
            return "-";
        }

        var frame = new System.Diagnostics.StackTrace(Exception).GetFrame(0);
        var method = frame?.GetMethod();
        return method is null ? "?" : $"{method.DeclaringType?.Name}.{method.Name}";
    }
}
