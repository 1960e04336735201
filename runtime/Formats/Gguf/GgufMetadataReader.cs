using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Codegen.Formats.Gguf;

/// <summary>
/// Reads the key-value metadata of a GGUF file: every value type, arrays of any of them and arrays of
/// arrays (at most <see cref="MaxArrayDepth"/> deep, so a hostile file cannot exhaust the stack).
/// Keys must be unique; errors name the key.
/// </summary>
internal static class GgufMetadataReader
{
    /// <summary>How deep arrays may nest (an array of arrays is depth 2).</summary>
    public const int MaxArrayDepth = 8;

    /// <summary>The fewest bytes one key-value pair takes: key length, value type, a one-byte value.</summary>
    public const int MinimumPairBytes = 8 + 4 + 1;

    /// <summary>Reads <paramref name="count"/> key-value pairs from the cursor.</summary>
    public static Dictionary<string, GgufValue> Read(GgufCursor cursor, int count)
    {
        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = cursor.ReadString($"the key of metadata entry {i}");
            string where = $"metadata key '{key}'";
            GgufValueType type = ReadType(cursor, $"the value type of {where}");
            GgufValue value = ReadValue(cursor, type, where, depth: 0);
            if (!metadata.TryAdd(key, value))
            {
                throw new ModelLoadException(cursor.Path, $"{where} appears twice in the metadata");
            }
        }

        return metadata;
    }

    private static GgufValueType ReadType(GgufCursor cursor, string what)
    {
        long at = cursor.Position;
        uint tag = cursor.ReadUInt32(what);
        if (!GgufValueTypes.IsKnown(tag))
        {
            throw new ModelLoadException(
                cursor.Path, $"{what} at byte {at} is {tag}, not a GGUF value type (0 to {(uint)GgufValueType.Float64})");
        }

        return (GgufValueType)tag;
    }

    private static GgufValue ReadValue(GgufCursor cursor, GgufValueType type, string where, int depth) => type switch
    {
        GgufValueType.UInt8 => new(type, cursor.ReadUInt8(where)),
        GgufValueType.Int8 => new(type, (sbyte)cursor.ReadUInt8(where)),
        GgufValueType.UInt16 => new(type, cursor.ReadUInt16(where)),
        GgufValueType.Int16 => new(type, (short)cursor.ReadUInt16(where)),
        GgufValueType.UInt32 => new(type, cursor.ReadUInt32(where)),
        GgufValueType.Int32 => new(type, (int)cursor.ReadUInt32(where)),
        GgufValueType.Float32 => new(type, BitConverter.UInt32BitsToSingle(cursor.ReadUInt32(where))),
        GgufValueType.Bool => new(type, ReadBool(cursor, where)),
        GgufValueType.String => new(type, cursor.ReadString(where)),
        GgufValueType.UInt64 => new(type, cursor.ReadUInt64(where)),
        GgufValueType.Int64 => new(type, (long)cursor.ReadUInt64(where)),
        GgufValueType.Float64 => new(type, BitConverter.UInt64BitsToDouble(cursor.ReadUInt64(where))),
        _ => new(type, ReadArray(cursor, where, depth + 1)),
    };

    private static bool ReadBool(GgufCursor cursor, string where)
    {
        long at = cursor.Position;
        byte value = cursor.ReadUInt8(where);
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw new ModelLoadException(cursor.Path, $"{where}: bool at byte {at} is {value}; a GGUF bool is 0 or 1"),
        };
    }

    private static GgufArray ReadArray(GgufCursor cursor, string where, int depth)
    {
        if (depth > MaxArrayDepth)
        {
            throw new ModelLoadException(
                cursor.Path, $"{where}: arrays nest more than {MaxArrayDepth} deep at byte {cursor.Position}");
        }

        GgufValueType elementType = ReadType(cursor, $"the element type of {where}'s array");
        int count = cursor.ReadCount($"elements of {where}'s array of {GgufValueTypes.Name(elementType)}", GgufValueTypes.MinimumSizeInBytes(elementType));
        string element = $"{where} (an element of its array)";
        Array items = elementType switch
        {
            GgufValueType.UInt8 => ReadNumbers<byte>(cursor, count, element),
            GgufValueType.Int8 => ReadNumbers<sbyte>(cursor, count, element),
            GgufValueType.UInt16 => ReadNumbers<ushort>(cursor, count, element),
            GgufValueType.Int16 => ReadNumbers<short>(cursor, count, element),
            GgufValueType.UInt32 => ReadNumbers<uint>(cursor, count, element),
            GgufValueType.Int32 => ReadNumbers<int>(cursor, count, element),
            GgufValueType.Float32 => ReadNumbers<float>(cursor, count, element),
            GgufValueType.UInt64 => ReadNumbers<ulong>(cursor, count, element),
            GgufValueType.Int64 => ReadNumbers<long>(cursor, count, element),
            GgufValueType.Float64 => ReadNumbers<double>(cursor, count, element),
            GgufValueType.Bool => ReadMany(cursor, count, i => ReadBool(cursor, $"{where} element {i}")),
            GgufValueType.String => ReadMany(cursor, count, i => cursor.ReadString($"{where} element {i}")),
            _ => ReadMany(cursor, count, i => ReadArray(cursor, $"{where} element {i}", depth + 1)),
        };
        return new GgufArray(elementType, items);
    }

    private static T[] ReadMany<T>(GgufCursor cursor, int count, Func<int, T> readOne)
    {
        var items = new T[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = readOne(i);
        }

        return items;
    }

    private static T[] ReadNumbers<T>(GgufCursor cursor, int count, string what)
        where T : unmanaged
    {
        // ReadCount checked count * sizeof(T) against the bytes left, so the allocation is bounded by the file.
        var items = new T[count];
        Span<byte> bytes = MemoryMarshal.AsBytes(items.AsSpan());
        cursor.Read(bytes, what);
        if (!BitConverter.IsLittleEndian)
        {
            int size = bytes.Length / Math.Max(count, 1);
            for (int i = 0; i + size <= bytes.Length; i += size)
            {
                bytes.Slice(i, size).Reverse();
            }
        }

        return items;
    }
}
