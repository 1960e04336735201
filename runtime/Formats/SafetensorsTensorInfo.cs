namespace Codegen.Formats;

/// <summary>
/// One tensor entry of a validated safetensors header. <see cref="DataBegin"/> and
/// <see cref="DataEnd"/> are byte offsets relative to the start of the data buffer; the header
/// check guarantees they lie inside it and that <c>DataEnd - DataBegin</c> equals
/// <see cref="ElementCount"/> times the dtype size.
/// </summary>
/// <param name="Name">The name exactly as the file spells it.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="DataBegin">First byte, relative to the data buffer.</param>
/// <param name="DataEnd">One past the last byte, relative to the data buffer.</param>
public sealed record SafetensorsTensorInfo(
    string Name, SafetensorsDType DType, int[] Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of bytes the tensor occupies.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public long ElementCount => ByteLength / DType.SizeInBytes();

    /// <summary>The shape as <c>[a, b]</c>, for messages.</summary>
    public string ShapeText => SafetensorsFile.FormatShape(Shape);
}
