using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Codegen.Formats;

namespace Codegen.Tests.Fuzzing;

/// <summary>A safetensors file's parts: the 8-byte header length, the JSON header, the data buffer.</summary>
internal static class SafetensorsLayout
{
    public static int HeaderLength(byte[] file) => checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));

    public static byte[] Header(byte[] file) => file[8..(8 + HeaderLength(file))];

    public static byte[] Data(byte[] file) => file[(8 + HeaderLength(file))..];

    /// <summary>A file of <paramref name="header"/> (its true length in the prefix) and <paramref name="data"/>.</summary>
    public static byte[] Join(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>
    /// Null when the tensors' byte ranges tile the data buffer exactly (as the safetensors format
    /// requires: no byte outside a tensor); else where the first gap is. A gap is how a wrong header
    /// length or wrong offsets that the reader accepted show themselves.
    /// </summary>
    public static string? Gap(SafetensorsFile file)
    {
        long covered = 0;
        foreach (SafetensorsTensorInfo tensor in file.Tensors.Values.Where(t => t.ByteLength > 0).OrderBy(t => t.DataBegin))
        {
            if (tensor.DataBegin != covered)
            {
                return $"the load succeeded, but the data buffer has bytes [{covered}, {tensor.DataBegin}) that belong to no tensor (before '{tensor.Name}'); the file's header and data do not fit together";
            }

            covered = tensor.DataEnd;
        }

        return covered == file.DataLength
            ? null
            : $"the load succeeded, but the data buffer's last {file.DataLength - covered} of {file.DataLength} bytes belong to no tensor; the file's header and data do not fit together";
    }
}
