using System;
using System.Collections.Generic;

namespace Codegen.Formats.Gguf;

/// <summary>
/// Reads and checks the tensor infos of a GGUF file: names unique and valid UTF-8, 1 to
/// <see cref="MaxDimensions"/> dimensions of at least 1, a ggml type whose block layout is known, the
/// innermost dimension a whole number of blocks, the byte size computed with checked arithmetic.
/// Placement against the data section is checked by <see cref="CheckPlacement"/> once its start is known.
/// </summary>
internal static class GgufTensorInfoReader
{
    /// <summary>The most dimensions a GGUF tensor may have (ggml's GGML_MAX_DIMS).</summary>
    public const int MaxDimensions = 4;

    /// <summary>The fewest bytes one tensor info takes: name length, n_dims, one dimension, type, offset.</summary>
    public const int MinimumInfoBytes = 8 + 4 + 8 + 4 + 8;

    /// <summary>Reads <paramref name="count"/> tensor infos.</summary>
    public static List<GgufTensorInfo> Read(GgufCursor cursor, int count)
    {
        var tensors = new List<GgufTensorInfo>(count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            GgufTensorInfo info = ReadOne(cursor, i);
            if (!names.Add(info.Name))
            {
                throw new ModelLoadException(cursor.Path, $"tensor '{info.Name}' appears twice in the tensor infos");
            }

            tensors.Add(info);
        }

        return tensors;
    }

    private static GgufTensorInfo ReadOne(GgufCursor cursor, int index)
    {
        string name = cursor.ReadString($"the name of tensor info {index}");
        string where = $"tensor '{name}'";
        long at = cursor.Position;
        uint dimensionCount = cursor.ReadUInt32($"the n_dims of {where}");
        if (dimensionCount is 0 or > MaxDimensions)
        {
            throw new ModelLoadException(
                cursor.Path, $"{where}: n_dims at byte {at} is {dimensionCount}; a tensor has 1 to {MaxDimensions} dimensions");
        }

        var dimensions = new long[dimensionCount];
        for (int d = 0; d < dimensions.Length; d++)
        {
            at = cursor.Position;
            ulong dimension = cursor.ReadUInt64($"ne[{d}] of {where}");
            if (dimension == 0 || dimension > long.MaxValue)
            {
                throw new ModelLoadException(
                    cursor.Path, $"{where}: ne[{d}] at byte {at} is {dimension}; dimensions must be 1 to {long.MaxValue}");
            }

            dimensions[d] = (long)dimension;
        }

        at = cursor.Position;
        uint typeTag = cursor.ReadUInt32($"the type of {where}");
        if (!GgmlTypes.TryGetBlock(typeTag, out int blockElements, out int blockBytes))
        {
            throw new ModelLoadException(
                cursor.Path, $"{where}: type at byte {at} is {GgmlTypes.Name(typeTag)}, which this reader does not know (known: {string.Join(", ", Enum.GetNames<GgmlType>())})");
        }

        var type = (GgmlType)typeTag;
        at = cursor.Position;
        ulong offset = cursor.ReadUInt64($"the offset of {where}");
        if (offset > long.MaxValue)
        {
            throw new ModelLoadException(cursor.Path, $"{where}: offset at byte {at} is {offset}, past any file's end");
        }

        string shape = $"ne [{string.Join(", ", dimensions)}]";
        if (dimensions[0] % blockElements != 0)
        {
            throw new ModelLoadException(
                cursor.Path, $"{where}: {shape} of {type}: ne[0] = {dimensions[0]} is not a multiple of the {blockElements}-element block");
        }

        long elements;
        long bytes;
        try
        {
            elements = 1;
            foreach (long dimension in dimensions)
            {
                elements = checked(elements * dimension);
            }

            bytes = checked(elements / blockElements * blockBytes);
        }
        catch (OverflowException)
        {
            throw new ModelLoadException(cursor.Path, $"{where}: {shape} of {type} is too large (its byte size overflows 64 bits)");
        }

        return new GgufTensorInfo(name, dimensions, type, (long)offset, bytes, elements);
    }

    /// <summary>
    /// Checks every tensor against the data section (<paramref name="dataStart"/> to the end of the
    /// file): offsets a multiple of <paramref name="alignment"/>, bytes inside the file, no two tensors
    /// overlapping.
    /// </summary>
    public static void CheckPlacement(string path, IReadOnlyList<GgufTensorInfo> tensors, long dataStart, long fileLength, long alignment)
    {
        long dataLength = fileLength - dataStart;
        foreach (GgufTensorInfo tensor in tensors)
        {
            if (tensor.Offset % alignment != 0)
            {
                throw new ModelLoadException(
                    path, $"tensor {tensor.Describe()}: offset {tensor.Offset} is not a multiple of the alignment {alignment}");
            }

            if (tensor.Offset > dataLength || tensor.ByteLength > dataLength - tensor.Offset)
            {
                throw new ModelLoadException(
                    path,
                    $"tensor {tensor.Describe()}: its {tensor.ByteLength} bytes at offset {tensor.Offset} run past the end of the {dataLength}-byte data section (which starts at byte {dataStart} of the {fileLength}-byte file)");
            }
        }

        var sorted = new List<GgufTensorInfo>(tensors);
        sorted.Sort((a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : string.CompareOrdinal(a.Name, b.Name));
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Offset < sorted[i - 1].End)
            {
                throw new ModelLoadException(
                    path,
                    $"tensors {sorted[i - 1].Describe()} (bytes [{sorted[i - 1].Offset}, {sorted[i - 1].End}) of the data section) and {sorted[i].Describe()} (bytes [{sorted[i].Offset}, {sorted[i].End})) overlap");
            }
        }
    }
}
