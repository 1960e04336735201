using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Unicode;

namespace Codegen.Formats;

/// <summary>
/// Parses and checks the JSON header of a safetensors file without looking at the data: every
/// field is type-checked, every range is checked against the data buffer and against the other
/// ranges, and every size is checked against the shape with overflow-safe arithmetic.
/// </summary>
internal static class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    /// <summary>The parsed header: tensors by name, and the optional string metadata.</summary>
    internal sealed record Contents(
        Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata);

    /// <summary>Parses <paramref name="json"/>; <paramref name="dataLength"/> is the size of the data buffer.</summary>
    public static Contents Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        if (!Utf8.IsValid(json.Span))
        {
            throw new ModelLoadException(path, "header is not valid JSON: it is not valid UTF-8");
        }

        try
        {
            return ParseDocument(path, json, dataLength);
        }
        catch (InvalidOperationException exception)
        {
            // A string the parser accepted but cannot decode, such as an escaped lone surrogate.
            throw new ModelLoadException(path, $"header is not valid JSON: {exception.Message}", exception);
        }
    }

    private static Contents ParseDocument(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException exception)
        {
            throw new ModelLoadException(path, $"header is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException(path, $"header must be a JSON object, found {root.ValueKind}");
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw new ModelLoadException(path, $"'{MetadataKey}' appears twice in the header");
                    }

                    sawMetadata = true;
                    ParseMetadata(path, property.Value, metadata);
                    continue;
                }

                SafetensorsTensorInfo info = ParseTensor(path, property.Name, property.Value, dataLength);
                if (!tensors.TryAdd(info.Name, info))
                {
                    throw new ModelLoadException(path, $"tensor '{info.Name}' appears twice in the header");
                }
            }

            CheckCoverage(path, tensors.Values, dataLength);
            return new Contents(tensors, metadata);
        }
    }

    private static void ParseMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException(path, $"'{MetadataKey}' must be an object of strings, found {element.ValueKind}");
        }

        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelLoadException(
                    path, $"'{MetadataKey}' value '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string path, string name, JsonElement entry, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException(path, $"{where}: entry must be a JSON object, found {entry.ValueKind}");
        }

        JsonElement dtypeElement = Field(path, where, entry, "dtype", JsonValueKind.String);
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtypeName, out SafetensorsDType dtype))
        {
            throw new ModelLoadException(
                path, $"{where}: unknown dtype '{dtypeName}' (known: {SafetensorsDTypes.KnownNames})");
        }

        int[] shape = ParseShape(path, where, Field(path, where, entry, "shape", JsonValueKind.Array));
        (long begin, long end) = ParseOffsets(path, where, Field(path, where, entry, "data_offsets", JsonValueKind.Array));
        string offsets = $"data_offsets [{begin}, {end}]";
        if (begin > end)
        {
            throw new ModelLoadException(path, $"{where}: {offsets} have begin > end");
        }

        if (end > dataLength)
        {
            throw new ModelLoadException(path, $"{where}: {offsets} run past the end of the data ({dataLength} bytes)");
        }

        long expectedBytes;
        try
        {
            long count = 1;
            foreach (int dimension in shape)
            {
                count = checked(count * dimension);
            }

            expectedBytes = checked(count * dtype.SizeInBytes());
        }
        catch (OverflowException)
        {
            throw new ModelLoadException(
                path, $"{where}: shape {SafetensorsFile.FormatShape(shape)} of {dtype} is too large (the byte size overflows)");
        }

        if (expectedBytes != end - begin)
        {
            throw new ModelLoadException(
                path,
                $"{where}: {offsets} hold {end - begin} bytes but shape {SafetensorsFile.FormatShape(shape)} of {dtype} needs {expectedBytes} bytes");
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonElement Field(string path, string where, JsonElement entry, string field, JsonValueKind kind)
    {
        if (!entry.TryGetProperty(field, out JsonElement value))
        {
            throw new ModelLoadException(path, $"{where}: missing field '{field}'");
        }

        if (value.ValueKind != kind)
        {
            throw new ModelLoadException(path, $"{where}: '{field}' must be {kind}, found {value.ValueKind} {value.GetRawText()}");
        }

        return value;
    }

    private static int[] ParseShape(string path, string where, JsonElement array)
    {
        var shape = new int[array.GetArrayLength()];
        int index = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number
                || !item.TryGetInt64(out long dimension)
                || dimension < 0
                || dimension > int.MaxValue)
            {
                throw new ModelLoadException(
                    path,
                    $"{where}: shape dimension {index} is {item.GetRawText()}; dimensions must be integers from 0 to {int.MaxValue}");
            }

            shape[index++] = (int)dimension;
        }

        return shape;
    }

    private static (long Begin, long End) ParseOffsets(string path, string where, JsonElement array)
    {
        if (array.GetArrayLength() == 2)
        {
            JsonElement first = array[0];
            JsonElement second = array[1];
            if (first.ValueKind == JsonValueKind.Number && first.TryGetInt64(out long begin) && begin >= 0
                && second.ValueKind == JsonValueKind.Number && second.TryGetInt64(out long end) && end >= 0)
            {
                return (begin, end);
            }
        }

        throw new ModelLoadException(
            path, $"{where}: data_offsets must be two non-negative integers, found {array.GetRawText()}");
    }

    /// <summary>
    /// Checks that the tensors cover the data section exactly, as the format requires: sorted by
    /// offset, the first starts at 0, each starts where the previous one ends (no gap, no overlap)
    /// and the last ends at the end of the file. A header length that is off shifts the data section
    /// and leaves bytes outside every tensor, so it is caught here rather than read as weights.
    /// Empty tensors occupy no bytes, so they may sit at any offset inside the data section.
    /// </summary>
    private static void CheckCoverage(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        var ranges = new List<SafetensorsTensorInfo>();
        foreach (SafetensorsTensorInfo tensor in tensors)
        {
            if (tensor.ByteLength > 0)
            {
                ranges.Add(tensor);
            }
        }

        string section = $"the {dataLength}-byte data section";
        if (ranges.Count == 0)
        {
            if (dataLength > 0)
            {
                throw new ModelLoadException(path, $"{section} holds no tensor; every byte of it must belong to one");
            }

            return;
        }

        ranges.Sort((a, b) => a.DataBegin != b.DataBegin
            ? a.DataBegin.CompareTo(b.DataBegin)
            : string.CompareOrdinal(a.Name, b.Name));
        if (ranges[0].DataBegin != 0)
        {
            throw new ModelLoadException(
                path, $"bytes [0, {ranges[0].DataBegin}) of {section} precede the first tensor {Describe(ranges[0])}; they belong to no tensor");
        }

        for (int i = 1; i < ranges.Count; i++)
        {
            SafetensorsTensorInfo previous = ranges[i - 1];
            SafetensorsTensorInfo current = ranges[i];
            if (current.DataBegin < previous.DataEnd)
            {
                throw new ModelLoadException(
                    path, $"tensors {Describe(previous)} and {Describe(current)} overlap");
            }

            if (current.DataBegin > previous.DataEnd)
            {
                throw new ModelLoadException(
                    path,
                    $"bytes [{previous.DataEnd}, {current.DataBegin}) of {section} lie between tensors {Describe(previous)} and {Describe(current)}; they belong to no tensor");
            }
        }

        SafetensorsTensorInfo last = ranges[^1];
        if (last.DataEnd != dataLength)
        {
            throw new ModelLoadException(
                path,
                $"bytes [{last.DataEnd}, {dataLength}) of {section} follow the last tensor {Describe(last)}; they belong to no tensor (is the header length off, or were bytes appended?)");
        }
    }

    private static string Describe(SafetensorsTensorInfo tensor) =>
        $"'{tensor.Name}' (data_offsets [{tensor.DataBegin}, {tensor.DataEnd}])";
}
