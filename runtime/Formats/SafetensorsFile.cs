using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace Codegen.Formats;

/// <summary>
/// A safetensors weight file (8-byte little-endian header length N, N bytes of UTF-8 JSON, then
/// the data buffer). <see cref="Open"/> reads and fully validates the header before any data is
/// touched; reads then use positional I/O (<see cref="RandomAccess"/>) inside ranges the header
/// check has proven to lie within the file, so concurrent reads from several threads are safe.
/// </summary>
/// <remarks>
/// Names: Hugging Face GPT-2 checkpoints saved from <c>GPT2LMHeadModel</c> prefix every tensor
/// with <c>transformer.</c>, those saved from <c>GPT2Model</c> do not. Every method that takes a
/// tensor name accepts either spelling: it uses the name as given if the file has it, otherwise
/// <see cref="TransformerPrefix"/> + name (see <see cref="ResolveName"/>).
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The optional prefix <see cref="ResolveName"/> tries when a name is not found as given.</summary>
    public const string TransformerPrefix = "transformer.";

    /// <summary>Elements converted per read, bounding the scratch memory a read needs.</summary>
    private const int ChunkElements = 1 << 20;

    private readonly SafeFileHandle handle;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> tensors;
    private readonly LoadProgress progress;

    private SafetensorsFile(
        string path, SafeFileHandle handle, long dataStart, long dataLength, SafetensorsHeader.Contents header, LoadProgress progress)
    {
        Path = path;
        this.progress = progress;
        this.handle = handle;
        this.dataStart = dataStart;
        DataLength = dataLength;
        tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }

    /// <summary>Size of the data buffer in bytes.</summary>
    public long DataLength { get; }

    /// <summary>Every tensor in the header, keyed by the name exactly as the file spells it.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => tensors;

    /// <summary>The optional <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header: the header length, the JSON, every
    /// field of every tensor, every range against the data buffer and the others, and every byte
    /// size against the shape. Throws <see cref="ModelLoadException"/> naming the problem.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    public static SafetensorsFile Open(string path) => Open(path, LoadProgress.None);

    /// <summary>
    /// <see cref="Open(string)"/>, with reads that count their bytes with <paramref name="progress"/> (which
    /// <see cref="Validate"/> tells how many there will be) and stop when it is cancelled.
    /// </summary>
    /// <exception cref="ModelLoadException">As <see cref="Open(string)"/>.</exception>
    /// <exception cref="OperationCanceledException">The load was cancelled.</exception>
    public static SafetensorsFile Open(string path, LoadProgress progress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(progress);
        progress.ThrowIfCancellationRequested();
        SafeFileHandle handle = ModelFile.OpenRead(path, "weights", out long fileLength);
        try
        {
            if (fileLength < 8)
            {
                throw new ModelLoadException(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
            }

            Span<byte> prefix = stackalloc byte[8];
            ModelFile.ReadExactly(path, handle, prefix, 0, "the header length");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength == 0)
            {
                throw new ModelLoadException(path, "header length is 0; the header must hold at least '{}'");
            }

            if (headerLength > MaxHeaderLength)
            {
                throw new ModelLoadException(
                    path, $"header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
            }

            if (headerLength > (ulong)(fileLength - 8))
            {
                throw new ModelLoadException(
                    path,
                    $"header length {headerLength} runs past the end of the file ({fileLength} bytes, so at most {fileLength - 8} header bytes)");
            }

            var json = new byte[headerLength];
            ModelFile.ReadExactly(path, handle, json, 8, "the header");
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            SafetensorsHeader.Contents header = SafetensorsHeader.Parse(path, json, dataLength);
            return new SafetensorsFile(path, handle, dataStart, dataLength, header, progress);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The file name <see cref="OpenFileOrFolder"/> looks for in a folder.</summary>
    public const string FolderFileName = "model.safetensors";

    /// <summary>
    /// Opens <paramref name="path"/> as <see cref="Open"/> does, or, when it is a folder, the
    /// <see cref="FolderFileName"/> inside it (the layout of a Hugging Face model folder).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    public static SafetensorsFile OpenFileOrFolder(string path) => OpenFileOrFolder(path, LoadProgress.None);

    /// <summary><see cref="OpenFileOrFolder(string)"/>, counting and cancelling as <see cref="Open(string, LoadProgress)"/> does.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or blank.</exception>
    public static SafetensorsFile OpenFileOrFolder(string path, LoadProgress progress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Open(Directory.Exists(path) ? System.IO.Path.Combine(path, FolderFileName) : path, progress);
    }

    /// <summary>
    /// The name under which the file stores <paramref name="name"/>: <paramref name="name"/> itself
    /// if present, else <see cref="TransformerPrefix"/> + <paramref name="name"/> if present, else null.
    /// </summary>
    public string? ResolveName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (tensors.ContainsKey(name))
        {
            return name;
        }

        string prefixed = TransformerPrefix + name;
        return tensors.ContainsKey(prefixed) ? prefixed : null;
    }

    /// <summary>Looks a tensor up by name, with or without the <c>transformer.</c> prefix (see <see cref="ResolveName"/>).</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo info)
    {
        string? resolved = ResolveName(name);
        if (resolved is null)
        {
            info = null!;
            return false;
        }

        info = tensors[resolved];
        return true;
    }

    /// <summary>
    /// Checks that every expected tensor exists with the expected shape and a float dtype (F32, F16
    /// or BF16). Collects every problem and throws one <see cref="ModelLoadException"/> listing them
    /// all. Tensors in the file that are not expected (such as <c>h.0.attn.bias</c> masks) are ignored.
    /// Messages use the expected names, as given (without the prefix the file may add). When every tensor is
    /// there, their bytes are what the load's progress counts to.
    /// </summary>
    public void Validate(IReadOnlyList<ExpectedTensor> expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var problems = new List<string>();
        long bytes = 0;
        foreach (ExpectedTensor tensor in expected)
        {
            if (!TryGetTensor(tensor.Name, out SafetensorsTensorInfo info))
            {
                problems.Add($"missing tensor '{tensor.Name}'");
                continue;
            }

            bytes += info.ByteLength;

            if (!info.DType.IsFloat32Convertible())
            {
                problems.Add($"tensor '{tensor.Name}' has dtype {info.DType}; expected F32, F16 or BF16");
            }

            if (!info.Shape.AsSpan().SequenceEqual(tensor.Shape))
            {
                problems.Add($"tensor '{tensor.Name}' has shape {info.ShapeText}, expected {FormatShape(tensor.Shape)}");
            }
        }

        if (problems.Count > 0)
        {
            string count = problems.Count == 1 ? "1 problem" : $"{problems.Count} problems";
            throw new ModelLoadException(Path, $"{count}: {string.Join("; ", problems)}");
        }

        progress.Expect(bytes);
    }

    /// <summary>
    /// Reads tensor <paramref name="name"/> as float32 into <paramref name="destination"/>, whose
    /// length must equal the element count. Converts F16 and BF16; other dtypes are rejected.
    /// </summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        SafetensorsTensorInfo info = GetFloatTensor(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ModelLoadException(
                Path,
                $"tensor '{name}' has {info.ElementCount} elements (shape {info.ShapeText}) but the destination holds {destination.Length}");
        }

        for (int start = 0; start < destination.Length; start += ChunkElements)
        {
            Span<float> chunk = destination.Slice(start, Math.Min(ChunkElements, destination.Length - start));
            ReadElements(info, start, chunk);
        }
    }

    /// <summary>
    /// Reads rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>) of a
    /// 2-D tensor, or elements of a 1-D tensor (whose rows are single values), as float32 into
    /// <paramref name="destination"/>, whose length must be <paramref name="rowCount"/> times the row length.
    /// Only those rows are read from the file: this is how a fused tensor (such as Phi-3's <c>qkv_proj</c>) is
    /// split without reading the rest twice. Converts F16 and BF16 and refuses non-finite values, as
    /// <see cref="ReadFloat32"/> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstRow"/> or <paramref name="rowCount"/> is negative.</exception>
    /// <exception cref="ModelLoadException">
    /// The tensor is missing, not a float tensor, not 1-D or 2-D, has fewer rows than the range needs, or the
    /// destination's length is not the range's element count.
    /// </exception>
    public void ReadRowsFloat32(string name, int firstRow, int rowCount, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        SafetensorsTensorInfo info = GetFloatTensor(name);
        if (info.Shape.Length is not (1 or 2))
        {
            throw new ModelLoadException(
                Path, $"tensor '{name}' has shape {info.ShapeText}; a row range needs a 1-D or 2-D tensor");
        }

        int rows = info.Shape[0];
        int columns = info.Shape.Length == 2 ? info.Shape[1] : 1;
        if ((long)firstRow + rowCount > rows)
        {
            throw new ModelLoadException(
                Path,
                $"tensor '{name}' has {rows} rows (shape {info.ShapeText}); rows {firstRow} to {(long)firstRow + rowCount - 1} were asked for ({rowCount} from row {firstRow})");
        }

        long count = (long)rowCount * columns;
        if (destination.Length != count)
        {
            throw new ModelLoadException(
                Path,
                $"{rowCount} rows of tensor '{name}' (shape {info.ShapeText}) are {count} elements but the destination holds {destination.Length}");
        }

        long first = (long)firstRow * columns;
        for (int start = 0; start < destination.Length; start += ChunkElements)
        {
            Span<float> chunk = destination.Slice(start, Math.Min(ChunkElements, destination.Length - start));
            ReadElements(info, first + start, chunk);
        }
    }

    /// <summary>
    /// Reads a tensor stored as [<paramref name="rows"/>, <paramref name="columns"/>] and writes its
    /// [<paramref name="columns"/>, <paramref name="rows"/>] transpose into <paramref name="destination"/>
    /// (GPT-2 Conv1D weights are stored [in, out]; the kernels want [out, in]).
    /// </summary>
    public void ReadFloat32Transposed(string name, int rows, int columns, Span<float> destination)
    {
        SafetensorsTensorInfo info = GetFloatTensor(name);
        if (info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
        {
            throw new ModelLoadException(
                Path, $"tensor '{name}' has shape {info.ShapeText}, expected [{rows}, {columns}]");
        }

        if (destination.Length != info.ElementCount)
        {
            throw new ModelLoadException(
                Path,
                $"tensor '{name}' has {info.ElementCount} elements (shape {info.ShapeText}) but the destination holds {destination.Length}");
        }

        if (info.ElementCount == 0)
        {
            return;
        }

        int rowsPerChunk = Math.Max(1, ChunkElements / columns);
        float[] scratch = ArrayPool<float>.Shared.Rent(checked(Math.Min(rowsPerChunk, rows) * columns));
        try
        {
            for (int firstRow = 0; firstRow < rows; firstRow += rowsPerChunk)
            {
                int chunkRows = Math.Min(rowsPerChunk, rows - firstRow);
                Span<float> chunk = scratch.AsSpan(0, chunkRows * columns);
                ReadElements(info, (long)firstRow * columns, chunk);
                Transpose(chunk, firstRow, rows, columns, 0, destination);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Reads a tensor stored as [<paramref name="rows"/>, parts × columns] (GPT-2's fused c_attn: query, key and value
    /// side by side) and writes the transpose of each part's columns into its own array of <paramref name="parts"/>,
    /// [columns, <paramref name="rows"/>] each, reading the file once through a bounded scratch buffer: no fused copy.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="parts"/> is empty, or its arrays differ in length.</exception>
    /// <exception cref="ModelLoadException">The tensor is missing, not a float tensor, or not of that shape.</exception>
    public void ReadFloat32TransposedSplit(string name, int rows, float[][] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Length == 0 || rows <= 0 || parts[0].Length % rows != 0 || Array.Exists(parts, part => part.Length != parts[0].Length))
        {
            throw new ArgumentException($"{parts.Length} parts of equal length, a multiple of {rows} rows, are needed.", nameof(parts));
        }

        int partColumns = parts[0].Length / rows;
        int columns = checked(partColumns * parts.Length);
        SafetensorsTensorInfo info = GetFloatTensor(name);
        if (info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != columns)
        {
            throw new ModelLoadException(
                Path, $"tensor '{name}' has shape {info.ShapeText}, expected [{rows}, {columns}] ({parts.Length} parts of {partColumns} columns)");
        }

        if (partColumns == 0)
        {
            return;
        }

        int rowsPerChunk = Math.Max(1, ChunkElements / columns);
        float[] scratch = ArrayPool<float>.Shared.Rent(checked(Math.Min(rowsPerChunk, rows) * columns));
        try
        {
            for (int firstRow = 0; firstRow < rows; firstRow += rowsPerChunk)
            {
                int chunkRows = Math.Min(rowsPerChunk, rows - firstRow);
                Span<float> chunk = scratch.AsSpan(0, chunkRows * columns);
                ReadElements(info, (long)firstRow * columns, chunk);
                for (int part = 0; part < parts.Length; part++)
                {
                    Transpose(chunk, firstRow, rows, columns, part * partColumns, parts[part]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Closes the file; later reads throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => handle.Dispose();

    /// <summary>
    /// Writes rows [firstRow, firstRow + chunk rows) of a [rows, columns] matrix, given as <paramref name="chunk"/>, into
    /// <paramref name="destination"/>, the transpose of its columns [firstColumn, firstColumn + destination.Length / rows).
    /// </summary>
    private static void Transpose(ReadOnlySpan<float> chunk, int firstRow, int rows, int columns, int firstColumn, Span<float> destination)
    {
        int chunkRows = chunk.Length / columns;
        int destinationColumns = destination.Length / rows;
        for (int r = 0; r < chunkRows; r++)
        {
            ReadOnlySpan<float> row = chunk.Slice((r * columns) + firstColumn, destinationColumns);
            int target = firstRow + r;
            for (int c = 0; c < row.Length; c++)
            {
                destination[(c * rows) + target] = row[c];
            }
        }
    }

    /// <summary>Formats a shape as <c>[a, b]</c>.</summary>
    internal static string FormatShape(int[] shape) => $"[{string.Join(", ", shape)}]";

    private SafetensorsTensorInfo GetFloatTensor(string name)
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        if (!TryGetTensor(name, out SafetensorsTensorInfo info))
        {
            throw new ModelLoadException(Path, $"missing tensor '{name}'");
        }

        if (!info.DType.IsFloat32Convertible())
        {
            throw new ModelLoadException(Path, $"tensor '{name}' has dtype {info.DType}; expected F32, F16 or BF16");
        }

        return info;
    }

    /// <summary>
    /// Reads elements [first, first + destination.Length) of a float tensor, converting to float32, and
    /// refuses a NaN or infinity among them (<see cref="FiniteWeights"/>): F16 and BF16 convert exactly,
    /// so the check over float32 sees what the file holds.
    /// </summary>
    private void ReadElements(SafetensorsTensorInfo info, long first, Span<float> destination)
    {
        ReadConverted(info, first, destination);
        FiniteWeights.Require(Path, info.Name, info.Shape, destination, first);
    }

    /// <summary>Reads elements [first, first + destination.Length) of a float tensor, converting to float32.</summary>
    private void ReadConverted(SafetensorsTensorInfo info, long first, Span<float> destination)
    {
        int size = info.DType.SizeInBytes();
        long offset = dataStart + info.DataBegin + first * size;
        string what = $"tensor '{info.Name}'";
        if (info.DType == SafetensorsDType.F32)
        {
            ModelFile.ReadFloat32(Path, handle, destination, offset, what, progress);
            return;
        }

        byte[] scratch = ArrayPool<byte>.Shared.Rent(destination.Length * 2);
        try
        {
            Span<byte> raw = scratch.AsSpan(0, destination.Length * 2);
            ModelFile.ReadExactly(Path, handle, raw, offset, what, progress);
            if (info.DType == SafetensorsDType.F16)
            {
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.Slice(i * 2, 2));
                }
            }
            else
            {
                for (int i = 0; i < destination.Length; i++)
                {
                    int upper = BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(i * 2, 2));
                    destination[i] = BitConverter.Int32BitsToSingle(upper << 16);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
