using System;

namespace Codegen.Formats.Gguf;

/// <summary>
/// One tensor's entry in a GGUF file, checked: its name, its dimensions as GGUF lists them (innermost
/// first: <c>Dimensions[0]</c> is the number of columns, ggml's <c>ne[0]</c>), its ggml type, its
/// offset from the start of the data section and its size in bytes.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, long Offset, long ByteLength, long ElementCount)
{
    /// <summary>The end of the tensor's bytes, relative to the data section.</summary>
    public long End => Offset + ByteLength;

    /// <summary>The dimensions outermost first, as the rest of Codegen writes shapes: <c>[rows, columns]</c> for a matrix.</summary>
    public long[] RowMajorShape()
    {
        var shape = (long[])Dimensions.Clone();
        Array.Reverse(shape);
        return shape;
    }

    /// <summary>For messages: <c>'blk.0.attn_q.weight' (Q8_0, ne [64, 64])</c>.</summary>
    public string Describe() => $"'{Name}' ({Type}, ne [{string.Join(", ", Dimensions)}])";
}
