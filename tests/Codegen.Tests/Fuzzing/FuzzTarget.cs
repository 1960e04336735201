using System;
using System.Collections.Generic;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// What a fuzz case is fed to: the file name the mutated bytes are written under, the valid files
/// written beside it (a safetensors file's config.json, vocab.json's merges.txt), and the load
/// followed by one use of what was loaded (a forward step, an encode). <see cref="LoadAndUse"/>
/// gets the mutated file's path and returns null when all is well, or a description of a silent
/// fault (such as a NaN logit) that it found without an exception.
/// </summary>
/// <param name="Format">The format's name in messages, such as <c>llama2.c checkpoint</c>.</param>
/// <param name="FileName">The mutated file's name in the case folder.</param>
/// <param name="Companions">Valid files written beside it, by name.</param>
/// <param name="LoadAndUse">Loads the file at the given path and uses the result once.</param>
/// <param name="AllowsArgumentExceptions">
/// True only when the case varies an argument (a vocabulary size, a path) rather than file content:
/// then an <see cref="ArgumentException"/> is a correct answer.
/// </param>
internal sealed record FuzzTarget(
    string Format,
    string FileName,
    IReadOnlyDictionary<string, byte[]> Companions,
    Func<string, string?> LoadAndUse,
    bool AllowsArgumentExceptions = false)
{
    public static IReadOnlyDictionary<string, byte[]> NoCompanions { get; } = new Dictionary<string, byte[]>();
}
