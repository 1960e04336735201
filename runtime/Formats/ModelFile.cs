using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats;

/// <summary>
/// Opens and reads the files a model is loaded from: checkpoints, safetensors files, <c>config.json</c>
/// and tokenizer files. Only regular files with contents are opened, and every read is bounded by the
/// length the file had when it was opened, never "until the end": a FIFO would block in open(2) until a
/// writer appears, and a device such as <c>/dev/zero</c> never ends. Every failure is a
/// <see cref="ModelLoadException"/> that names the file.
/// </summary>
/// <remarks>
/// .NET does not say whether a path is a FIFO, socket or device, but on Linux it reports their length
/// as 0, as it does for empty files and for <c>/proc</c> files (which are read until their end). None
/// of them is a model file, so a length of 0 (after following symbolic links) is refused before the
/// file is opened. A file replaced by a FIFO between that check and the open would still block.
/// </remarks>
public static class ModelFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading after checking that it is a regular file with contents;
    /// <paramref name="length"/> is its length at opening, the bound for every read.
    /// <paramref name="kind"/> names the file in messages (for example "checkpoint").
    /// </summary>
    /// <exception cref="ModelLoadException">The path is missing, a directory, empty, not a regular file, locked or unreadable.</exception>
    public static SafeFileHandle OpenRead(string path, string kind, out long length)
    {
        RequireRegularFileWithContents(path, kind);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(path, $"cannot open the {kind} file: {exception.Message}", exception);
        }

        try
        {
            length = RandomAccess.GetLength(handle);
            if (length == 0)
            {
                throw new ModelLoadException(path, EmptyMessage(kind));
            }

            return handle;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            handle.Dispose();
            throw new ModelLoadException(path, $"cannot read the length of the {kind} file: {exception.Message}", exception);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the whole of <paramref name="path"/>: exactly the length it has when opened, which must
    /// be at most <paramref name="maxLength"/> bytes.
    /// </summary>
    /// <exception cref="ModelLoadException">As <see cref="OpenRead"/>, or the file is too long or ends early.</exception>
    public static byte[] ReadAllBytes(string path, string kind, long maxLength)
    {
        using SafeFileHandle handle = OpenRead(path, kind, out long length);
        long limit = Math.Min(maxLength, Array.MaxLength);
        if (length > limit)
        {
            throw new ModelLoadException(path, $"the {kind} file is {length} bytes, over the {limit}-byte limit for it");
        }

        var bytes = new byte[length];
        ReadExactly(path, handle, bytes, 0, $"the {kind} file");
        return bytes;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from byte <paramref name="offset"/> of an open file; a file that
    /// ends early (truncated after opening) or a read error is a <see cref="ModelLoadException"/>.
    /// <paramref name="what"/> says what was being read, for the message.
    /// </summary>
    public static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset, string what)
    {
        while (!buffer.IsEmpty)
        {
            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer, offset);
            }
            catch (IOException exception)
            {
                throw new ModelLoadException(path, $"cannot read {what} at byte {offset}: {exception.Message}", exception);
            }

            if (read <= 0)
            {
                throw new ModelLoadException(
                    path, $"file ended at byte {offset} while reading {what} (was it truncated after opening?)");
            }

            buffer = buffer.Slice(read);
            offset += read;
        }
    }

    /// <summary>
    /// <see cref="ReadExactly(string, SafeFileHandle, Span{byte}, long, string)"/> in reads of at most
    /// <see cref="LoadProgress.ChunkBytes"/>, each counted by <paramref name="progress"/>, which checks for
    /// cancellation before the first and after every one.
    /// </summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset, string what, LoadProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        while (!buffer.IsEmpty)
        {
            int length = Math.Min(buffer.Length, LoadProgress.ChunkBytes);
            ReadExactly(path, handle, buffer.Slice(0, length), offset, what);
            buffer = buffer.Slice(length);
            offset += length;
            progress.Advance(length);
        }
    }

    /// <summary>
    /// Reads little-endian float32 values from byte <paramref name="offset"/> straight into <paramref name="destination"/>
    /// (no copy: the bytes land in its storage, and are swapped there on a big-endian machine), in reads of at most
    /// <see cref="LoadProgress.ChunkBytes"/>, each counted by <paramref name="progress"/>. Any length a span holds works,
    /// including more than 2 GiB of bytes.
    /// </summary>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static void ReadFloat32(string path, SafeFileHandle handle, Span<float> destination, long offset, string what, LoadProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        const int chunkValues = LoadProgress.ChunkBytes / sizeof(float);
        while (!destination.IsEmpty)
        {
            Span<float> chunk = destination.Slice(0, Math.Min(destination.Length, chunkValues));
            ReadExactly(path, handle, MemoryMarshal.AsBytes(chunk), offset, what);
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> bits = MemoryMarshal.Cast<float, int>(chunk);
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }

            destination = destination.Slice(chunk.Length);
            offset += (long)chunk.Length * sizeof(float);
            progress.Advance((long)chunk.Length * sizeof(float));
        }
    }

    private static void RequireRegularFileWithContents(string path, string kind)
    {
        if (Directory.Exists(path))
        {
            throw new ModelLoadException(path, $"the {kind} path is a directory, not a file");
        }

        var file = new FileInfo(path);
        FileSystemInfo target;
        try
        {
            target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) ?? file;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // For example a loop of symbolic links.
            throw new ModelLoadException(path, $"cannot resolve the {kind} path: {exception.Message}", exception);
        }

        if (!target.Exists || target is not FileInfo targetFile)
        {
            string what = ReferenceEquals(target, file)
                ? "the path does not exist"
                : $"it is a symbolic link to {target.FullName}, which does not exist";
            throw new ModelLoadException(path, $"{kind} file not found: {what}");
        }

        if (targetFile.Length == 0)
        {
            throw new ModelLoadException(path, EmptyMessage(kind));
        }
    }

    private static string EmptyMessage(string kind) =>
        $"the {kind} file has length 0: it is empty, or it is not a regular file (a FIFO, socket or device, which " +
        "report no length); a model file must be a regular file with contents";
}
