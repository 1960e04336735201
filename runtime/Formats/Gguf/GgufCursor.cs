using System;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats.Gguf;

/// <summary>
/// Reads the header of a GGUF file front to back through a small buffer, never past the length the
/// file had when it was opened: every read first checks the bytes left, and every count or length
/// read from the file is checked against them before anything is allocated. Errors are
/// <see cref="ModelLoadException"/>s that say what was being read and where.
/// </summary>
internal sealed class GgufCursor
{
    private const int BufferSize = 64 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SafeFileHandle handle;
    private readonly byte[] buffer = new byte[BufferSize];
    private long bufferStart;
    private int bufferCount;

    public GgufCursor(string path, SafeFileHandle handle, long length)
    {
        Path = path;
        this.handle = handle;
        Length = length;
    }

    /// <summary>The file's path, for messages.</summary>
    public string Path { get; }

    /// <summary>The file's length when it was opened.</summary>
    public long Length { get; }

    /// <summary>The offset of the next byte to read.</summary>
    public long Position { get; private set; }

    /// <summary>Bytes between <see cref="Position"/> and the end of the file.</summary>
    public long Remaining => Length - Position;

    /// <summary>Throws unless <paramref name="count"/> bytes are left, naming <paramref name="what"/>.</summary>
    public void Require(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ModelLoadException(
                Path, $"file ends at byte {Length} while reading {what} at byte {Position}: it needs {count} bytes, {Remaining} are left (is the file truncated?)");
        }
    }

    /// <summary>Fills <paramref name="destination"/> from the file.</summary>
    public void Read(Span<byte> destination, string what)
    {
        Require(destination.Length, what);
        while (!destination.IsEmpty)
        {
            // The cursor only moves forward, so the position is never before the buffer's start.
            long inBuffer = bufferStart + bufferCount - Position;
            if (inBuffer <= 0)
            {
                Refill(what);
                continue;
            }

            int take = (int)Math.Min(inBuffer, destination.Length);
            buffer.AsSpan((int)(Position - bufferStart), take).CopyTo(destination);
            destination = destination.Slice(take);
            Position += take;
        }
    }

    public byte ReadUInt8(string what)
    {
        Span<byte> bytes = stackalloc byte[1];
        Read(bytes, what);
        return bytes[0];
    }

    public ushort ReadUInt16(string what)
    {
        Span<byte> bytes = stackalloc byte[2];
        Read(bytes, what);
        return BinaryPrimitives.ReadUInt16LittleEndian(bytes);
    }

    public uint ReadUInt32(string what)
    {
        Span<byte> bytes = stackalloc byte[4];
        Read(bytes, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public ulong ReadUInt64(string what)
    {
        Span<byte> bytes = stackalloc byte[8];
        Read(bytes, what);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>
    /// Reads a uint64 count of items that take at least <paramref name="minimumItemBytes"/> each and
    /// checks that that many could fit in the bytes left, and in one .NET array.
    /// </summary>
    public int ReadCount(string what, int minimumItemBytes)
    {
        long at = Position;
        ulong count = ReadUInt64($"the count of {what}");
        ulong fits = (ulong)Remaining / (ulong)minimumItemBytes;
        if (count > fits)
        {
            throw new ModelLoadException(
                Path, $"the count of {what} at byte {at} is {count}, but the {Remaining} bytes left hold at most {fits} (at least {minimumItemBytes} bytes each)");
        }

        if (count > (ulong)Array.MaxLength)
        {
            throw new ModelLoadException(
                Path, $"the count of {what} at byte {at} is {count}, over the {Array.MaxLength} items one array holds");
        }

        return (int)count;
    }

    /// <summary>Reads a GGUF string (uint64 length, then UTF-8 bytes), which must be valid UTF-8.</summary>
    public string ReadString(string what)
    {
        long at = Position;
        ulong length = ReadUInt64($"the length of {what}");
        if (length > (ulong)Remaining || length > (ulong)Array.MaxLength)
        {
            throw new ModelLoadException(
                Path, $"the length of {what} at byte {at} is {length} bytes, but {Remaining} bytes are left in the file");
        }

        byte[] bytes = new byte[(int)length];
        Read(bytes, what);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException exception)
        {
            throw new ModelLoadException(
                Path, $"{what} at byte {at} is not valid UTF-8 (invalid byte at index {exception.Index} of its {length} bytes)", exception);
        }
    }

    private void Refill(string what)
    {
        int count = (int)Math.Min(BufferSize, Length - Position);
        ModelFile.ReadExactly(Path, handle, buffer.AsSpan(0, count), Position, what);
        bufferStart = Position;
        bufferCount = count;
    }
}
