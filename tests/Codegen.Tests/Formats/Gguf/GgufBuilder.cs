using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Codegen.Formats.Gguf;

namespace Codegen.Tests.Formats.Gguf;

/// <summary>
/// Writes GGUF files in memory for tests: metadata entries written by callbacks (so a test can write
/// any value, well-formed or not), tensors with their data, and the counts, version and alignment
/// overridable to make corrupt files.
/// </summary>
internal sealed class GgufBuilder
{
    private readonly List<(string Key, GgufValueType Type, Action<BinaryWriter> Write)> metadata = [];
    private readonly List<(string Name, long[] Dimensions, uint Type, byte[] Data, long? Offset)> tensors = [];

    /// <summary>The version written after the magic.</summary>
    public uint Version { get; set; } = 3;

    /// <summary>The tensor count written in the header, when not the real count.</summary>
    public ulong? TensorCountOverride { get; set; }

    /// <summary>The metadata count written in the header, when not the real count.</summary>
    public ulong? MetadataCountOverride { get; set; }

    /// <summary>The alignment the data is laid out with (write general.alignment separately to declare it).</summary>
    public int Alignment { get; set; } = 32;

    /// <summary>Adds a metadata entry whose value <paramref name="write"/> writes after the type tag.</summary>
    public GgufBuilder Add(string key, GgufValueType type, Action<BinaryWriter> write)
    {
        metadata.Add((key, type, write));
        return this;
    }

    public GgufBuilder AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));

    public GgufBuilder AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, w => w.Write(value));

    public GgufBuilder AddString(string key, string value) => Add(key, GgufValueType.String, w => WriteString(w, value));

    public GgufBuilder AddBool(string key, bool value) => Add(key, GgufValueType.Bool, w => w.Write(value));

    /// <summary>Adds an array of strings.</summary>
    public GgufBuilder AddStringArray(string key, IReadOnlyList<string> values) => AddArray(key, GgufValueType.String, values, WriteString);

    /// <summary>Adds an array of float32.</summary>
    public GgufBuilder AddFloat32Array(string key, IReadOnlyList<float> values) => AddArray(key, GgufValueType.Float32, values, (w, v) => w.Write(v));

    /// <summary>Adds an array of int32.</summary>
    public GgufBuilder AddInt32Array(string key, IReadOnlyList<int> values) => AddArray(key, GgufValueType.Int32, values, (w, v) => w.Write(v));

    /// <summary>Adds an array of <paramref name="elementType"/>, each element written by <paramref name="writeElement"/>.</summary>
    public GgufBuilder AddArray<T>(string key, GgufValueType elementType, IReadOnlyList<T> values, Action<BinaryWriter, T> writeElement) =>
        Add(key, GgufValueType.Array, w =>
        {
            w.Write((uint)elementType);
            w.Write((ulong)values.Count);
            foreach (T value in values)
            {
                writeElement(w, value);
            }
        });

    /// <summary>Adds a tensor; its offset follows the previous tensor's data, aligned, unless given.</summary>
    public GgufBuilder AddTensor(string name, long[] dimensions, GgmlType type, byte[] data, long? offset = null) =>
        AddTensor(name, dimensions, (uint)type, data, offset);

    public GgufBuilder AddTensor(string name, long[] dimensions, uint type, byte[] data, long? offset = null)
    {
        tensors.Add((name, dimensions, type, data, offset));
        return this;
    }

    /// <summary>Adds an F32 tensor holding <paramref name="values"/>.</summary>
    public GgufBuilder AddF32(string name, long[] dimensions, params float[] values)
    {
        var data = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        return AddTensor(name, dimensions, GgmlType.F32, data);
    }

    public static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>The complete file.</summary>
    public byte[] Build()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("GGUF"u8);
        writer.Write(Version);
        writer.Write(TensorCountOverride ?? (ulong)tensors.Count);
        writer.Write(MetadataCountOverride ?? (ulong)metadata.Count);
        foreach ((string key, GgufValueType type, Action<BinaryWriter> write) in metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)type);
            write(writer);
        }

        long next = 0;
        var offsets = new long[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            (string name, long[] dimensions, uint type, byte[] data, long? offset) = tensors[i];
            offsets[i] = offset ?? next;
            next = AlignUp(Math.Max(next, offsets[i] + data.Length));
            WriteString(writer, name);
            writer.Write((uint)dimensions.Length);
            foreach (long dimension in dimensions)
            {
                writer.Write((ulong)dimension);
            }

            writer.Write(type);
            writer.Write((ulong)offsets[i]);
        }

        writer.Flush();
        long dataStart = AlignUp(stream.Length);
        for (int i = 0; i < tensors.Count; i++)
        {
            long at = dataStart + offsets[i];
            if (stream.Length < at)
            {
                stream.SetLength(at);
            }

            stream.Position = at;
            writer.Write(tensors[i].Data);
            writer.Flush();
            stream.Position = stream.Length;
        }

        if (tensors.Count > 0)
        {
            stream.SetLength(AlignUp(stream.Length));
        }

        return stream.ToArray();
    }

    private long AlignUp(long value) => (value + Alignment - 1) / Alignment * Alignment;
}
