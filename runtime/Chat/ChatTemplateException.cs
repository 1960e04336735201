using System;

namespace Codegen.Chat;

/// <summary>
/// A chat template that cannot be parsed or rendered: a syntax error (with the line and column and what was
/// expected there), an operation a value does not support, or a template's own <c>raise_exception(...)</c>,
/// whose message is the template's message unchanged.
/// </summary>
public sealed class ChatTemplateException : Exception
{
    /// <summary>An error at a place in the template; the message starts with that place.</summary>
    public ChatTemplateException(string message, int line, int column)
        : base($"chat template line {line}, column {column}: {message}")
    {
        Line = line;
        Column = column;
        Reason = message;
    }

    /// <summary>An error with no place in the template (a bad argument, a missing file entry).</summary>
    public ChatTemplateException(string message)
        : base(message)
    {
        Reason = message;
    }

    private ChatTemplateException(string message, bool raisedByTemplate)
        : base(message)
    {
        Reason = message;
        RaisedByTemplate = raisedByTemplate;
    }

    /// <summary>The 1-based line of the template where the error is, when it has one.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column of the template where the error is, when it has one.</summary>
    public int? Column { get; }

    /// <summary>The message without the place.</summary>
    public string Reason { get; }

    /// <summary>True when the template itself raised the error with <c>raise_exception(message)</c>.</summary>
    public bool RaisedByTemplate { get; }

    /// <summary>The error a template raises with <c>raise_exception(message)</c>: its message, unchanged.</summary>
    internal static ChatTemplateException Raised(string message) => new(message, raisedByTemplate: true);
}
