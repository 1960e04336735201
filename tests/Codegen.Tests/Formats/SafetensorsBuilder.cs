using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Codegen.Tests.Formats;

/// <summary>
/// Builds safetensors files in memory for tests: well-formed ones from (name, dtype, shape,
/// bytes) entries, and corrupt ones from a raw header or by overwriting the header length.
/// </summary>
internal sealed class SafetensorsBuilder
{
    private readonly List<(string Name, string DType, long[] Shape, byte[] Bytes)> entries = [];
    private readonly Dictionary<string, string> metadata = [];

    /// <summary>Adds a tensor with raw little-endian bytes; offsets follow the previous tensor.</summary>
    public SafetensorsBuilder Add(string name, string dtype, long[] shape, byte[] bytes)
    {
        entries.Add((name, dtype, shape, bytes));
        return this;
    }

    /// <summary>Adds an F32 tensor.</summary>
    public SafetensorsBuilder AddF32(string name, long[] shape, params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Add(name, "F32", shape, bytes);
    }

    /// <summary>Adds an F32 tensor of the given shape holding 0, 1, 2, ... in row-major order.</summary>
    public SafetensorsBuilder AddF32Sequence(string name, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        return AddF32(name, shape, Enumerable.Range(0, (int)count).Select(i => (float)i).ToArray());
    }

    /// <summary>Adds a <c>__metadata__</c> entry.</summary>
    public SafetensorsBuilder Metadata(string key, string value)
    {
        metadata[key] = value;
        return this;
    }

    /// <summary>The complete file.</summary>
    public byte[] Build()
    {
        var header = new Dictionary<string, object>();
        if (metadata.Count > 0)
        {
            header["__metadata__"] = metadata;
        }

        long offset = 0;
        var data = new MemoryStream();
        foreach ((string name, string dtype, long[] shape, byte[] bytes) in entries)
        {
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = dtype,
                ["shape"] = shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            data.Write(bytes);
            offset += bytes.Length;
        }

        return Assemble(JsonSerializer.Serialize(header), data.ToArray());
    }

    /// <summary>A file made of an arbitrary header text and data buffer; the length prefix is the header's byte count.</summary>
    public static byte[] Assemble(string headerJson, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    /// <summary>A file made of a header text and <paramref name="dataLength"/> zero bytes of data.</summary>
    public static byte[] Assemble(string headerJson, int dataLength) => Assemble(headerJson, new byte[dataLength]);

    /// <summary>A copy of <paramref name="file"/> whose 8-byte prefix claims <paramref name="headerLength"/>.</summary>
    public static byte[] WithHeaderLength(byte[] file, ulong headerLength)
    {
        byte[] copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, headerLength);
        return copy;
    }
}

/// <summary>A temporary directory for test files, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        FullPath = Path.Combine(Path.GetTempPath(), "codegen-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    /// <summary>Writes <paramref name="bytes"/> to a file in the directory and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(FullPath, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes <paramref name="text"/> to a file in the directory and returns its path.</summary>
    public string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try
        {
            Directory.Delete(FullPath, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the OS temp cleanup will get it.
        }
    }
}
