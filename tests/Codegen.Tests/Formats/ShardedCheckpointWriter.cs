using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace Codegen.Tests.Formats;

/// <summary>
/// Writes a Hugging Face sharded checkpoint for tests: shards built with <see cref="SafetensorsBuilder"/>
/// and a <c>model.safetensors.index.json</c> mapping each of their tensors to its shard, with the true
/// <c>metadata.total_size</c> unless told otherwise.
/// </summary>
internal sealed class ShardedCheckpointWriter
{
    private readonly List<(string Name, List<(string Tensor, string DType, long[] Shape, byte[] Bytes)> Tensors)> shards = [];

    /// <summary>Starts a shard named <paramref name="fileName"/>; later <see cref="Add"/> calls go into it.</summary>
    public ShardedCheckpointWriter Shard(string fileName)
    {
        shards.Add((fileName, []));
        return this;
    }

    /// <summary>Adds a tensor of raw bytes to the current shard.</summary>
    public ShardedCheckpointWriter Add(string tensor, string dtype, long[] shape, byte[] bytes)
    {
        shards[^1].Tensors.Add((tensor, dtype, shape, bytes));
        return this;
    }

    /// <summary>Adds a tensor of <paramref name="values"/> stored as <paramref name="dtype"/> (F32, F16 or BF16) to the current shard.</summary>
    public ShardedCheckpointWriter AddFloats(string tensor, string dtype, long[] shape, float[] values) =>
        Add(tensor, dtype, shape, Encode(dtype, values));

    /// <summary>Adds an F32 tensor holding <paramref name="start"/>, <paramref name="start"/> + 1, ... in row-major order.</summary>
    public ShardedCheckpointWriter AddSequence(string tensor, float start, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        return AddFloats(tensor, "F32", shape, Enumerable.Range(0, (int)count).Select(i => start + i).ToArray());
    }

    /// <summary>The index's weight_map as the shards lay it out: each tensor to its shard.</summary>
    public Dictionary<string, string> WeightMap() =>
        shards.SelectMany(shard => shard.Tensors.Select(t => (t.Tensor, shard.Name))).ToDictionary(p => p.Tensor, p => p.Name);

    /// <summary>The sum of every tensor's bytes, the true total_size.</summary>
    public long TotalSize => shards.Sum(shard => shard.Tensors.Sum(t => (long)t.Bytes.Length));

    /// <summary>The index JSON, indented as transformers writes it, for <paramref name="weightMap"/> (by default <see cref="WeightMap"/>) and <paramref name="totalSize"/> (by default the true one).</summary>
    public string Index(Dictionary<string, string>? weightMap = null, long? totalSize = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = totalSize ?? TotalSize },
            ["weight_map"] = weightMap ?? WeightMap(),
        }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the shards into <paramref name="directory"/>, and the index unless <paramref name="index"/> is false.</summary>
    public void WriteTo(TempDirectory directory, bool index = true)
    {
        foreach ((string name, List<(string Tensor, string DType, long[] Shape, byte[] Bytes)> tensors) in shards)
        {
            directory.Write(name, ShardBytes(tensors));
        }

        if (index)
        {
            directory.Write(Codegen.Formats.SafetensorsCheckpoint.IndexFileName, Index());
        }
    }

    /// <summary>The bytes of shard <paramref name="name"/>.</summary>
    public byte[] ShardBytes(string name) => ShardBytes(shards.Single(shard => shard.Name == name).Tensors);

    /// <summary>Every shard, by file name.</summary>
    public Dictionary<string, byte[]> AllShardBytes() => shards.ToDictionary(shard => shard.Name, shard => ShardBytes(shard.Tensors));

    /// <summary><paramref name="values"/> as little-endian F32, F16 or BF16 (BF16 truncates: exact for values with 8 significant bits).</summary>
    public static byte[] Encode(string dtype, float[] values)
    {
        int size = dtype == "F32" ? 4 : 2;
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> target = bytes.AsSpan(i * size, size);
            switch (dtype)
            {
                case "F32":
                    BinaryPrimitives.WriteSingleLittleEndian(target, values[i]);
                    break;
                case "F16":
                    BinaryPrimitives.WriteHalfLittleEndian(target, (Half)values[i]);
                    break;
                case "BF16":
                    BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
                    break;
                default:
                    throw new ArgumentException($"No float encoding for {dtype}.", nameof(dtype));
            }
        }

        return bytes;
    }

    private static byte[] ShardBytes(List<(string Tensor, string DType, long[] Shape, byte[] Bytes)> tensors)
    {
        var builder = new SafetensorsBuilder().Metadata("format", "pt");
        foreach ((string tensor, string dtype, long[] shape, byte[] bytes) in tensors)
        {
            builder.Add(tensor, dtype, shape, bytes);
        }

        return builder.Build();
    }
}
