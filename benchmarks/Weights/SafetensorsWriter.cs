using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Codegen.Benchmarks.Weights;

/// <summary>Writes one F32 .safetensors file of seeded random (or constant) tensors, streamed in file order.</summary>
internal static class SafetensorsWriter
{
    /// <summary>A tensor to write: uniform in +-<paramref name="Scale"/>, or <paramref name="Constant"/> everywhere when Scale is 0.</summary>
    public sealed record Tensor(string Name, int[] Shape, float Scale, float Constant)
    {
        public long Count
        {
            get
            {
                long count = 1;
                foreach (int dim in Shape)
                {
                    count *= dim;
                }

                return count;
            }
        }
    }

    /// <summary>Writes <paramref name="tensors"/> in the given order (header padded with spaces to 8 bytes), atomically.</summary>
    public static void Write(string path, IReadOnlyList<Tensor> tensors, SeededRandom random)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (Tensor tensor in tensors)
        {
            long bytes = tensor.Count * sizeof(float);
            header.Append(CultureInfo.InvariantCulture, $",\"{tensor.Name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(',', tensor.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }

        header.Append('}');
        while ((8 + header.Length) % 8 != 0)
        {
            header.Append(' ');
        }

        RandomWeights.WriteAtomically(path, stream =>
        {
            byte[] json = Encoding.UTF8.GetBytes(header.ToString());
            stream.Write(BitConverter.GetBytes((ulong)json.Length));
            stream.Write(json);
            foreach (Tensor tensor in tensors)
            {
                if (tensor.Scale == 0f)
                {
                    RandomWeights.WriteConstant(stream, tensor.Count, tensor.Constant);
                }
                else
                {
                    RandomWeights.WriteRandom(stream, random, tensor.Count, tensor.Scale);
                }
            }
        });
    }
}
