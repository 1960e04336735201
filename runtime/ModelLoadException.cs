using System;

namespace Codegen;

/// <summary>
/// A weight or tokenizer file that does not fit the declared model: the message names the file,
/// the field or tensor, and the expected and actual values.
/// </summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string path, string message)
        : base($"{path}: {message}")
    {
        FilePath = path;
    }

    public ModelLoadException(string path, string message, Exception inner)
        : base($"{path}: {message}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file that was being loaded.</summary>
    public string FilePath { get; }
}
