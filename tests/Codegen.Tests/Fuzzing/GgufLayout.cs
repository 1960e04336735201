using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace Codegen.Tests.Fuzzing;

/// <summary>
/// Where the numeric fields of a valid GGUF seed are: version, counts, each metadata entry's key
/// length, value type and value (or string length, or array element type and count, with the first
/// element's fields), and each tensor info's name length, n_dims, dimensions, type and offset.
/// Written for the fuzz cases independently of the runtime's reader; it trusts its seed.
/// </summary>
internal static class GgufLayout
{
    /// <summary>A field: where it is, its size in bytes (4 or 8) and what it is, for the case's description.</summary>
    internal sealed record Field(int Offset, int Size, string Name);

    /// <summary>The seed's numeric fields, and the offset where its tensor infos end.</summary>
    public static (List<Field> Fields, int HeaderEnd) Read(byte[] file)
    {
        var fields = new List<Field> { new(4, 4, "version"), new(8, 8, "tensor_count"), new(16, 8, "metadata_kv_count") };
        int tensors = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8));
        int entries = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(16));
        int at = 24;
        for (int i = 0; i < entries; i++)
        {
            string key = ReadString(file, ref at, fields, $"key length of entry {i}");
            fields.Add(new(at, 4, $"value type of '{key}'"));
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            at += 4;
            ReadValue(file, ref at, type, fields, $"'{key}'", record: true);
        }

        for (int i = 0; i < tensors; i++)
        {
            string name = ReadString(file, ref at, fields, $"name length of tensor info {i}");
            fields.Add(new(at, 4, $"n_dims of '{name}'"));
            int dimensions = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            at += 4;
            for (int d = 0; d < dimensions; d++)
            {
                fields.Add(new(at, 8, $"ne[{d}] of '{name}'"));
                at += 8;
            }

            fields.Add(new(at, 4, $"ggml type of '{name}'"));
            fields.Add(new(at + 4, 8, $"offset of '{name}'"));
            at += 12;
        }

        return (fields, at);
    }

    private static string ReadString(byte[] file, ref int at, List<Field>? fields, string what)
    {
        fields?.Add(new(at, 8, what));
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at));
        string text = System.Text.Encoding.UTF8.GetString(file, at + 8, length);
        at += 8 + length;
        return text;
    }

    /// <summary>Steps over one value; records its fields when <paramref name="record"/> (only the first element of an array is recorded).</summary>
    private static void ReadValue(byte[] file, ref int at, uint type, List<Field> fields, string where, bool record)
    {
        List<Field>? sink = record ? fields : null;
        switch (type)
        {
            case 0 or 1 or 7: at += 1; break;
            case 2 or 3: at += 2; break;
            case 4 or 5 or 6:
                sink?.Add(new(at, 4, $"value of {where}"));
                at += 4;
                break;
            case 10 or 11 or 12:
                sink?.Add(new(at, 8, $"value of {where}"));
                at += 8;
                break;
            case 8:
                ReadString(file, ref at, sink, $"string length of {where}");
                break;
            default:
                sink?.Add(new(at, 4, $"array element type of {where}"));
                sink?.Add(new(at + 4, 8, $"array count of {where}"));
                uint elementType = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
                long count = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at + 4));
                at += 12;
                for (long i = 0; i < count; i++)
                {
                    ReadValue(file, ref at, elementType, fields, $"{where} element {i}", record && i == 0);
                }

                break;
        }
    }
}
