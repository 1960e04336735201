namespace Codegen.Formats;

/// <summary>
/// A tensor a loader needs, for <see cref="SafetensorsFile.Validate"/>: its name (without or
/// with the <c>transformer.</c> prefix) and its shape as stored in the file.
/// </summary>
/// <param name="Name">The tensor name, for example <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="Shape">The stored shape, outermost dimension first.</param>
public sealed record ExpectedTensor(string Name, int[] Shape);
